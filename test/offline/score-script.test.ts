/**
 * `npm run score` as a user runs it (scripts/score.ts in its own process): every failure exits non-zero
 * with a message and leaves neither the output nor its temp file, signals included, and a forest as
 * large as the server serves (52 MB) loads in the scoring threads.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurrent } from '../../src/ml/bundle/current.js';
import { COMMITTED_MODELS } from '../helpers/app.js';
import { ROOT, startCollecting } from '../helpers/process.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';
import { asVpcFlow } from '../fixtures/recast.js';
import { readDataset } from '../../src/ml/data/dataset.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'score-script-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function score(args: string[]) {
  return startCollecting(process.execPath, ['--import', 'tsx', 'scripts/score.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
}
const leftovers = (out: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`${out.split('/').at(-1)}.tmp-`));

/** A copy of the committed models whose random-forest.json is rewritten by `edit`, the manifest matching it. */
async function modelsWith(name: string, edit: (json: Record<string, unknown>, text: string) => string, fixManifest = true): Promise<string> {
  const models = join(dir, name);
  cpSync(COMMITTED_MODELS, models, { recursive: true });
  const vdir = join(models, 'versions', await readCurrent(models));
  const text = readFileSync(join(vdir, 'random-forest.json'), 'utf8');
  const edited = edit(JSON.parse(text), text);
  writeFileSync(join(vdir, 'random-forest.json'), edited);
  if (fixManifest) {
    const manifest = JSON.parse(readFileSync(join(vdir, 'manifest.json'), 'utf8'));
    manifest.files['random-forest.json'] = { sha256: createHash('sha256').update(edited).digest('hex'), bytes: Buffer.byteLength(edited) };
    writeFileSync(join(vdir, 'manifest.json'), JSON.stringify(manifest));
  }
  return models;
}

/**
 * The committed forest with `pad` unreachable leaves after each tree: the same predictions, the size of a
 * 100-tree, depth-32 forest trained on 60,000 rows (52 MB), and the same load: text, parse, decode.
 */
function inflate(json: Record<string, unknown>, pad: number): string {
  const decode = <T extends Int32Array | Float64Array>(Type: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, b64: unknown): T => {
    const bytes = Buffer.from(b64 as string, 'base64');
    return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  };
  const roots = decode(Int32Array, json.roots);
  const feature = decode(Int32Array, json.feature);
  const value = decode(Float64Array, json.value);
  const right = decode(Int32Array, json.right);
  const n = feature.length + roots.length * pad;
  const [f2, r2, v2, roots2] = [new Int32Array(n).fill(-1), new Int32Array(n), new Float64Array(n), new Int32Array(roots.length)];
  let at = 0;
  for (let t = 0; t < roots.length; t++) {
    const end = t + 1 < roots.length ? roots[t + 1] : feature.length;
    roots2[t] = at;
    for (let i = roots[t]; i < end; i++, at++) {
      f2[at] = feature[i];
      v2[at] = value[i];
      r2[at] = feature[i] >= 0 ? right[i] - roots[t] + roots2[t] : 0;
    }
    at += pad; // leaves no split leads to
  }
  const b64 = (a: Int32Array | Float64Array) => Buffer.from(a.buffer).toString('base64');
  return JSON.stringify({ ...json, roots: b64(roots2), feature: b64(f2), value: b64(v2), right: b64(r2) });
}

