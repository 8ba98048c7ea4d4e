/**
 * npm run bench:detection [-- --sessions 6000 --only NAME --json FILE]: the service measured on labelled
 * scenarios (bench/scenarios.ts), with and without labels, against the previous release's rules
 * (bench/legacy.ts) in the same run.
 *
 * Each scenario trains on one seeded draw (labels possibly noisy) and is measured on another draw of
 * the same scenario (seed + 1000) against the true classes. "with labels": trained with the label
 * column; "without labels": the label column dropped, contamination set to the scenario's attack share
 * (a user who knows it; at most 0.5). Every figure `npm run evaluate` prints is printed per scenario,
 * and how many normal verdicts turn suspicious, and how many risk levels rise, when half the records
 * leave out their optional categorical fields (it must be none: an absent field is never evidence).
 * With labels it prints the fitted bands and the per-source rule with their hold-out figures.
 * The last scenario, heldout, was never looked at while the rules were chosen.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ModelBundle } from '../src/ml/bundle/bundle.js';
import { trainModels } from '../src/ml/bundle/train.js';
import { parseRecord, type TrafficRecord } from '../src/ml/data/record.js';
import { assess, formatEvaluation, type Evaluation } from '../src/ml/insight/assess.js';
import { rocAuc } from '../src/ml/insight/evaluate.js';
import { legacyAction, trainLegacy } from './legacy.js';
import { scenario, SCENARIOS } from './scenarios.js';

const DROPPED = ['src_ip_country_code', 'protocol', 'dst_port', 'response.code'];
const LEVELS = ['low', 'medium', 'high', 'critical'];

function bundleOf(out: ReturnType<typeof trainModels>): ModelBundle {
  const json = Object.fromEntries(Object.entries(out.artifacts).map(([k, v]) => [k, JSON.parse(v)])) as Parameters<typeof ModelBundle.fromArtifacts>[1];
  return ModelBundle.fromArtifacts({ ...out.draft, format: 4, version: 'bench', files: {} }, json);
}

function line(name: string, e: Evaluation, forestAuc: number | null): string {
  const f = (v: number | null | undefined): string => (v === null || v === undefined ? ' n/a ' : v.toFixed(3));
  const block = e.sources.actions[0];
  return `  ${name.padEnd(30)} AUC IF ${f(e.detectors[0].roc_auc)} RF ${f(forestAuc)} risk_probability ${f(e.detectors[3].roc_auc)}  verdict P ${f(e.verdict.precision)} R ${f(e.verdict.recall)} FPR ${f(e.verdict.false_positive_rate)}  risk AUC ${f(e.risk_levels.roc_auc)}  block ${block.sources} P ${f(block.precision)}  mostly-attack sources blocked/investigated ${f(e.sources.block_or_investigate_recall)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '6000' }, only: { type: 'string' }, json: { type: 'string' }, verbose: { type: 'boolean' } } });
  const n = Number(values.sessions);
  const all: Record<string, unknown> = {};
  console.log(`node ${process.version}; ${n} training and ${Math.round((n * 2) / 3)} test sessions per scenario; measured against the true classes\n`);
  for (const sc of SCENARIOS.filter((s) => !values.only || s.name === values.only)) {
    const started = performance.now();
    const train = scenario({ ...sc, sessions: n });
    const test = scenario({ ...sc, sessions: Math.round((n * 2) / 3), seed: sc.seed + 1000, labelNoise: 0 });
    const testRecords: TrafficRecord[] = test.map((r) => parseRecord(r.raw));
    const truth = test.map((r) => r.truth);
    const labelled = train.map((r) => parseRecord(r.raw));
    const unlabelled = train.map((r) => parseRecord(Object.fromEntries(Object.entries(r.raw).filter(([k]) => k !== 'label'))));
    const contamination = Math.min(0.5, sc.attackShare);
    const out: Record<string, unknown> = {};
    console.log(`${sc.name}: ${sc.families.join(', ')}; attacks ${(sc.attackShare * 100).toFixed(0)}%, label noise ${(sc.labelNoise * 100).toFixed(0)}%, seed ${sc.seed}`);
    for (const [mode, records] of [
      ['with labels', labelled],
      ['without labels', unlabelled],
    ] as const) {
      const trained = trainModels(records, { contamination, seed: 42 });
      const bundle = bundleOf(trained);
      const served = bundle.scoreMany(testRecords);
      const current = assess(testRecords, served, bundle.sourceRule);
      // No regression: a field left out is unknown, never evidence. Every other record without its optional categorical fields.
      const sparseRecords = test.map((r, i) => parseRecord(i % 2 === 0 ? Object.fromEntries(Object.entries(r.raw).filter(([k]) => !DROPPED.includes(k))) : r.raw));
      const sparse = bundle.scoreMany(sparseRecords);
      const turned = sparse.filter((r, i) => r.verdict === 'suspicious' && served[i].verdict === 'normal').length;
      const raised = sparse.filter((r, i) => LEVELS.indexOf(r.risk_level) > LEVELS.indexOf(served[i].risk_level)).length;
      const legacyModel = trainLegacy(records, contamination);
      const legacyServed = legacyModel.score(testRecords);
      const legacy = assess(testRecords, legacyServed, 0.05, legacyAction);
      const legacyTurned = legacyModel.score(sparseRecords).filter((r, i) => r.verdict === 'suspicious' && legacyServed[i].verdict === 'normal').length;
      const forestAuc = rocAuc(truth, bundle.randomForest.predictProbabilities(bundle.scaler.transform(bundle.encoder.transformMany(testRecords))));
      console.log(line(`${mode}, this release`, current, forestAuc));
      console.log(line(`${mode}, previous release`, legacy, legacy.detectors[3].roc_auc));
      console.log(`    half the records without country, protocol, port and response code: ${turned} normal verdicts turned suspicious (previous release ${legacyTurned}), ${raised} risk levels rose`);
      if (mode === 'without labels') {
        console.log(
          `    suspicious share on the training data: ${(trained.metrics.suspicious_rate * 100).toFixed(1)}% (previous release ${(legacyModel.trainingSuspiciousRate * 100).toFixed(1)}%) for a contamination of ${(contamination * 100).toFixed(1)}%`,
        );
      } else {
        const d = trained.metrics.decision;
        console.log(
          `    counted: ${d.counted.join(', ')}; bands ${d.bands?.map((b) => `${b.band} >= ${b.edge === null ? 'none' : b.edge.toFixed(3)} (hold-out P ${b.holdout.precision?.toFixed(3) ?? 'n/a'} R ${b.holdout.recall.toFixed(3)})`).join(', ')}`,
        );
        console.log(
          `    per-source rule on the mean risk_probability: ${d.sources?.map((r) => `${r.action} >= ${r.edge === null ? 'none' : r.edge.toFixed(3)} (out of fold ${r.out_of_fold.sources} sources P ${r.out_of_fold.precision?.toFixed(3) ?? 'n/a'} R ${r.out_of_fold.recall?.toFixed(3) ?? 'n/a'}; hold-out ${r.holdout.sources} P ${r.holdout.precision?.toFixed(3) ?? 'n/a'} R ${r.holdout.recall?.toFixed(3) ?? 'n/a'})`).join(', ')} (investigate: block or investigate)`,
        );
      }
      if (values.verbose) console.log(formatEvaluation(current));
      out[mode] = {
        turned_suspicious_by_absent_fields: { current: turned, previous: legacyTurned },
        risk_levels_raised_by_absent_fields: raised,
        current,
        previous: legacy,
        random_forest_roc_auc: forestAuc,
        training: { suspicious_rate: trained.metrics.suspicious_rate, contamination, decision: trained.metrics.decision },
      };
    }
    console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    all[sc.name] = out;
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(all, null, 2));
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
