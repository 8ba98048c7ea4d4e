import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../src/ml/data/formats/index.js';
import { LOG_EXAMPLES } from '../../src/schemas/log-examples.js';

// The examples openapi.yaml shows for text/plain bodies: each reads, in its format, to the sessions it claims.
describe('log examples', () => {
  it.each(Object.entries(LOG_EXAMPLES))('%s reads to its documented number of results', (name, example) => {
    const reader = FORMATS[name as keyof typeof LOG_EXAMPLES].reader({});
    const records = [...reader.push(example.value), ...reader.end()];
    expect(records).toHaveLength(example.results);
  });

  it('shows what each format is known for: stitching, skipped NODATA, a country looked up offline', () => {
    const vpc = FORMATS['vpc-flow'].reader({});
    const sessions = [...vpc.push(LOG_EXAMPLES['vpc-flow'].value), ...vpc.end()];
    expect(sessions.map((r) => r.id)).toEqual(['2+3', 4]);
    expect(vpc.skipped).toEqual({ NODATA: 1 });
    const waf = FORMATS.waf.reader({});
    expect([...waf.push(LOG_EXAMPLES.waf.value), ...waf.end()].map((r) => r.country)).toEqual(['AU', 'US']);
  });
});
