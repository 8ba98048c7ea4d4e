/** Reads a whole text through a format of the registry, optionally in small chunks (a stream cut anywhere). */
import { FORMATS, type FormatName, type FormatOptions, type FormatReader } from '../../../../src/ml/data/formats/index.js';
import type { TrafficRecord } from '../../../../src/ml/data/record.js';

export function readAll(name: FormatName, text: string, options: FormatOptions = {}, chunk = Infinity): { records: TrafficRecord[]; reader: FormatReader } {
  const reader = FORMATS[name].reader(options);
  const records: TrafficRecord[] = [];
  for (let i = 0; i < text.length; i += chunk) records.push(...reader.push(text.slice(i, i + chunk)));
  records.push(...reader.end());
  return { records, reader };
}
