import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelBundle, ScoreResult } from '../../../../src/ml/bundle/bundle.js';
import { loadCurrent } from '../../../../src/ml/bundle/store.js';
import { readDataset } from '../../../../src/ml/data/dataset.js';
import { readLogText } from '../../../../src/ml/data/formats/read-text.js';
import type { TrafficRecord } from '../../../../src/ml/data/record.js';
import { summarize } from '../../../../src/ml/insight/summary.js';
import { asAlb, asVpcFlow } from '../../../fixtures/recast.js';
import { COMMITTED_MODELS } from '../../../helpers/app.js';

const DATASET = new URL('../../../../data/CloudWatch_Traffic_Web_Attack.csv', import.meta.url).pathname;

describe('the shipped dataset recast as AWS logs', () => {
  let bundle: ModelBundle;
  let records: TrafficRecord[];
  let base: ScoreResult[];
  beforeAll(async () => {
    bundle = await loadCurrent(COMMITTED_MODELS);
    records = await readDataset(DATASET);
    base = bundle.scoreMany(records);
  });

  it('as VPC flow records, two a session, stitches back into its 282 sessions with the same first recommendation', () => {
    const read = readLogText('vpc-flow', asVpcFlow(records), {});
    expect(read.records).toHaveLength(282);
    expect(read.notes).toEqual({ stitched_sessions: 282, one_way_flows: 0 });
    // Lines 2 and 3 are session 0 (line 1 is the header): the id names both lines.
    const session = (id: unknown) => Math.floor((Number(String(id).split('+')[0]) - 2) / 2);
    for (const r of read.records) {
      const original = records[session(r.id)];
      expect({ srcIp: r.srcIp, bytesIn: r.bytesIn, bytesOut: r.bytesOut, creationMs: r.creationMs, endMs: r.endMs, dstPort: r.dstPort, absent: r.absent }).toEqual({
        srcIp: original.srcIp,
        bytesIn: original.bytesIn,
        bytesOut: original.bytesOut,
        creationMs: original.creationMs,
        endMs: original.endMs,
        dstPort: original.dstPort,
        absent: 0,
      });
    }
    const results = bundle.scoreMany(read.records);
    const first = summarize(read.records, results, bundle.flagRate).recommendations[0];
    expect(first).toEqual(summarize(records, base, bundle.flagRate).recommendations[0]);
  });

  it('as ALB entries gets the same verdicts for at least 90% of sessions', () => {
    const read = readLogText('alb', asAlb(records), {});
    expect(read.records).toHaveLength(282);
    const results = bundle.scoreMany(read.records);
    const same = results.filter((r, i) => r.verdict === base[(read.records[i].id as number) - 1].verdict).length;
    expect(same / 282).toBeGreaterThanOrEqual(0.9);
  });
});
