import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The built portal (apps/portal, `npm run build`), or PORTAL_DIR. */
export function portalDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.PORTAL_DIR || join(__dirname, '..', '..', '..', '..', 'apps', 'portal', 'dist');
}

/** The portal's pages: scripts and styles only from here; product pages (HTML from packaging) in sandboxed frames. */
const PORTAL_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; frame-src 'self'; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/**
 * Serves the publisher portal at `/`: its files as they are (hashed assets cached for a year), and index.html for
 * every other GET outside /api (the portal's own routes: /offers/..., /catalog, /preview/..., /signin), so that a
 * link from an e-mail opens the page it names. /api stays the API's: an unknown API path is the API's 404.
 */
export function servePortal(app: NestFastifyApplication, directory = portalDirectory()): boolean {
  if (!existsSync(join(directory, 'index.html'))) return false;
  const fastify = app.getHttpAdapter().getInstance();
  void fastify.register(fastifyStatic, {
    root: directory,
    prefix: '/',
    wildcard: false,
    index: false,
    setHeaders: (response, path) => {
      for (const [name, value] of Object.entries(PORTAL_HEADERS)) response.setHeader(name, value);
      response.setHeader('cache-control', path.includes(`${join(directory, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const page = (request: FastifyRequest, reply: FastifyReply) => {
    const path = (request.raw.url ?? '/').split('?')[0];
    if (path === '/api' || path.startsWith('/api/')) return reply.callNotFound();
    return reply.headers({ ...PORTAL_HEADERS, 'cache-control': 'no-cache' }).sendFile('index.html', directory);
  };
  void fastify.register(async (scope) => {
    scope.get('/', page);
    scope.get('/*', page);
  });
  return true;
}
