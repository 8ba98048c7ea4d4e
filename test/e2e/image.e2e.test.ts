/**
 * The real image: built from the Dockerfile with podman and run as a container, as a user would with
 * `docker build` and `docker run -p`. No image registry is reachable from CI, so the base tag is a
 * stand-in made from Debian's packages and the official Node binary (scripts/base-image.sh, cached);
 * podman's settings for this kind of machine are in scripts/containers.conf. Needs root and podman
 * (test/e2e/run.sh installs podman, runc and debootstrap); skipped otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { ROOT } from '../helpers/process.js';

const TAG = 'localhost/traffic-threat-scoring:e2e';
const NAME = `threat-scoring-e2e-${process.pid}`;
const env = { ...process.env, CONTAINERS_CONF: join(ROOT, 'scripts', 'containers.conf') };
const hasPodman = spawnSync('podman', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;

function podman(args: string[], timeout = 60_000): { status: number | null; out: string } {
  const r = spawnSync('podman', args, { env, encoding: 'utf8', timeout });
  // podman 4.3 logs an error for its healthcheck timers when systemd is not PID 1; the checks themselves work.
  const err = r.stderr.split('\n').filter((l) => l && !l.includes('/run/systemd/private'));
  return { status: r.status, out: `${r.stdout}${err.join('\n')}` };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

async function waitReady(url: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${podman(['logs', NAME]).out}`);
}

describe.skipIf(!isRoot || !hasPodman)('the image, built with podman and run', () => {
  let url: string;

  beforeAll(async () => {
    execFileSync('bash', [join(ROOT, 'scripts', 'base-image.sh')], { env, stdio: 'inherit', timeout: 600_000 });
    const secret = process.env.NODE_EXTRA_CA_CERTS ? ['--secret', `id=npm_ca,src=${process.env.NODE_EXTRA_CA_CERTS}`] : [];
    // --format docker: the OCI format has no HEALTHCHECK and podman drops it silently. The build stage
    // is tagged too, so its layers (npm ci) stay cached for the next run.
    const build = ['build', '--format', 'docker', '--network=host', ...secret];
    for (const args of [
      [...build, '--target', 'build', '-t', `${TAG}-build`, ROOT],
      [...build, '-t', TAG, ROOT],
    ]) {
      const built = podman(args, 900_000);
      expect(built.status, built.out).toBe(0);
    }
    // The previous run's images, untagged now; only those built on the stand-in base carry its label.
    podman(['image', 'prune', '--force', '--filter', 'label=traffic-threat-scoring.stand-in-base']);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const run = podman(['run', '-d', '--name', NAME, '-p', `127.0.0.1:${port}:3000`, TAG]);
    expect(run.status, run.out).toBe(0);
    await waitReady(url, 60_000);
  }, 1_200_000);

  afterAll(() => {
    podman(['rm', '-f', '-t', '0', NAME]);
  });

  it('serves /score and the console on the published port', async () => {
    const res = await fetch(`${url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { verdict: string }).verdict).toMatch(/^(suspicious|normal)$/);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Traffic threat scoring</title>');
  });

  it('keeps its HEALTHCHECK, which passes', () => {
    expect(podman(['image', 'inspect', '--format', '{{json .Config.Healthcheck.Test}}', TAG]).out).toContain('/readyz');
    const check = podman(['healthcheck', 'run', NAME]);
    expect(check.status, check.out).toBe(0);
  });

  it('runs as uid 1000, with no npm cache or compile cache left in its layers', () => {
    expect(podman(['exec', NAME, 'id', '-u']).out.trim()).toBe('1000');
    const left = podman(['exec', '--user', 'root', NAME, 'sh', '-c', 'ls -d /root/.npm /tmp/node-compile-cache /app/src /app/node_modules/typescript 2>/dev/null; true']);
    expect(left.out.trim()).toBe('');
  });

  it('trains into a named volume on /app/models, as docs/operations.md shows (the volume starts as a copy the node user owns)', () => {
    const volume = `${NAME}-models`;
    try {
      const train = podman(['run', '--rm', '-v', `${volume}:/app/models`, TAG, 'node', 'dist/scripts/train.js', '--out', '/app/models', '--trees', '20'], 300_000);
      expect(train.status, train.out).toBe(0);
      expect(train.out).toMatch(/\(282 records, 2024-04-25 to 2024-04-26\)/);
      const versions = podman(['run', '--rm', '-v', `${volume}:/app/models`, TAG, 'ls', '/app/models/versions'])
        .out.trim()
        .split('\n');
      expect(versions.length).toBeGreaterThanOrEqual(2); // the shipped version and the one just trained
    } finally {
      podman(['volume', 'rm', '-f', volume]);
    }
  });

  it('stops on `podman stop` with exit 0: node is PID 1 and drains on SIGTERM', () => {
    const stop = podman(['stop', '-t', '20', NAME]);
    expect(stop.status, stop.out).toBe(0);
    expect(podman(['inspect', '--format', '{{.State.ExitCode}}', NAME]).out.trim()).toBe('0');
    expect(podman(['logs', NAME]).out).toContain('shutting down');
  });
});
