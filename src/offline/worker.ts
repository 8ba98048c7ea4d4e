/**
 * A scoring thread of `npm run score`: loads the bundle once, then turns blocks
 * of CSV text (cut at record boundaries by the main thread) into output text,
 * keeping its share of the summary. Records go through parseRecord and
 * ModelBundle.score, exactly as /batch scores them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadCurrent } from '../ml/bundle/store.js';
import { CsvReader, CsvSyntaxError } from '../ml/data/csv.js';
import { CsvError, RowBuilder } from '../ml/data/dataset.js';
import { parseRecordAt, RecordError } from '../ml/data/record.js';
import { SummaryBuilder } from '../ml/insight/summary.js';
import { csvCell, resultCells } from './format.js';

export interface WorkerInit {
  modelDir: string;
  header: string[];
  output: 'csv' | 'ndjson';
}
export type ToScorer = { type: 'block'; seq: number; text: string; firstLine: number } | { type: 'finish' };
export type FromScorer =
  | { type: 'ready'; version: string }
  | { type: 'block'; seq: number; out: string; count: number }
  | { type: 'error'; seq: number; message: string }
  | { type: 'summary'; state: ReturnType<SummaryBuilder['state']> };

const { modelDir, header, output } = workerData as WorkerInit;
const bundle = await loadCurrent(modelDir);
const summary = new SummaryBuilder();
const port = parentPort!;

function block(text: string, firstLine: number): { out: string; count: number } {
  const rows = new RowBuilder();
  rows.add([{ line: 1, fields: header }]);
  const reader = new CsvReader({ firstLine });
  const records = [...reader.push(text), ...reader.end()];
  const built = rows.add(records);
  // Without a quote in the block each record is one line: echo it as it came, instead of re-quoting fields.
  const lines = output === 'csv' && text.indexOf('"') < 0 ? text.split('\n') : null;
  let out = '';
  for (let i = 0; i < built.length; i++) {
    const { line, raw } = built[i];
    const record = parseRecordAt(raw, `CSV line ${line}`);
    const result = bundle.score(record);
    summary.add(record, result);
    if (output === 'ndjson') out += `${JSON.stringify(result)}\n`;
    else {
      const input = lines ? lines[line - firstLine] : records[i].fields.map(csvCell).join(',');
      out += `${input.charCodeAt(input.length - 1) === 13 ? input.slice(0, -1) : input},${resultCells(result)}\n`;
    }
  }
  return { out, count: built.length };
}

port.on('message', (m: ToScorer) => {
  if (m.type === 'finish') {
    port.postMessage({ type: 'summary', state: summary.state() } satisfies FromScorer);
    return;
  }
  try {
    port.postMessage({ type: 'block', seq: m.seq, ...block(m.text, m.firstLine) } satisfies FromScorer);
  } catch (err) {
    const known = err instanceof RecordError || err instanceof CsvSyntaxError || err instanceof CsvError;
    port.postMessage({ type: 'error', seq: m.seq, message: known ? (err as Error).message : ((err as Error).stack ?? String(err)) } satisfies FromScorer);
  }
});
port.postMessage({ type: 'ready', version: bundle.version } satisfies FromScorer);
