/**
 * `npm run train` on a copy of the committed models: the report shows the new and the served models
 * side by side on the same hold-out and what became of the new version; --promote never keeps it a
 * candidate, and a worse training under auto is not made current.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { modelDirCopy } from '../helpers/app.js';
import { ROOT, startCollecting } from '../helpers/process.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await modelDirCopy());
});
afterEach(() => cleanup());

async function train(...args: string[]): Promise<string> {
  const run = startCollecting(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'train.ts'), '--out', dir, '--trees', '20', ...args], { cwd: ROOT });
  const { code } = await run.exited;
  const out = run.logs.join('\n');
  expect(code, out).toBe(0);
  return out;
}

/** CURRENT's line 1: the served version (the rest is the history). */
const servedVersion = (): string => readFileSync(join(dir, 'CURRENT'), 'utf8').split('\n')[0];

it('prints both sets of figures and keeps a worse training (contamination 0.5) a candidate under auto', async () => {
  const before = servedVersion();
  const out = await train('--contamination', '0.5');
  expect(out).toContain('the cloudwatch file CloudWatch_Traffic_Web_Attack.csv (282 records, 2024-04-25 to 2024-04-26)');
  expect(out).toContain(`New models against the served ${before} on the same hold-out`);
  expect(out).toMatch(/suspicious share\s+0\.\d{3}\s+0\.\d{3}/);
  expect(out).toMatch(/silhouette, Isolation Forest\s+-?\d\.\d{3}\s+-?\d\.\d{3}/);
  expect(out).toMatch(/is not served: kept as a candidate: worse than \S+ on the hold-out \(.*suspicious share \d\.\d{3} against \d\.\d{3} served/);
  expect(servedVersion()).toBe(before);
  // the new version's manifest records what it was trained on
  const version = /model (\S+) written to/.exec(out)![1];
  const manifest = JSON.parse(readFileSync(join(dir, 'versions', version, 'manifest.json'), 'utf8'));
  expect(manifest.training_data).toEqual({
    format: 'cloudwatch',
    rows: 282,
    first_record: '2024-04-25T23:00:00.000Z',
    last_record: '2024-04-26T10:00:00.000Z',
    file: 'CloudWatch_Traffic_Web_Attack.csv',
  });
}, 120_000);

it('serves nothing new with --promote never, and refuses an unknown mode', async () => {
  const before = servedVersion();
  expect(await train('--promote', 'never')).toMatch(/is not served: promote=never: kept as a candidate; serve it with POST \/model\/rollback \{"version": "\S+"\}/);
  expect(servedVersion()).toBe(before);
  const bad = startCollecting(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'train.ts'), '--out', dir, '--promote', 'sometimes'], { cwd: ROOT });
  expect((await bad.exited).code).toBe(1);
  expect(bad.logs.join('\n')).toContain('--promote must be one of auto, always, never, got "sometimes"');
}, 120_000);
