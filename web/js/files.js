// A dropped file in the user's terms: its format (CSV, NDJSON or JSON), how the API takes it, and the
// service's messages about it restated with the file's name, its format and the line or record.
// The console sends the file as it is: the service is the one judge of what a body may hold, so the
// console and the API accept and refuse the same files with the same messages.

const FORMATS = {
  CSV: { type: 'text/csv', noun: 'line' },
  NDJSON: { type: 'application/x-ndjson', noun: 'line' },
  JSON: { type: 'application/json', noun: 'record' },
};

/**
 * The format of a file, from its name (.csv, .ndjson or .jsonl, .json; any of them .gz for gzip), else
 * from its first characters: "[" or "{" on a line that holds a whole object is NDJSON's, else JSON's.
 * @returns {Promise<{ format: 'CSV'|'NDJSON'|'JSON', type: string, gzip: boolean }>}
 */
export async function formatOf(file) {
  const gzip = /\.gz$/i.test(file.name);
  const name = file.name.toLowerCase().replace(/\.gz$/, '');
  let format = name.endsWith('.csv') ? 'CSV' : /\.(ndjson|jsonl)$/.test(name) ? 'NDJSON' : name.endsWith('.json') ? 'JSON' : null;
  if (!format && !gzip) {
    const head = (await file.slice(0, 64 * 1024).text()).trimStart();
    if (head.startsWith('[')) format = 'JSON';
    else if (head.startsWith('{')) format = /^\{.*\}\s*\r?\n\s*\{/.test(head) ? 'NDJSON' : 'JSON';
  }
  format ??= 'CSV';
  return { format, type: FORMATS[format].type, gzip };
}

/**
 * The service's message about a file, said about the file: "CSV line 5: bytes_in must be..." becomes
 * "traffic.csv (CSV), line 5: bytes_in must be...", "records[3].bytes_in must be..." becomes
 * "batch.json (JSON), record 4 (records[3]): bytes_in must be..." (as does "records[3]: bytes_in must be...").
 */
export function explain(fileName, format, message) {
  const at = /^(?:CSV|NDJSON) line (\d+):\s*(.*)$/s.exec(message);
  if (at) return `${fileName} (${format}), line ${at[1]}: ${at[2]}`;
  const rec = /^records\[(\d+)\](?:\.(\S+))?:?\s+(.*)$/s.exec(message);
  if (rec) return `${fileName} (${format}), record ${Number(rec[1]) + 1} (records[${rec[1]}]): ${rec[2] ? `${rec[2]} ` : ''}${rec[3]}`;
  return `${fileName} (${format}): ${message}`;
}

/** A file the browser could not read (moved, deleted or unreadable since it was chosen), in words. */
export function unreadable(fileName, err) {
  return `${fileName} could not be read by the browser (${err?.name ?? 'unknown error'}): choose it again`;
}