describe('npm run score', () => {
  it('scores with a 52 MB forest, as the server does: the threads are sized to the bundle', { timeout: 240_000 }, async () => {
    const models = await modelsWith('large', (json) => inflate(json, 24_000));
    const size = statSync(join(models, 'versions', await readCurrent(models), 'random-forest.json')).size;
    expect(size).toBeGreaterThan(50e6);
    const out = join(dir, 'large.ndjson');
    const run = score(['--data', REAL_DATASET, '--out', out, '--model-dir', models, '--threads', '2']);
    expect(await run.exited, run.logs.join('\n')).toEqual({ code: 0, signal: null });
    const small = join(dir, 'small.ndjson');
    const ref = score(['--data', REAL_DATASET, '--out', small, '--model-dir', COMMITTED_MODELS, '--threads', '1']);
    expect((await ref.exited).code).toBe(0);
    const strip = (f: string) =>
      readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => ({ ...JSON.parse(l), model_version: null }));
    expect(strip(out)).toEqual(strip(small)); // the padding changes no prediction
  });

  it('exits 1 with the reason when the bundle does not load, also for a file with only a header, leaving nothing', { timeout: 120_000 }, async () => {
    const models = await modelsWith('truncated', (_json, text) => text.slice(0, 1000), false);
    const headerOnly = join(dir, 'header.csv');
    writeFileSync(headerOnly, `${readFileSync(REAL_DATASET, 'utf8').split('\n')[0]}\n`);
    for (const input of [headerOnly, REAL_DATASET]) {
      const out = join(dir, 'broken.csv');
      const run = score(['--data', input, '--out', out, '--model-dir', models, '--threads', '2']);
      expect(await run.exited).toEqual({ code: 1, signal: null });
      expect(run.logs.join('\n')).toMatch(/^score: cannot load model bundle: .*random-forest\.json: sha256 differs from the manifest/m);
      expect(existsSync(out)).toBe(false);
      expect(leftovers(out)).toEqual([]);
    }
  });

  it('scores a VPC flow log on scoring threads, in skip mode listing each bad line, and exits 1 naming a bundle the threads cannot load', { timeout: 120_000 }, async () => {
    const log = join(dir, 'flow.log');
    const lines = asVpcFlow((await readDataset(REAL_DATASET)).slice(0, 20))
      .trimEnd()
      .split('\n');
    lines[4] = lines[4].replace(/ ACCEPT OK$/, ' MAYBE OK');
    writeFileSync(log, `${lines.join('\n')}\n`);
    const out = join(dir, 'flow.csv');
    const run = score(['--data', log, '--format', 'vpc-flow', '--on-error', 'skip', '--out', out, '--model-dir', COMMITTED_MODELS, '--threads', '2']);
    expect(await run.exited, run.logs.join('\n')).toEqual({ code: 0, signal: null });
    expect(run.logs).toContain('skipped 1 bad lines');
    expect(run.logs).toContain('  line 5: action = "MAYBE" (vpc-flow line 5: action must be ACCEPT, REJECT or -, got "MAYBE")');
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(1 + 20);
    const models = await modelsWith('truncated-log', (_json, text) => text.slice(0, 1000), false);
    const broken = join(dir, 'flow-broken.csv');
    const failed = score(['--data', log, '--format', 'vpc-flow', '--on-error', 'skip', '--out', broken, '--model-dir', models, '--threads', '2']);
    expect(await failed.exited).toEqual({ code: 1, signal: null });
    expect(failed.logs.join('\n')).toMatch(/^score: cannot load model bundle: .*random-forest\.json: sha256 differs from the manifest/m);
    expect(existsSync(broken)).toBe(false);
    expect(leftovers(broken)).toEqual([]);
  });

  it('removes its temp output and exits non-zero on SIGTERM and SIGINT mid-run', { timeout: 180_000 }, async () => {
    const [head, ...rows] = readFileSync(REAL_DATASET, 'utf8').trim().split(/\r?\n/);
    const big = join(dir, 'big.csv');
    writeFileSync(big, `${[head, ...Array.from({ length: 200_000 }, (_, i) => rows[i % rows.length])].join('\n')}\n`);
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const out = join(dir, `out-${signal}.csv`);
      const run = score(['--data', big, '--out', out, '--model-dir', COMMITTED_MODELS, '--threads', '1']);
      const deadline = Date.now() + 60_000;
      // Mid-run: the temp output holds scored records.
      while (Date.now() < deadline && !leftovers(out).some((f) => statSync(join(dir, f)).size > 100_000)) await new Promise((r) => setTimeout(r, 20));
      expect(leftovers(out)).toHaveLength(1);
      run.child.kill(signal);
      expect(await run.exited).toEqual({ code, signal: null });
      expect(run.logs.join('\n')).toMatch(new RegExp(`^score: interrupted by ${signal}; .*out-${signal}\\.csv not written$`, 'm'));
      expect(existsSync(out)).toBe(false);
      expect(leftovers(out)).toEqual([]);
    }
  });
});
