import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/ml/data/dataset.js';
import type { TrafficRecord } from '../../src/ml/data/record.js';
import { scoreLog } from '../../src/offline/score-log.js';
import { asAlb, asVpcFlow, SERVER } from '../fixtures/recast.js';
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

  it('writes CSV with the record as read (id, source, country, bytes, times, ...), and stops on a bad line naming it, leaving no output', async () => {
    const input = join(dir, 'alb.log');
    await writeFile(input, asAlb(records.slice(0, 20)));
    const output = join(dir, 'out.csv');
    await scoreLog({ input, format: 'alb', output, modelDir: COMMITTED_MODELS });
    const csv = (await readFile(output, 'utf8')).trim().split('\n');
    expect(csv[0].startsWith('id,src_ip,src_ip_country_code,bytes_in,bytes_out,creation_time,end_time,protocol,dst_port,response.code,verdict,')).toBe(true);
    expect(csv).toHaveLength(21);
    const first = csv[1].split(',');
    expect(first.slice(0, 2)).toEqual(['1', records[0].srcIp]);
    expect(first.slice(3, 5).map(Number)).toEqual([records[0].bytesIn, records[0].bytesOut]);
    expect(first[5]).toBe(new Date(records[0].creationMs).toISOString());
    const bad = join(dir, 'bad.log');
    await writeFile(bad, asAlb(records.slice(0, 3)).replace('https ', 'gopher '));
    const badOut = join(dir, 'bad.csv');
    await expect(scoreLog({ input: bad, format: 'alb', output: badOut, modelDir: COMMITTED_MODELS })).rejects.toThrow('alb line 1: type must be one of http, https, h2, grpcs, ws, wss, got "gopher"');
    await expect(readFile(badOut)).rejects.toThrow(/ENOENT/);
  });

  it('writes the same bytes, summary and counts on scoring threads as on the reading thread, from plain and gzipped input', async () => {
    // Enough sessions for several chunks on each of two threads: the dataset's sessions, each round
    // 601 s later (no two overlap on one 5-tuple), and three flows seen one way.
    const sessions = Array.from({ length: 5000 }, (_, k) => {
      const r = records[k % records.length];
      const shift = Math.floor(k / records.length) * 601_000;
      return { ...r, creationMs: r.creationMs + shift, endMs: r.endMs + shift };
    });
    const oneWay = [
      '2 123456789012 eni-0a1b2c3d4e5f67890 198.51.100.7 10.0.0.5 51000 22 6 3 180 1700000000 1700000060 REJECT OK',
      `2 123456789012 eni-0a1b2c3d4e5f67890 ${SERVER} 8.8.8.8 443 50000 6 5 900 1700000000 1700000060 ACCEPT OK`,
      '2 123456789012 eni-0a1b2c3d4e5f67890 - - - - - - - 1700000000 1700000060 - NODATA',
    ];
    const log = `${asVpcFlow(sessions)}${oneWay.join('\n')}\n`;
    const plain = join(dir, 'many.log');
    const gz = join(dir, 'many.log.gz');
    await writeFile(plain, log);
    await writeFile(gz, gzipSync(log));
    const run = async (input: string, threads: number, name: string) => {
      const output = join(dir, `${name}.csv`);
      const ndjsonOutput = join(dir, `${name}.ndjson`);
      const result = await scoreLog({ input, format: 'vpc-flow', output, ndjsonOutput, modelDir: COMMITTED_MODELS, threads });
      return { result: { ...result, seconds: 0 }, csv: await readFile(output, 'utf8'), ndjson: await readFile(ndjsonOutput, 'utf8') };
    };
    const reference = await run(plain, 0, 'one');
    const { stitched_sessions: stitched, one_way_flows: oneWayFlows } = reference.result.notes;
    expect(stitched).toBeGreaterThan(4990);
    expect(oneWayFlows).toBeGreaterThanOrEqual(2);
    expect(reference.result.records).toBe(stitched + oneWayFlows);
    expect(reference.result.skipped).toEqual({ NODATA: 1 });
    expect(reference.csv.trimEnd().split('\n')).toHaveLength(reference.result.records + 1);
    for (const [input, name] of [
      [plain, 'threads'],
      [gz, 'threads-gz'],
    ] as const) {
      const threaded = await run(input, 2, name);
      expect(threaded.csv).toBe(reference.csv);
      expect(threaded.ndjson).toBe(reference.ndjson);
      expect(threaded.result).toEqual(reference.result);
    }
    // NDJSON alone (the CLI's .ndjson output) is the same lines too
    const alone = join(dir, 'alone.ndjson');
    await scoreLog({ input: gz, format: 'vpc-flow', output: alone, modelDir: COMMITTED_MODELS, threads: 2 });
    expect(await readFile(alone, 'utf8')).toBe(reference.ndjson);
  });

  it('stops when aborted, on scoring threads as on the reading thread, leaving no output and no temp file', async () => {
    const input = join(dir, 'abort.log');
    await writeFile(input, asVpcFlow(records));
    const sub = await mkdtemp(join(dir, 'abort-'));
    for (const threads of [0, 2]) {
      const signal = AbortSignal.abort(new Error('interrupted by SIGINT'));
      await expect(scoreLog({ input, format: 'vpc-flow', output: join(sub, 'out.csv'), ndjsonOutput: join(sub, 'out.ndjson'), modelDir: COMMITTED_MODELS, threads, signal })).rejects.toThrow(
        'interrupted by SIGINT',
      );
    }
    expect(await readdir(sub)).toEqual([]);
  });

  it('stops mid-run when aborted on scoring threads, removing the temp outputs', async () => {
    const sessions = Array.from({ length: 100_000 }, (_, k) => {
      const r = records[k % records.length];
      const shift = Math.floor(k / records.length) * 601_000;
      return { ...r, creationMs: r.creationMs + shift, endMs: r.endMs + shift };
    });
    const input = join(dir, 'long.log');
    await writeFile(input, asVpcFlow(sessions));
    const sub = await mkdtemp(join(dir, 'mid-'));
    const stop = new AbortController();
    const run = scoreLog({ input, format: 'vpc-flow', output: join(sub, 'out.csv'), ndjsonOutput: join(sub, 'out.ndjson'), modelDir: COMMITTED_MODELS, threads: 2, signal: stop.signal });
    run.catch(() => {}); // awaited below; a failure while polling must not be an unhandled rejection
    // Mid-run: the temp output holds scored records.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const files = await readdir(sub);
      const sizes = await Promise.all(files.map((f) => stat(join(sub, f)).then((st) => st.size)));
      if (sizes.some((size) => size > 100_000) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await readdir(sub)).every((f) => f.includes('.tmp-'))).toBe(true);
    stop.abort(new Error('interrupted by SIGINT'));
    await expect(run).rejects.toThrow('interrupted by SIGINT');
    expect(await readdir(sub)).toEqual([]);
  });

  it('skip mode leaves bad lines out and reports each with its line, field and value; past max_errors it fails, leaving no output', async () => {
    const lines = asVpcFlow(records.slice(0, 10)).trimEnd().split('\n');
    // line 3 (the first session's second record): a bad address; line 6: bytes too large; line 9: a field short
    lines[2] = lines[2].replace(SERVER, '10.0.0.300');
    lines[5] = lines[5].replace(/ \d+ (\d+ \d+ ACCEPT)/, ' 123456789012345678901 $1');
    lines[8] = lines[8].replace(/ OK$/, '');
    const input = join(dir, 'bad-lines.log');
    await writeFile(input, `${lines.join('\n')}\n`);
    const output = join(dir, 'bad-lines.csv');
    for (const threads of [0, 2]) {
      const result = await scoreLog({ input, format: 'vpc-flow', output, modelDir: COMMITTED_MODELS, threads, onError: 'skip' });
      expect(result.badLines.map(({ line, field, value }) => ({ line, field, value }))).toEqual([
        { line: 3, field: 'srcaddr', value: '10.0.0.300' },
        { line: 6, field: 'bytes', value: '123456789012345678901' },
        { line: 9, field: 'record', value: `${lines[8].slice(0, 64)}…` },
      ]);
      expect(result.badLines[1].message).toMatch(/^vpc-flow line 6: bytes is too large/);
      // the other record of each broken session is scored one way
      expect(result.notes).toEqual({ stitched_sessions: 7, one_way_flows: 3 });
      expect((await readFile(output, 'utf8')).trimEnd().split('\n')).toHaveLength(1 + 10);
    }
    const strict = join(dir, 'strict.csv');
    await expect(scoreLog({ input, format: 'vpc-flow', output: strict, modelDir: COMMITTED_MODELS, onError: 'skip', maxErrors: 2 })).rejects.toThrow(
      'more than 2 bad records (max_errors); the next one: vpc-flow line 9: record must have 14 space-separated fields',
    );
    await expect(readFile(strict)).rejects.toThrow(/ENOENT/);
    await expect(scoreLog({ input, format: 'vpc-flow', output: strict, modelDir: COMMITTED_MODELS })).rejects.toThrow('vpc-flow line 3: srcaddr must be an IPv4 or IPv6 address, got "10.0.0.300"');
  });
});
