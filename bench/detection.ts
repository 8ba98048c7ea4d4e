/**
 * npm run bench:detection: detection quality on labelled traffic, the check that
 * a change to features or detectors leaves the models no worse.
 *
 * Trains on 20,000 seeded synthetic labelled rows (test/fixtures/synthetic.ts,
 * seed 7; labels provided) and scores 10,000 other rows (seed 99) twice: with
 * every field, and with the optional categorical fields (country, protocol,
 * port, response code) dropped from every other record, as a client that does
 * not send them would. Prints ROC AUC and average precision of the Isolation
 * Forest score and of the Random Forest probability, and the share of records
 * whose verdict flips when the fields are dropped. The synthetic attacks are easy
 * to separate, so it repeats all of it with 10% of the labels flipped (training
 * and test alike, seeded), where neither forest can be perfect.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVersion, saveVersion } from '../src/ml/bundle/store.js';
import { trainModels } from '../src/ml/bundle/train.js';
import { parseRecord } from '../src/ml/data/record.js';
import { averagePrecision, rocAuc } from '../src/ml/insight/evaluate.js';
import { syntheticRecords } from '../test/fixtures/synthetic.js';

const DROPPED = ['src_ip_country_code', 'protocol', 'dst_port', 'response.code'];

/** Flips every record's label with probability `share` (a fixed hash of its index: seeded, repeatable). */
function noisy<T extends Record<string, unknown>>(rows: T[], share: number): T[] {
  return rows.map((r, i) => (((i * 2654435761) >>> 0) % 1000 < share * 1000 ? { ...r, label: r.label === 1 ? 0 : 1 } : r));
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-detection-'));
  try {
    console.log(`node ${process.version}; trained on 20,000 labelled synthetic rows, scored 10,000 others\n`);
    for (const noise of [0, 0.1]) {
      const trained = trainModels(noisy(syntheticRecords(20_000, 7), noise).map(parseRecord), { trees: 100, maxDepth: 10, seed: 42 });
      const bundle = await loadVersion(dir, await saveVersion(dir, trained.draft, trained.artifacts));
      const test = noisy(syntheticRecords(10_000, 99), noise);
      const truth = test.map((r) => Number(r.label));
      const sparse = test.map((r, i) => (i % 2 === 0 ? Object.fromEntries(Object.entries(r).filter(([k]) => !DROPPED.includes(k))) : r));
      const full = test.map((r) => bundle.score(parseRecord(r)));
      for (const [name, rows] of [
        ['every field', test],
        ['half the records without country, protocol, port, response code', sparse],
      ] as const) {
        const results = rows.map((r) => bundle.score(parseRecord(r)));
        const ifScores = results.map((r) => r.anomaly_score);
        const rfScores = results.map((r) => r.risk_probability);
        const f3 = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));
        const flipped = results.filter((r, i) => r.verdict !== full[i].verdict).length;
        const toSuspicious = results.filter((r, i) => r.verdict === 'suspicious' && full[i].verdict === 'normal').length;
        console.log(`${noise > 0 ? `${noise * 100}% of labels flipped, ` : ''}${name}`);
        console.log(`  Isolation Forest score:     ROC AUC ${f3(rocAuc(truth, ifScores))}   average precision ${f3(averagePrecision(truth, ifScores))}`);
        console.log(`  Random Forest probability:  ROC AUC ${f3(rocAuc(truth, rfScores))}   average precision ${f3(averagePrecision(truth, rfScores))}`);
        console.log(`  verdicts changed against every field: ${flipped} (normal to suspicious: ${toSuspicious})\n`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
