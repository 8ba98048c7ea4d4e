/**
 * Child processes of tests: the service run from source on a loopback port chosen by the OS, and any
 * helper (Prometheus, Prism). Every child is tracked: test/setup.ts stops those still running after each
 * test file (SIGTERM, then SIGKILL), and a last hook kills them if the test process itself exits, so a
 * failing or timed-out test leaves nothing running.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** spawn(), with the child tracked until it exits. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Stops every tracked child still running: SIGTERM, and SIGKILL after graceMs. */
export async function stopAllChildren(graceMs = 5000): Promise<void> {
  await Promise.all(
    [...live].map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return live.delete(c);
      const exited = once(c, 'exit');
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}

export interface Server {
  child: ChildProcess;
  url: string;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a command, collecting its output lines; `exited` settles when it exits. */
export function startCollecting(command: string, args: string[], options: SpawnOptions): { child: ChildProcess; logs: string[]; exited: Server['exited'] } {
  const child = spawnTracked(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, logs, exited };
}

function startChild(env: Record<string, string>): ReturnType<typeof startCollecting> {
  return startCollecting(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    // No event-loop-delay shedding unless the test asks (see testApp): a loaded CI machine is not an overload.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0', JOBS_DIR: join(tmpdir(), `tts-test-jobs-${process.pid}`), ...env },
  });
}

/** Waits until a line of `logs` names the loopback URL the process listens on. */
export async function waitForListening(started: ReturnType<typeof startCollecting>, timeoutMs = 20_000): Promise<Server> {
  const { child, logs, exited } = started;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = logs.find((l) => l.includes('Server listening at http://127.0.0.1:'));
    if (line) return { child, logs, exited, url: /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0] };
    const done = await Promise.race([exited, new Promise((r) => setTimeout(r, 50, null))]);
    if (done) throw new Error(`server exited before listening: ${JSON.stringify(done)}\n${logs.join('\n')}`);
  }
  child.kill('SIGKILL');
  throw new Error(`server did not listen within ${timeoutMs} ms\n${logs.join('\n')}`);
}

/** Starts the server and resolves once it listens. */
export async function startServer(env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Server> {
  return waitForListening(startChild(env), timeoutMs);
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, logs, exited } = startChild(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, output: logs.join('\n') };
}
