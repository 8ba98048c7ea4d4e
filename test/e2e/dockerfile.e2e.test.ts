/**
 * The Dockerfile's two stages run without a container engine, from the build context a fresh clone
 * gives (git's files less .dockerignore, so no local dist/ or node_modules/): each stage is a directory
 * holding only what its COPY lines bring (from the context or from the build stage), its RUN steps
 * run there in order, and the runtime stage's CMD is started as an unprivileged user with the stage's
 * ENV. It must serve /readyz, /score and the console, pass its HEALTHCHECK, and train with what it has.
 * DOCKERFILE=path runs it against another Dockerfile (the one before the build stage copied web/
 * fails here, in the build stage's `npm run build`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { ROOT, startCollecting, waitForListening } from '../helpers/process.js';
import { contextFiles, parseDockerfile, type Stage } from './dockerfile-stages.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const dockerfile = process.env.DOCKERFILE ?? join(ROOT, 'Dockerfile');
const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
let work: string;
const dirs = new Map<string, string>();
let nodeDir: string;

/** Where a path inside the stage's filesystem lands in the stage's directory (its WORKDIR is the directory). */
function inStage(stage: Stage, dir: string, path: string): string {
  const abs = posix.resolve(stage.workdir, path);
  const rel = posix.relative(stage.workdir, abs);
  if (rel.startsWith('..')) throw new Error(`${stage.name} writes outside its WORKDIR: ${path}`);
  return join(dir, rel);
}

function build(stage: Stage, context: string[]): string {
  const dir = join(work, stage.name);
  mkdirSync(dir, { recursive: true });
  for (const step of stage.steps) {
    if (step.kind === 'run') {
      const r = spawnSync('sh', ['-c', step.command], { cwd: dir, env: { ...process.env, ...stage.env }, encoding: 'utf8', timeout: 600_000 });
      if (r.status !== 0) throw new Error(`stage ${stage.name}: RUN ${step.command} failed (${r.status ?? r.signal})\n${r.stdout}\n${r.stderr}`);
      continue;
    }
    const dest = inStage(stage, dir, step.dest);
    const intoDir = step.dest.endsWith('/') || step.sources.length > 1;
    for (const source of step.sources) {
      const target = intoDir ? join(dest, basename(source)) : dest;
      if (step.from) {
        const from = dirs.get(step.from);
        const fromStage = stages.find((s) => s.name === step.from);
        if (!from || !fromStage) throw new Error(`COPY --from=${step.from}: no such stage built before ${stage.name}`);
        const src = inStage(fromStage, from, source);
        if (!existsSync(src)) throw new Error(`stage ${stage.name}: COPY --from=${step.from} ${source}: not made by that stage`);
        cpSync(src, target, { recursive: true, verbatimSymlinks: true });
      } else {
        const files = context.filter((f) => f === source || f.startsWith(`${source.replace(/\/$/, '')}/`));
        if (files.length === 0) throw new Error(`stage ${stage.name}: COPY ${source}: not in the build context`);
        for (const f of files) {
          const to = f === source ? target : join(target, f.slice(source.replace(/\/$/, '').length + 1));
          mkdirSync(dirname(to), { recursive: true });
          cpSync(join(ROOT, f), to);
        }
      }
      if (step.chown && isRoot) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, target]);
    }
  }
  return dir;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dockerfile-stages-'));
  chmodSync(work, 0o755); // mkdtemp makes it 0700; an image's files are world-readable
  const context = contextFiles(ROOT);
  for (const stage of stages) dirs.set(stage.name, build(stage, context));
  // The base image's node: the test's own binary, somewhere the unprivileged user can run it.
  nodeDir = join(work, 'base-bin');
  mkdirSync(nodeDir);
  cpSync(process.execPath, join(nodeDir, 'node'));
  chmodSync(join(nodeDir, 'node'), 0o755);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('has a build stage and a runtime stage, the last, on the same base, as a user that is not root', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(stages[0]!.base).toBe(stages[1]!.base);
    expect(stages[1]!.user).toBe('node');
    expect(stages[1]!.cmd?.[0]).toBe('node'); // no shell or npm as PID 1: SIGTERM reaches the server
  });
});

describe.skipIf(!isRoot)("the runtime stage, built from the build stage's output, run as an unprivileged user", () => {
  const runtime = stages.at(-1)!;
  const dir = () => dirs.get(runtime.name)!;
  /** The stage's ENV with its own paths mapped into the stage directory, on loopback and a free port. */
  const env = (extra: Record<string, string> = {}) => {
    const mapped = Object.fromEntries(Object.entries(runtime.env).map(([k, v]) => [k, v.startsWith('/') ? inStage(runtime, dir(), v) : v]));
    return { PATH: `${nodeDir}:/usr/bin:/bin`, ...mapped, HOST: '127.0.0.1', PORT: '0', MAX_EVENT_LOOP_DELAY_MS: '0', ...extra };
  };
  const asNobody = { uid: NOBODY, gid: NOBODY };

  it('holds no dev dependency and no source: what the build stage compiled, the models and the dataset', () => {
    expect(existsSync(join(dir(), 'node_modules', 'fastify'))).toBe(true);
    expect(existsSync(join(dir(), 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(dir(), 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(dir(), 'src'))).toBe(false);
    expect(existsSync(join(dir(), 'dist', 'web', 'index.html'))).toBe(true);
    expect(existsSync(join(dir(), 'data', 'CloudWatch_Traffic_Web_Attack.csv'))).toBe(true);
  });

  it('serves /readyz, /score and the console, passes its HEALTHCHECK, and drains on SIGTERM', async () => {
    const server = await waitForListening(startCollecting(runtime.cmd![0]!, runtime.cmd!.slice(1), { cwd: dir(), env: env(), ...asNobody }), 60_000);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${server.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { verdict: string }).verdict).toMatch(/^(suspicious|normal)$/);
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Traffic threat scoring</title>');
    expect((await fetch(`${server.url}/console/vendor/chart.umd.min.js`)).status).toBe(200);

    const port = new URL(server.url).port;
    const check = spawnSync('sh', ['-c', runtime.healthcheck!], { cwd: dir(), env: env({ PORT: port }), ...asNobody, timeout: 10_000 });
    expect(check.status, String(check.stderr)).toBe(0);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('trains with what the stage has (node dist/scripts/train.js on the shipped dataset)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stage-models-'));
    chownSync(out, NOBODY, NOBODY);
    try {
      const run = startCollecting('node', ['dist/scripts/train.js', '--out', out, '--trees', '20'], { cwd: dir(), env: env(), ...asNobody });
      const { code } = await run.exited;
      expect(code, run.logs.join('\n')).toBe(0);
      expect(run.logs.join('\n')).toMatch(/\(282 records, 2024-04-25 to 2024-04-26\)/);
      expect(readFileSync(join(out, 'CURRENT'), 'utf8')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
