/**
 * Verdicts an analyst can trust, on the committed models (trained on the real dataset) and on models
 * trained on seeded synthetic labelled traffic: an absent field is unknown, never evidence; never-seen
 * values are a detector of their own; reasons agree with the verdict; the surrogate rules and the
 * recommendations say what the models do and what to do.
 */
import { describe, expect, it } from 'vitest';
import { ModelBundle, type ScoreResult } from '../../../src/ml/bundle/bundle.js';
import { loadCurrent } from '../../../src/ml/bundle/store.js';
import { trainModels } from '../../../src/ml/bundle/train.js';
import { readCsvRows } from '../../../src/ml/data/dataset.js';
import { parseRecord, type TrafficRecord } from '../../../src/ml/data/record.js';
import { summarize } from '../../../src/ml/insight/summary.js';
import { COMMITTED_MODELS } from '../../helpers/app.js';
import { scenario, SCENARIOS } from '../../../bench/scenarios.js';
import { REAL_DATASET, syntheticRecords, type RawRecord } from '../../fixtures/synthetic.js';
import { readFileSync } from 'node:fs';

const OPTIONAL = ['src_ip_country_code', 'protocol', 'dst_port', 'response.code', 'dst_ip', 'rule_names', 'observation_name', 'source.meta', 'source.name', 'time', 'detection_types'];
const without = (raw: Record<string, unknown>, keys: string[]): Record<string, unknown> => Object.fromEntries(Object.entries(raw).filter(([k]) => !keys.includes(k)));

const committed = await loadCurrent(COMMITTED_MODELS);
const realRows = (await readCsvRows(readFileSync(REAL_DATASET, 'utf8'))).map((r) => r.raw);

/** A bundle trained in memory (as /train would write it) on seeded synthetic labelled traffic. */
function syntheticBundle(rows: RawRecord[]): ModelBundle {
  const out = trainModels(rows.map(parseRecord), { trees: 50, seed: 11 });
  const json = Object.fromEntries(Object.entries(out.artifacts).map(([k, v]) => [k, JSON.parse(v)])) as Parameters<typeof ModelBundle.fromArtifacts>[1];
  return ModelBundle.fromArtifacts({ ...out.draft, format: 4, version: 'synthetic', files: {} }, json);
}
const synthetic = syntheticBundle(syntheticRecords(2000, 3));

describe('an absent field is unknown, not unseen', () => {
  it('dropping every optional field from the 282 real records turns no normal verdict suspicious, and says which fields were missing', () => {
    let normal = 0;
    for (const raw of realRows) {
      const full = committed.score(parseRecord(raw));
      const bare = committed.score(parseRecord(without(raw, OPTIONAL)));
      if (full.verdict === 'normal') {
        normal++;
        expect(bare.verdict, JSON.stringify(raw)).toBe('normal');
      }
      expect(bare.missing_fields).toEqual(['src_ip_country_code', 'protocol', 'dst_port', 'response.code']);
      expect(full.missing_fields).toEqual([]);
    }
    expect(normal).toBeGreaterThan(200);
  });

  it('on models trained with every field, a record without country, protocol, port and code is no more suspicious than a typical one', () => {
    const rows = syntheticRecords(500, 99);
    let flippedToSuspicious = 0;
    for (const raw of rows) {
      const full = synthetic.score(parseRecord(raw));
      const bare = synthetic.score(parseRecord(without(raw, ['src_ip_country_code', 'protocol', 'dst_port', 'response.code'])));
      if (full.verdict === 'normal' && bare.verdict === 'suspicious') flippedToSuspicious++;
      expect(bare.novel_fields).toEqual([]);
    }
    expect(flippedToSuspicious).toBe(0);
  });

  it('with labels, leaving out any of the categorical fields never raises risk_probability nor the risk level', () => {
    // The benchmark's mixed scenario (noisy labels, heavy hitters whose odd ports and 404s are exculpatory),
    // where the typical-value imputation alone turned normal verdicts suspicious.
    const mixed = SCENARIOS.find((s) => s.name === 'mixed')!;
    const model = syntheticBundle(scenario({ ...mixed, sessions: 3000 }).map((r) => r.raw as RawRecord));
    const levels = ['low', 'medium', 'high', 'critical'];
    const fields = ['src_ip_country_code', 'protocol', 'dst_port', 'response.code'];
    for (const { raw } of scenario({ ...mixed, sessions: 400, seed: mixed.seed + 1000, labelNoise: 0 })) {
      const full = model.score(parseRecord(raw));
      for (let mask = 1; mask < 16; mask++) {
        const bare = model.score(
          parseRecord(
            without(
              raw,
              fields.filter((_, j) => mask & (1 << j)),
            ),
          ),
        );
        expect(bare.risk_probability).toBeLessThanOrEqual(full.risk_probability + 1e-12);
        expect(levels.indexOf(bare.risk_level)).toBeLessThanOrEqual(levels.indexOf(full.risk_level));
      }
    }
  });

  it('names the missing fields in a reason when the record is flagged', () => {
    const heavy = committed.score(parseRecord({ ...without(realRows[0], ['protocol', 'dst_port']), bytes_in: 25_207_794, bytes_out: 1_561_220 }));
    expect(heavy.risk_level).not.toBe('low');
    expect(heavy.missing_fields).toEqual(['protocol', 'dst_port']);
    expect(heavy.reasons.at(-1)).toBe('protocol, dst_port not given: never counted as evidence');
  });
});

