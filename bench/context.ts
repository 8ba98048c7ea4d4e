/**
 * npm run bench:context: would per-source context within a file help the unsupervised detector?
 * An experiment, not a served feature: on each scenario of bench/scenarios.ts (without labels), the
 * Isolation Forest on the five volume features it serves with, against the same forest with four
 * context columns computed over the file: the source's sessions in the same minute, its sessions in
 * the file, its distinct destination ports (all log1p) and its share of the file's bytes. ROC AUC
 * on another draw of the scenario, against the true classes.
 */
import { createMatrix, type Matrix } from '../src/ml/core/matrix.js';
import { parseRecord, type TrafficRecord } from '../src/ml/data/record.js';
import { FeatureEncoder, FEATURE_NAMES, ISOLATION_FEATURES } from '../src/ml/detectors/features.js';
import { IsolationForest } from '../src/ml/detectors/isolation-forest.js';
import { StandardScaler } from '../src/ml/detectors/scaler.js';
import { rocAuc } from '../src/ml/insight/evaluate.js';
import { scenario, SCENARIOS } from './scenarios.js';

const VOLUME = ISOLATION_FEATURES.map((f) => FEATURE_NAMES.indexOf(f));

function context(records: readonly TrafficRecord[]): Float64Array[] {
  const perMinute = new Map<string, number>();
  const perSource = new Map<string, { n: number; ports: Set<number | null>; bytes: number }>();
  let total = 0;
  for (const r of records) {
    const minute = `${r.srcIp}|${Math.floor(r.creationMs / 60_000)}`;
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    let s = perSource.get(r.srcIp);
    if (!s) perSource.set(r.srcIp, (s = { n: 0, ports: new Set(), bytes: 0 }));
    s.n++;
    s.ports.add(r.dstPort);
    s.bytes += r.bytesIn + r.bytesOut;
    total += r.bytesIn + r.bytesOut;
  }
  return records.map((r) => {
    const s = perSource.get(r.srcIp)!;
    return Float64Array.of(Math.log1p(perMinute.get(`${r.srcIp}|${Math.floor(r.creationMs / 60_000)}`)!), Math.log1p(s.n), Math.log1p(s.ports.size), total > 0 ? s.bytes / total : 0);
  });
}

function matrix(encoder: FeatureEncoder, records: readonly TrafficRecord[], withContext: boolean): Matrix {
  const raw = encoder.transformMany(records);
  const ctx = withContext ? context(records) : [];
  const cols = VOLUME.length + (withContext ? 4 : 0);
  const m = createMatrix(records.length, cols);
  for (let i = 0; i < records.length; i++) {
    VOLUME.forEach((j, k) => (m.data[i * cols + k] = raw.data[i * raw.cols + j]));
    if (withContext) for (let k = 0; k < 4; k++) m.data[i * cols + VOLUME.length + k] = ctx[i][k];
  }
  return m;
}

function main(): void {
  console.log(`node ${process.version}; Isolation Forest ROC AUC on the test draw, without labels`);
  for (const sc of SCENARIOS) {
    const train = scenario({ ...sc, sessions: 6000 }).map((r) => parseRecord(Object.fromEntries(Object.entries(r.raw).filter(([k]) => k !== 'label'))));
    const testRows = scenario({ ...sc, sessions: 4000, seed: sc.seed + 1000, labelNoise: 0 });
    const test = testRows.map((r) => parseRecord(r.raw));
    const truth = testRows.map((r) => r.truth);
    const encoder = FeatureEncoder.fit(train);
    const auc = (withContext: boolean): number | null => {
      const x = matrix(encoder, train, withContext);
      const scaler = StandardScaler.fit(x);
      const forest = IsolationForest.fit(scaler.transform(x), { contamination: Math.min(0.5, sc.attackShare), seed: 42 });
      return rocAuc(truth, forest.scoreMatrix(scaler.transform(matrix(encoder, test, withContext))));
    };
    const f = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
    console.log(`  ${sc.name.padEnd(14)} volume ${f(auc(false))}   volume + per-source context ${f(auc(true))}`);
  }
}

main();
