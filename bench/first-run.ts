/**
 * npx tsx bench/first-run.ts: what a user's first VPC flow log meets. The shipped dataset's sessions
 * recast as a VPC flow log (two records a session, test/fixtures/recast.ts) are scored by the
 * committed model (models/, which learned from the dataset's own layout), then by a model trained on
 * VPC flow records with the defaults of `npm run train -- --format vpc-flow`: once on the same log
 * (in-sample) and once trained on the even sessions and scoring the odd ones (held out). Prints the
 * suspicious share, the records with a "never seen" reason, the commonest reasons, the recommendations
 * and the batch summary's training_note for each. Deterministic (seeded training): no timing figures.
 */
import { readDataset } from '../src/ml/data/dataset.js';
import { readLogText } from '../src/ml/data/formats/read-text.js';
import type { TrafficRecord } from '../src/ml/data/record.js';
import type { ModelBundle } from '../src/ml/bundle/bundle.js';
import { candidateBundle } from '../src/ml/bundle/promote.js';
import { loadCurrent } from '../src/ml/bundle/store.js';
import { trainModels } from '../src/ml/bundle/train.js';
import { summarize, summaryFit } from '../src/ml/insight/summary.js';
import { DATASET_PATH } from '../src/paths.js';
import { asVpcFlow } from '../test/fixtures/recast.js';

const MODELS = new URL('../models', import.meta.url).pathname;
const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)}%`;

function vpcRecords(sessions: readonly TrafficRecord[]): TrafficRecord[] {
  return readLogText('vpc-flow', asVpcFlow(sessions), {}).records;
}

function report(title: string, bundle: ModelBundle, records: readonly TrafficRecord[]): void {
  const results = bundle.scoreMany(records);
  const summary = summarize(records, results, bundle.flagRate, summaryFit(bundle, 'vpc-flow'));
  const never = results.filter((r) => r.reasons.some((x) => x.includes('never seen in training'))).length;
  const reasons = new Map<string, number>();
  // A reason's shape, numbers blanked, so "bytes_in 1234 above..." and "bytes_in 99 above..." count together.
  for (const r of results) for (const x of new Set(r.reasons.map((t) => t.replace(/\d[\d.,]*/g, '#')))) reasons.set(x, (reasons.get(x) ?? 0) + 1);
  const actions = new Map<string, number>();
  for (const rec of summary.recommendations) actions.set(rec.action, (actions.get(rec.action) ?? 0) + 1);
  const lines = [
    `${title}`,
    `  model ${bundle.version}, trained on ${bundle.manifest.training_data?.format ?? 'unknown (not recorded)'}, labels ${bundle.manifest.label_source}`,
    `  records ${records.length}; suspicious ${summary.suspicious} (${pct(summary.suspicious, records.length)}); anomalies ${pct(summary.anomaly_rate * records.length, records.length)}`,
    `  records with a "never seen in training" reason: ${never} (${pct(never, records.length)})`,
    '  commonest reasons (records):',
    ...[...reasons]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([x, n]) => `    ${String(n).padStart(5)}  ${x}`),
    `  recommendations: ${[...actions].map(([a, n]) => `${a} ${n}`).join(', ') || 'none'}`,
    ...summary.recommendations.slice(0, 3).map((r) => `    ${r.action} ${r.src_ip}: ${r.reasons.join(', ')}`),
    `  training_note: ${summary.training_note ?? '(none)'}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const sessions = await readDataset(DATASET_PATH);
const all = vpcRecords(sessions);
process.stdout.write(`node ${process.version}; ${sessions.length} dataset sessions recast as ${2 * sessions.length} VPC flow records, stitched back into ${all.length}\n\n`);

report('1. committed model, the whole recast log', await loadCurrent(MODELS), all);

const train = (records: TrafficRecord[]) => candidateBundle(trainModels(records, { source: { format: 'vpc-flow' } }));
report('2. trained on the recast log (npm run train -- --format vpc-flow defaults), the same log', train(all), all);

const even = vpcRecords(sessions.filter((_, i) => i % 2 === 0));
const odd = vpcRecords(sessions.filter((_, i) => i % 2 === 1));
report('3. trained on the even sessions, the odd ones held out', train(even), odd);