describe('the rare-value detector', () => {
  const ssh = { ...realRows[0], src_ip: '175.45.176.3', src_ip_country_code: 'KP', protocol: 'SSH', dst_port: '22' };

  it('calls SSH to port 22 from KP suspicious, naming the novel fields, on the real-data models and on synthetic ones', () => {
    for (const bundle of [committed, synthetic]) {
      const r = bundle.score(parseRecord(ssh));
      expect(r.verdict).toBe('suspicious');
      expect(['high', 'critical']).toContain(r.risk_level);
      expect(r.novel_fields).toEqual(expect.arrayContaining(['protocol', 'dst_port']));
      expect(r.reasons).toEqual(expect.arrayContaining(['protocol SSH never seen in training traffic', 'dst_port 22 never seen in training traffic']));
    }
  });

  it('makes one novel field at least medium risk', () => {
    for (const raw of realRows.slice(0, 50)) {
      const r = committed.score(parseRecord({ ...raw, protocol: 'FTP' }));
      expect(r.novel_fields).toEqual(['protocol']);
      expect(['medium', 'high', 'critical']).toContain(r.risk_level);
    }
  });

  it('calls a value seen in under 1% of training rows rare, and one seen more often not', () => {
    // synthetic training: KP only on malicious rows (about 5%), so not rare; a country seen once is rare
    const rows = syntheticRecords(400, 5).map((r, i) => (i === 0 ? { ...r, src_ip_country_code: 'IS' } : r));
    const bundle = syntheticBundle(rows);
    expect(bundle.score(parseRecord({ ...rows[1], src_ip_country_code: 'IS' })).novel_fields).toEqual(['src_ip_country_code']);
    expect(bundle.score(parseRecord({ ...rows[1], src_ip_country_code: 'US' })).novel_fields).toEqual([]);
  });
});

describe('numbers outside everything seen in training', () => {
  it('are evidence like a never-seen category: a 0 s, a 600.1 s and a 24-hour session are at least medium and say why', () => {
    const base = realRows.find((r) => r.src_ip === '165.225.26.101')!;
    expect(committed.score(parseRecord(base)).risk_level).toBe('low');
    const start = Date.parse(String(base.creation_time));
    for (const [seconds, text] of [
      [0, 'session_duration_s 0 s, training traffic was always 600 s'],
      [600.1, 'session_duration_s 600.1 s, training traffic was always 600 s'],
      [86_400, 'session_duration_s 86,400 s, training traffic was always 600 s'],
    ] as const) {
      const r = committed.score(parseRecord({ ...base, end_time: new Date(start + seconds * 1000).toISOString() }));
      expect(['medium', 'high', 'critical'], String(seconds)).toContain(r.risk_level);
      expect(r.reasons).toContain(text);
    }
  });

  it('two of them make a record suspicious, as two never-seen categories do', () => {
    const base = realRows.find((r) => r.src_ip === '165.225.26.101')!;
    const r = committed.score(parseRecord({ ...base, end_time: base.creation_time, protocol: 'FTP' }));
    expect(r.verdict).toBe('suspicious');
    expect(['high', 'critical']).toContain(r.risk_level);
  });
});

