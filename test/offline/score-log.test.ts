import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/ml/data/dataset.js';
import type { TrafficRecord } from '../../src/ml/data/record.js';
import { scoreLog } from '../../src/offline/score-log.js';
import { asAlb, asVpcFlow } from '../fixtures/recast.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';
import { COMMITTED_MODELS } from '../helpers/app.js';

let dir: string;
let records: TrafficRecord[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'score-log-'));
  records = await readDataset(REAL_DATASET);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('scoreLog (npm run score --format)', () => {
  it('scores a gzipped VPC flow log as its sessions, stitched across the file, with the summary and counts', async () => {
    const input = join(dir, 'flow.log.gz');
    await writeFile(input, gzipSync(asVpcFlow(records)));
    const output = join(dir, 'out.ndjson');
    const result = await scoreLog({ input, format: 'vpc-flow', output, modelDir: COMMITTED_MODELS });
    expect(result.records).toBe(282);
    expect(result.notes).toEqual({ stitched_sessions: 282, one_way_flows: 0 });
    const lines = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ id: '2+3', src_ip: records[0].srcIp });
    expect(result.summary.count).toBe(282);
    // the committed model never saw TCP: the summary says so once, with the command for this format
    expect(result.summary.training_note).toContain('`npm run train -- --format vpc-flow --data your.log`');
  });

  it('writes CSV with the id and src_ip, and stops on a bad line naming it, leaving no output', async () => {
    const input = join(dir, 'alb.log');
    await writeFile(input, asAlb(records.slice(0, 20)));
    const output = join(dir, 'out.csv');
    await scoreLog({ input, format: 'alb', output, modelDir: COMMITTED_MODELS });
    const csv = (await readFile(output, 'utf8')).trim().split('\n');
    expect(csv[0].startsWith('id,src_ip,verdict,')).toBe(true);
    expect(csv).toHaveLength(21);
    const bad = join(dir, 'bad.log');
    await writeFile(bad, asAlb(records.slice(0, 3)).replace('https ', 'gopher '));
    const badOut = join(dir, 'bad.csv');
    await expect(scoreLog({ input: bad, format: 'alb', output: badOut, modelDir: COMMITTED_MODELS })).rejects.toThrow('alb line 1: type must be one of http, https, h2, grpcs, ws, wss, got "gopher"');
    await expect(readFile(badOut)).rejects.toThrow(/ENOENT/);
  });
});
