/** Runs src/server.ts as a real child process on a loopback port chosen by the OS. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export const ROOT = new URL('../..', import.meta.url).pathname;

export interface Server {
  child: ChildProcess;
  url: string;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(env: Record<string, string>): { child: ChildProcess; logs: string[]; exited: Server['exited'] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, logs, exited };
}

/** Starts the server and resolves once it listens. */
export async function startServer(env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Server> {
  const { child, logs, exited } = startChild(env);
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

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, logs, exited } = startChild(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, output: logs.join('\n') };
}
