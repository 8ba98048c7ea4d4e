/**
 * The analyst console at `/`: the files npm run build puts in dist/web, served
 * from memory (a handful of small files, read once at start), gzipped when the
 * client accepts it, revalidated by ETag. The page talks to the service only
 * through its public API. Every console response carries a Content-Security-
 * Policy that allows this origin alone: no script, style, image or connection
 * anywhere else, no inline script, no framing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.gz') && TYPES[extname(name)]) {
        const body = readFileSync(p);
        assets.set(`/${relative(dir, p)}`, {
          type: TYPES[extname(name)],
          body,
          gzip: existsSync(`${p}.gz`) ? readFileSync(`${p}.gz`) : null,
          etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
        });
      }
    }
  };
  walk(dir);
  return assets;
}

async function consolePlugin(app: FastifyInstance, opts: { dir?: string }): Promise<void> {
  const dir = opts.dir ?? join(PROJECT_ROOT, 'dist', 'web');
  const assets = existsSync(join(dir, 'index.html')) ? load(dir) : null;
  if (!assets) app.log.warn({ dir }, 'the console is not built (npm run build): / answers 404');

  const send = (request: FastifyRequest, reply: FastifyReply, path: string) => {
    const asset = assets?.get(path);
    if (!asset) {
      return reply
        .code(404)
        .type('application/json')
        .send({
          statusCode: 404,
          error: 'Not Found',
          code: 'NOT_FOUND',
          message: assets ? `no console file ${path.slice(0, 200)}` : 'the console is not built: run npm run build',
        });
    }
    reply.header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-cache').header('etag', asset.etag).header('vary', 'accept-encoding').type(asset.type);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    if (asset.gzip && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  };

  app.get('/', { schema: { hide: true } }, (request, reply) => send(request, reply, '/index.html'));
  app.get('/console/*', { schema: { hide: true } }, (request, reply) => send(request, reply, `/${(request.params as { '*': string })['*']}`));
}

export default fp(consolePlugin, { name: 'console', fastify: '5.x' });