describe('reasons agree with the verdict', () => {
  const all: ScoreResult[] = [...realRows.map((raw) => committed.score(parseRecord(raw))), ...syntheticRecords(10_000, 21).map((raw) => synthetic.score(parseRecord(raw)))];

  it('gives no reason to a low-risk record, and some to every other', () => {
    for (const r of all) {
      if (r.risk_level === 'low') expect(r.reasons).toEqual([]);
      else expect(r.reasons.length).toBeGreaterThan(0);
    }
    expect(all.filter((r) => r.risk_level === 'low').length).toBeGreaterThan(5000);
  });

  it('never says "never seen" of a normal low-risk record, nor states a detector that did not flag', () => {
    for (const r of all) {
      if (r.verdict === 'normal') expect(r.reasons.join(' ')).not.toMatch(/classifier risk|at or above the anomaly threshold/);
      if (!r.is_anomaly) expect(r.reasons.join(' ')).not.toMatch(/anomaly threshold/);
      if (r.novel_fields.length === 0) expect(r.reasons.join(' ')).not.toMatch(/never seen|is rare/);
    }
  });

  it('shows figures with the digits that tell them apart: a 600.123 s session against 600 s training sessions', () => {
    const r = committed.score(parseRecord({ ...realRows[0], bytes_in: 25_207_794, end_time: '2024-04-25T23:10:00.123Z' }));
    const reason = r.reasons.find((t) => t.startsWith('session_duration_s'));
    expect(reason).toBe('session_duration_s 600.1 s, training traffic was always 600 s');
  });

  it('gives the figures of the reported examples in their own units: bytes_in 10^15 - 1, a 1.1 MB bytes_out', () => {
    const huge = committed.score(parseRecord({ ...realRows[0], bytes_in: 999_999_999_999_999 })).reasons;
    expect(huge).toContain('bytes_in 1,000 TB, above all training traffic (max 25.2 MB)');
    expect(huge).toContain('avg_packet_size (bytes per second) 1.67 TB/s, above all training traffic (max 44.6 KB/s)');
    const out = committed.score(parseRecord({ ...realRows[0], bytes_out: 1_100_000 })).reasons;
    expect(out).toContain('bytes_out 1.1 MB, above the IQR fence 49 KB');
  });
});

describe('surrogate rules (ml-cart)', () => {
  it('mimic the served verdict on the real data with fidelity >= 0.9, with a suspicious rule on bytes or rates', () => {
    const s = committed.surrogate.summary;
    expect(s.fidelity).toBeGreaterThanOrEqual(0.9);
    expect(s.max_depth).toBeLessThanOrEqual(4);
    const suspicious = s.rules.filter((r) => r.verdict === 'suspicious');
    expect(suspicious.some((r) => r.conditions.some((c) => /^(bytes_in|bytes_out|avg_packet_size|transfer_ratio) /.test(c)))).toBe(true);
    expect(s.rules.reduce((n, r) => n + r.support, 0)).toBe(282);
    for (const r of s.rules) expect(r.conditions.every((c) => /^[a-z_]+ (>=|<) [0-9.,]+( (K|M|G|T)?(B|B\/s|s))?$/.test(c))).toBe(true);
  });
});

describe('recommendations', () => {
  it('recommends blocking 155.91.45.242 on the real dataset, most severe first', () => {
    const records: TrafficRecord[] = realRows.map(parseRecord);
    const { recommendations } = summarize(
      records,
      records.map((r) => committed.score(r)),
      committed.flagRate,
    );
    expect(recommendations[0]).toMatchObject({ src_ip: '155.91.45.242', action: 'block' });
    expect(recommendations.filter((r) => r.action === 'block').map((r) => r.src_ip)).toEqual(['155.91.45.242']);
    expect(recommendations[0].reasons.join(' ')).not.toMatch(/bytes/);
    const order = { block: 0, investigate: 1, monitor: 2 };
    for (let i = 1; i < recommendations.length; i++) expect(order[recommendations[i].action]).toBeGreaterThanOrEqual(order[recommendations[i - 1].action]);
  });
});
