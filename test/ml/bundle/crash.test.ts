/**
 * A training's commit and a rollback, killed (SIGKILL) at every write step or with each write failing
 * (EIO), from the one-file layout and from the two-file layout of earlier releases. After each: a
 * restart loads a complete version; the served version and the history are exactly the state before or
 * exactly the state after (never a mix); every version the history names is on disk; and the answer the
 * client got told the truth (success: the new state; failure: the previous version still served).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecord } from '../../../src/ml/data/record.js';
import { loadCurrent, readState, saveVersion, type ServedState } from '../../../src/ml/bundle/store.js';
import { trainModels } from '../../../src/ml/bundle/train.js';
import { ROOT } from '../../helpers/process.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';

const CHILD = join(ROOT, 'test/ml/bundle/children/commit-step.ts');
const records = syntheticRecords(300, 9).map(parseRecord);
const train = (seed: number) => trainModels(records, { trees: 5, seed, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, seed)) });
let base: string;
let source: { current: string; history: string[] };
let job: string;
beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'crash-'));
  const src = join(base, 'source');
  for (const seed of [1, 2, 3]) await saveVersion(src, train(seed).draft, train(seed).artifacts, { keep: 3 });
  source = await readState(src);
  job = join(base, 'job.json');
  const t = train(4);
  writeFileSync(job, JSON.stringify({ draft: t.draft, artifacts: t.artifacts }));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Answer {
  ok: boolean;
  version?: string;
  code?: string;
  steps: number;
}
function run(op: string, mode: string, step: number, dir: string): Promise<{ answer: Answer | null; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, op, mode, String(step), dir, job], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('exit', (_code, signal) => resolve({ answer: out.trim() ? (JSON.parse(out.trim()) as Answer) : null, killed: signal === 'SIGKILL' }));
  });
}

/** A copy of the source MODEL_DIR, in the one-file layout or the two-file layout of earlier releases. */
function fresh(layout: 'one-file' | 'two-file'): string {
  const dir = mkdtempSync(join(base, 'run-'));
  cpSync(join(base, 'source'), dir, { recursive: true });
  if (layout === 'two-file') {
    writeFileSync(join(dir, 'CURRENT'), `${source.current}\n`);
    writeFileSync(join(dir, 'HISTORY'), source.history.map((v) => `${v}\n`).join(''));
  }
  return dir;
}

async function check(dir: string, before: ServedState, answer: Answer | null, what: string): Promise<'before' | 'after'> {
  const bundle = await loadCurrent(dir); // what a restart does: a complete, checked version
  const state = await readState(dir);
  expect(bundle.version, what).toBe(state.current);
  expect(state.history.at(-1), what).toBe(state.current);
  for (const v of state.history) expect(existsSync(join(dir, 'versions', v, 'manifest.json')), `${what}: history names ${v}`).toBe(true);
  const outcome = JSON.stringify(state) === JSON.stringify(before) ? 'before' : 'after';
  if (answer?.ok) {
    expect(outcome, `${what}: answered success`).toBe('after');
    expect(state.current, what).toBe(answer.version);
  } else if (answer && answer.code !== 'EUNKNOWN') {
    expect(outcome, `${what}: answered "previous version still served"`).toBe('before');
  }
  return outcome;
}

describe.each(['one-file', 'two-file'] as const)('a commit interrupted at every write step (%s layout)', (layout) => {
  it.each(['train', 'rollback'] as const)('%s: a restart serves a complete version, the state is before or after, the answer is true', { timeout: 600_000 }, async (op) => {
    const dry = await run(op, 'fail', 0, fresh(layout));
    expect(dry.answer?.ok).toBe(true);
    const total = dry.answer!.steps;
    expect(total).toBeGreaterThan(op === 'train' ? 20 : 2);
    const expectedAfter = op === 'train' ? dry.answer!.version! : source.history.at(-2)!;
    const seen = { before: 0, after: 0 };
    const before = await readBefore(layout);
    for (let step = 1; step <= total; step++) {
      // The two faults of a step run side by side: each in its own copy of MODEL_DIR.
      await Promise.all(
        (['fail', 'kill'] as const).map(async (mode) => {
          const dir = fresh(layout);
          const { answer, killed } = await run(op, mode, step, dir);
          if (mode === 'kill') expect(killed, `step ${step}`).toBe(true);
          const what = `${op}, ${mode} at step ${step} of ${total}`;
          const outcome = await check(dir, before, answer, what);
          if (outcome === 'after') expect((await readState(dir)).current, what).toBe(expectedAfter);
          seen[outcome]++;
          rmSync(dir, { recursive: true, force: true });
        }),
      );
    }
    // Both ends are reached: early faults leave the state before, late ones (after the switch) the state after.
    expect(seen.before).toBeGreaterThan(0);
    expect(seen.after).toBeGreaterThan(0);
  });
});

async function readBefore(layout: 'one-file' | 'two-file'): Promise<ServedState> {
  const dir = fresh(layout);
  const state = await readState(dir);
  rmSync(dir, { recursive: true, force: true });
  return state;
}
