/**
 * The development certificate authority and the server certificate it signs for 127.0.0.1 and localhost, made once
 * (with the openssl command) into a folder of the checkout (.local/tls for `npm start`). The services trust the CA
 * through NODE_EXTRA_CA_CERTS (scripts/stack.mjs); nothing outside this machine does. Not for production.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevelopmentTls {
  /** The CA certificate: what NODE_EXTRA_CA_CERTS (or curl's --cacert) points at. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function developmentTlsFiles(directory: string): DevelopmentTls {
  return { caFile: join(directory, 'ca.pem'), certFile: join(directory, 'server.pem'), keyFile: join(directory, 'server-key.pem') };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    throw new Error(`making the development certificates needs the openssl command (openssl ${args[0]} failed: ${detail})`);
  }
}

/** The files in `directory`, made there first when any is missing. */
export function ensureDevelopmentTls(directory: string): DevelopmentTls {
  const files = developmentTlsFiles(directory);
  if (existsSync(files.caFile) && existsSync(files.certFile) && existsSync(files.keyFile)) return files;
  mkdirSync(directory, { recursive: true });
  const caKey = join(directory, 'ca-key.pem');
  const request = join(directory, 'server.csr');
  const extensions = join(directory, 'server.ext');
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      files.caFile,
      '-days',
      '3650',
      '-subj',
      '/CN=Marketplace publishing development CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    directory,
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.keyFile, '-out', request, '-subj', '/CN=localhost'], directory);
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      request,
      '-CA',
      files.caFile,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${Date.now().toString(16)}`,
      '-days',
      '825',
      '-extfile',
      extensions,
      '-out',
      files.certFile,
    ],
    directory,
  );
  rmSync(request, { force: true });
  rmSync(extensions, { force: true });
  return files;
}
