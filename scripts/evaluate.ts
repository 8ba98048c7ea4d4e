/**
 * npm run evaluate -- --data LABELLED.csv [--model-dir DIR] [--json]
 *
 * Scores a labelled CSV (the dataset layout with a `label` column, 1 for an attack) with the current
 * model of --model-dir (default ./models) and measures the service against the labels: each
 * detector's ROC AUC and average precision, the verdict's precision, recall and false-positive rate,
 * the risk levels against the truth, and the precision of the per-source actions. A table on the
 * terminal, or the same figures as JSON with --json.
 */
import { parseArgs } from 'node:util';
import { loadCurrent } from '../src/ml/bundle/store.js';
import { readDataset } from '../src/ml/data/dataset.js';
import { assess, formatEvaluation } from '../src/ml/insight/assess.js';

const USAGE = 'usage: npm run evaluate -- --data LABELLED.csv [--model-dir DIR (default models)] [--json]';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, 'model-dir': { type: 'string', default: 'models' }, json: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (!values.data) throw new Error(`--data is required\n${USAGE}`);
  const records = await readDataset(values.data);
  const unlabelled = records.findIndex((r) => r.label === null);
  if (unlabelled >= 0) throw new Error(`${values.data}: record ${unlabelled + 1} has no label; evaluation needs a label (0 or 1) on every row`);
  const bundle = await loadCurrent(values['model-dir']!);
  const evaluation = assess(records, bundle.scoreMany(records), bundle.sourceRule);
  const out = values.json
    ? JSON.stringify({ model_version: bundle.version, data: values.data, ...evaluation }, null, 2)
    : `model ${bundle.version} (trained with ${bundle.manifest.label_source} labels), data ${values.data} (its own labels)\n\n${formatEvaluation(evaluation)}`;
  process.stdout.write(`${out}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`evaluate: ${err.message}\n`);
  process.exit(1);
});
