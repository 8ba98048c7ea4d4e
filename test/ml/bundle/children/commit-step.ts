/**
 * One change of MODEL_DIR with a fault at one write step (test/ml/bundle/crash.test.ts):
 *   commit-step.ts <train|rollback> <kill|fail> <step> <dir> <job.json>
 * Every call that writes (mkdir, open for writing, write, fsync, rename, link, rm, unlink) is a step;
 * at step <step> the process kills itself with SIGKILL, or the call fails with EIO. The answer the
 * service would base its reply on is printed as one JSON line: {ok, version} or {ok: false, code, served}.
 */
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const [op, mode, stepArg, dir, jobFile] = process.argv.slice(2);
const target = Number(stepArg);
let steps = 0;
function step(what: string): void {
  steps++;
  if (steps !== target) return;
  if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
  throw Object.assign(new Error(`EIO: injected failure at step ${steps} (${what})`), { code: 'EIO' });
}
const api = fsp as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
for (const name of ['mkdir', 'rename', 'rm', 'unlink', 'link', 'writeFile', 'open']) {
  const real = api[name];
  api[name] = async (...args: unknown[]) => {
    const readOnly = name === 'open' && (args[1] === undefined || args[1] === 'r');
    // Only MODEL_DIR's writes: the TypeScript loader caches its own files meanwhile.
    if (!readOnly && String(args[0]).startsWith(dir)) step(`${name} ${String(args[0]).slice(dir.length)}`);
    return real(...args);
  };
}
syncBuiltinESMExports(); // the named exports the store imports now call the wrappers
const probe = await fsp.open(jobFile, 'r');
const FileHandle = Object.getPrototypeOf(probe) as Record<string, (...args: unknown[]) => Promise<unknown>>;
await probe.close();
// A handle's writes and fsyncs (files and directories) count when the handle is MODEL_DIR's.
const inDir = new WeakSet<object>();
const open = api.open;
api.open = async (...args: unknown[]) => {
  const fh = (await open(...args)) as object;
  if (String(args[0]).startsWith(dir)) inDir.add(fh);
  return fh;
};
syncBuiltinESMExports();
for (const name of ['sync', 'writeFile', 'write']) {
  const real = FileHandle[name];
  FileHandle[name] = async function (this: object, ...args: unknown[]) {
    if (inDir.has(this)) step(`${name} (handle)`);
    return real.apply(this, args);
  };
}

const { CommitError, rollback, saveVersion } = await import('../../../../src/ml/bundle/store.js');
const job = JSON.parse(await fsp.readFile(jobFile, 'utf8'));
const answer = (o: object): void => void process.stdout.write(`${JSON.stringify({ ...o, steps })}\n`);
try {
  const version = op === 'train' ? await saveVersion(dir, job.draft, job.artifacts, { keep: 3 }) : (await rollback(dir, { keep: 3 })).bundle.version;
  answer({ ok: true, version });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  answer({ ok: false, code: err instanceof CommitError ? err.code : (e.code ?? 'error'), message: e.message });
}
