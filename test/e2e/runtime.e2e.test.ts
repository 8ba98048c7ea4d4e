/**
 * How the service is run outside the test suite: `npm start` (which must stop when npm is told to
 * stop), and the Docker image's runtime stage, emulated without a Docker engine: the compiled dist/,
 * models/ and data/ in a fresh directory, `npm ci --omit=dev` there, and the server and the training
 * script started as an unprivileged user with only what that stage has.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { isAlive, ROOT, startCollecting, waitForListening } from '../helpers/process.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
let image: string;

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  image = mkdtempSync(join(tmpdir(), 'runtime-stage-'));
  for (const item of ['package.json', 'package-lock.json', 'dist', 'models', 'data']) cpSync(join(ROOT, item), join(image, item), { recursive: true });
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: image, stdio: 'ignore' });
  // The image has its own node binary; this one's may sit where the unprivileged user cannot reach it
  // (CI keeps Node 24 under root's home).
  cpSync(process.execPath, join(image, 'node'));
  chmodSync(join(image, 'node'), 0o755);
  chmodSync(image, 0o755); // mkdtemp makes it 0700; the image's files are world-readable
}, 180_000);

afterAll(() => {
  if (image) rmSync(image, { recursive: true, force: true });
});


describe('npm start', () => {
  it('serves, and stops when npm gets SIGTERM (the server drains and exits, nothing is left running)', async () => {
    const started = startCollecting('npm', ['start'], { cwd: ROOT, env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' } });
    const npm = await waitForListening(started, 90_000);
    const pidLine = npm.logs.find((l) => l.includes('Server listening'))!;
    const serverPid = (JSON.parse(pidLine) as { pid: number }).pid;
    expect((await fetch(`${npm.url}/readyz`)).status).toBe(200);
    npm.child.kill('SIGTERM');
    await npm.exited;
    const deadline = Date.now() + 10_000;
    while (isAlive(serverPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(serverPid)).toBe(false);
    expect(npm.logs.some((l) => l.includes('shutting down'))).toBe(true);
  });
});

describe.skipIf(!isRoot)("the image's runtime stage (npm ci --omit=dev, a non-root user)", () => {
  const asNobody = { uid: NOBODY, gid: NOBODY };

  it('serves the committed models: /readyz and /score answer 200', async () => {
    const server = await waitForListening(
      startCollecting(join(image, 'node'), ['dist/src/server.js'], {
        cwd: image,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', MODEL_DIR: join(image, 'models') },
        ...asNobody,
      }),
    );
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${server.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { verdict: string }).verdict).toMatch(/^(suspicious|normal)$/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('trains with what the image has (node dist/scripts/train.js, the shipped dataset, no dev dependency)', async () => {
    expect(existsSync(join(image, 'node_modules', 'tsx'))).toBe(false);
    const out = mkdtempSync(join(tmpdir(), 'image-models-'));
    chownSync(out, NOBODY, NOBODY);
    try {
      const run = startCollecting(join(image, 'node'), ['dist/scripts/train.js', '--out', out, '--trees', '20'], { cwd: image, env: { PATH: process.env.PATH ?? '' }, ...asNobody });
      const { code } = await run.exited;
      expect(code, run.logs.join('\n')).toBe(0);
      expect(run.logs.join('\n')).toMatch(/282 rows/);
      expect(readFileSync(join(out, 'CURRENT'), 'utf8')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
