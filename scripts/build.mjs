// Compiles every workspace's src/ to dist/ with SWC (type checking is `npm run typecheck`).
// Non-TypeScript files under src/ (templates, data) are copied as they are. Then Vite builds the portal (apps/portal).
import { transformFile } from '@swc/core';
import { readFileSync, existsSync, rmSync, mkdirSync, writeFileSync, copyFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, relative, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const packages = ['libs', 'services']
  .filter((group) => existsSync(join(root, group)))
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .filter((pkg) => existsSync(join(pkg, 'src')));

const started = Date.now();
let files = 0;
await Promise.all(
  packages.map(async (pkg) => {
    const src = join(pkg, 'src');
    const dist = join(pkg, 'dist');
    rmSync(dist, { recursive: true, force: true });
    for (const file of walk(src)) {
      const target = join(dist, relative(src, file));
      mkdirSync(dirname(target), { recursive: true });
      if (file.endsWith('.spec.ts')) continue;
      if (extname(file) !== '.ts') {
        copyFileSync(file, target);
        continue;
      }
      const out = target.replace(/\.ts$/, '.js');
      const { code, map } = await transformFile(file, {
        ...swcrc,
        filename: file,
        sourceFileName: relative(dirname(out), file),
        swcrc: false,
        configFile: false,
      });
      writeFileSync(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
      if (map) writeFileSync(`${out}.map`, map);
      files += 1;
    }
  }),
);
console.log(`build: ${files} files in ${packages.length} packages compiled in ${Date.now() - started} ms`);

// The publisher portal (apps/portal): Vite builds it to apps/portal/dist, which offer-api serves at /.
const portal = join(root, 'apps', 'portal');
if (existsSync(join(portal, 'vite.config.ts'))) {
  const portalStarted = Date.now();
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: portal, stdio: 'inherit' });
  console.log(`build: portal built by Vite in ${Date.now() - portalStarted} ms`);
}
