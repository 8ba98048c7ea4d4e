// A dropped file in the user's terms: its format (CSV, NDJSON or JSON), how the API takes it, and the
// service's messages about it restated with the file's name, its format and the line or record.
// The console sends the file as it is: the service is the one judge of what a body may hold, so the
// console and the API accept and refuse the same files with the same messages.
import { detectFormat } from './sniff.js';

const FORMATS = {
  CSV: { type: 'text/csv', noun: 'line' },
  NDJSON: { type: 'application/x-ndjson', noun: 'line' },
  JSON: { type: 'application/json', noun: 'record' },
};

/** The log formats by their ?format= name, as the console names them (cloudwatch is the dataset layout above). */
export const LOG_FORMATS = { 'vpc-flow': 'VPC Flow Logs', alb: 'ALB access log', waf: 'WAF log', cloudfront: 'CloudFront log', ocsf: 'OCSF' };

/** The file's first lines (gunzipped when it is .gz), for detection: up to 64 KiB, the last partial line dropped. */
async function firstLines(file, gzip) {
  const LIMIT = 64 * 1024;
  let text = '';
  if (!gzip) text = await file.slice(0, LIMIT).text();
  else {
    const reader = file
      .slice(0, 4 * LIMIT)
      .stream()
      .pipeThrough(new DecompressionStream('gzip'))
      .pipeThrough(new TextDecoderStream())
      .getReader();
    try {
      while (text.length < LIMIT) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
    } catch {
      // a cut gzip stream ends in an error: the lines read before it are what detection needs
    }
    reader.cancel().catch(() => {});
  }
  const lines = text.split('\n');
  if (text.length >= LIMIT && lines.length > 1) lines.pop();
  return lines.slice(0, 20);
}

/**
 * The format of a file. A log format (chosen, or detected from the file's first lines by the service's
 * own rules, sniff.js) goes up as text/plain with ?format=; the dataset layout by its name (.csv,
 * .ndjson or .jsonl, .json; any of them .gz for gzip), else its first characters: "[" or "{" on a
 * line that holds a whole object is NDJSON's, else JSON's.
 * @param {string} chosen 'auto' to detect, or a ?format= name
 * @returns {Promise<{ format: string, type: string, gzip: boolean, log: string|null, detected: boolean }>}
 */
export async function formatOf(file, chosen = 'auto') {
  const gzip = /\.gz$/i.test(file.name);
  const detected = chosen === 'auto';
  const log = detected ? detectFormat(await firstLines(file, gzip)) : chosen;
  if (log !== null && log !== 'cloudwatch') return { format: LOG_FORMATS[log], type: 'text/plain', gzip, log, detected };
  const name = file.name.toLowerCase().replace(/\.gz$/, '');
  let format = name.endsWith('.csv') ? 'CSV' : /\.(ndjson|jsonl)$/.test(name) ? 'NDJSON' : name.endsWith('.json') ? 'JSON' : null;
  if (!format && !gzip) {
    const head = (await file.slice(0, 64 * 1024).text()).trimStart();
    if (head.startsWith('[')) format = 'JSON';
    else if (head.startsWith('{')) format = /^\{.*\}\s*\r?\n\s*\{/.test(head) ? 'NDJSON' : 'JSON';
  }
  format ??= 'CSV';
  return { format, type: FORMATS[format].type, gzip, log: null, detected };
}

/**
 * The service's message about a file, said about the file: "CSV line 5: bytes_in must be..." becomes
 * "traffic.csv (CSV), line 5: bytes_in must be...", "records[3].bytes_in must be..." becomes
 * "batch.json (JSON), record 4 (records[3]): bytes_in must be..." (as does "records[3]: bytes_in must be...").
 */
export function explain(fileName, format, message) {
  const at = /^(?:CSV|NDJSON|vpc-flow|alb|waf|cloudfront|ocsf) line (\d+):\s*(.*)$/s.exec(message);
  if (at) return `${fileName} (${format}), line ${at[1]}: ${at[2]}`;
  const rec = /^records\[(\d+)\](?:\.(\S+))?:?\s+(.*)$/s.exec(message);
  if (rec) return `${fileName} (${format}), record ${Number(rec[1]) + 1} (records[${rec[1]}]): ${rec[2] ? `${rec[2]} ` : ''}${rec[3]}`;
  return `${fileName} (${format}): ${message}`;
}

/** A file the browser could not read (moved, deleted or unreadable since it was chosen), in words. */
export function unreadable(fileName, err) {
  return `${fileName} could not be read by the browser (${err?.name ?? 'unknown error'}): choose it again`;
}
