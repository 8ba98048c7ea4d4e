/**
 * `npm start` as a user runs it: it builds only when the sources changed since the last build, serves,
 * and stops when npm is told to stop. The Docker image is tested in dockerfile.e2e.test.ts (its stages
 * without an engine) and image.e2e.test.ts (built and run with podman).
 */
import { describe, expect, it } from 'vitest';
import { isAlive, ROOT, startCollecting, waitForListening } from '../helpers/process.js';

/** `npm start` on a free loopback port until it serves; then SIGTERM to npm, as a terminal's Ctrl-C or a supervisor sends. */
async function startAndStop(): Promise<{ logs: string[]; serverPid: number }> {
  const started = startCollecting('npm', ['start'], { cwd: ROOT, env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' } });
  const npm = await waitForListening(started, 90_000);
  const pidLine = npm.logs.find((l) => l.includes('Server listening'))!;
  const serverPid = (JSON.parse(pidLine) as { pid: number }).pid;
  expect((await fetch(`${npm.url}/readyz`)).status).toBe(200);
  npm.child.kill('SIGTERM');
  await npm.exited;
  const deadline = Date.now() + 10_000;
  while (isAlive(serverPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { logs: npm.logs, serverPid };
}

describe('npm start', () => {
  it('serves, and stops when npm gets SIGTERM (the server drains and exits, nothing is left running)', async () => {
    const { logs, serverPid } = await startAndStop();
    expect(isAlive(serverPid)).toBe(false);
    expect(logs.some((l) => l.includes('shutting down'))).toBe(true);
  });

  it('does not rebuild when nothing changed since the last start', async () => {
    const { logs } = await startAndStop();
    expect(logs).toContain('the build is current (sources unchanged since the last npm start): not rebuilding');
    expect(logs.some((l) => l.includes('tsc -p'))).toBe(false);
  });
});
