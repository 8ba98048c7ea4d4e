// What the page keeps of a scored file, gathered in one pass over its results: the charts' data, the
// riskiest sessions, the countries for the filter, and where each page of the table starts. Every part
// is bounded (a sample of points, ten sessions, one offset per page), so a file of 200,000 records
// leaves the page no bigger than one of 282.
import { parseCsv } from './csv.js';
import { scoreBin, SCORE_BINS } from './charts.js';
import { byRisk, PAGE } from './table.js';

const DAY_MS = 86_400_000;
/** Points of the bytes scatter, per verdict: past this many, a uniform sample (reservoir sampling). */
export const POINTS = 1000;
export const RISKIEST = 10;
/** Distinct sources counted exactly up to this many; past it the card says "50,000+". */
export const SOURCES_CAP = 50_000;

/**
 * Reads a results CSV record as the item the table, charts and riskiest list use: the input's
 * columns it needs, and the verdict's columns as a result object.
 * @param header the results CSV's header fields
 */
export function itemReader(header) {
  const at = (k) => header.indexOf(k);
  const [ip, cc, bi, bo, ct, v, rl, sc, rs, nf, mf] = [
    'src_ip',
    'src_ip_country_code',
    'bytes_in',
    'bytes_out',
    'creation_time',
    'verdict',
    'risk_level',
    'anomaly_score',
    'reasons',
    'novel_fields',
    'missing_fields',
  ].map(at);
  const list = (s) => (s ? s.split('; ') : []);
  // an empty cell is a byte count the log could not give (a one-way flow, a WAF request): unknown, not 0
  const count = (s) => (s === undefined || s === '' ? null : Number(s));
  return (text, index) => {
    const f = parseCsv(text).header;
    const t = Date.parse(f[ct]);
    return {
      index,
      srcIp: f[ip] ?? '',
      country: (f[cc] ?? '').toUpperCase(),
      bytesIn: count(f[bi]),
      bytesOut: count(f[bo]),
      hour: Number.isFinite(t) ? Math.floor((t % DAY_MS) / 3_600_000) : null,
      result: { src_ip: f[ip] ?? '', verdict: f[v], risk_level: f[rl], anomaly_score: Number(f[sc]), reasons: list(f[rs]), novel_fields: list(f[nf]), missing_fields: list(f[mf]) },
    };
  };
}

export class Digest {
  /** @param topSources the summary's top sources: the only ones whose bytes the chart needs */
  constructor(topSources) {
    this.count = 0;
    this.points = { normal: [], suspicious: [] };
    this.seen = { normal: 0, suspicious: 0 };
    this.scoreCounts = new Array(SCORE_BINS.bins).fill(0);
    this.bytesBy = new Map(topSources.map((s) => [s.src_ip, 0]));
    this.totalBytes = 0;
    this.riskiest = [];
    this.countries = new Set();
    this.sources = new Set();
    this.sourcesCapped = false;
    /** [byte offset, record index] of every PAGE-th record: where each page of the table starts */
    this.pageStarts = [];
  }

  add(it, offset) {
    if (this.count % PAGE === 0) this.pageStarts.push([offset, it.index]);
    this.count++;
    const bytes = (it.bytesIn ?? 0) + (it.bytesOut ?? 0);
    this.totalBytes += bytes;
    if (this.bytesBy.has(it.srcIp)) this.bytesBy.set(it.srcIp, this.bytesBy.get(it.srcIp) + bytes);
    this.scoreCounts[scoreBin(it.result.anomaly_score)]++;
    if (it.country) this.countries.add(it.country);
    if (this.sources.size < SOURCES_CAP) this.sources.add(it.srcIp);
    else if (!this.sources.has(it.srcIp)) this.sourcesCapped = true;
    const kind = it.result.verdict === 'suspicious' ? 'suspicious' : 'normal';
    const n = ++this.seen[kind];
    const point = { x: Math.max(1, it.bytesIn ?? 0), y: Math.max(1, it.bytesOut ?? 0) };
    if (it.bytesIn === null || it.bytesOut === null) {
      // not drawn: a session whose bytes are unknown has no place on the bytes chart
    } else if (n <= POINTS) this.points[kind].push(point);
    else {
      const j = Math.floor(Math.random() * n);
      if (j < POINTS) this.points[kind][j] = point;
    }
    const r = this.riskiest;
    if (r.length < RISKIEST || byRisk(it, r[r.length - 1]) < 0) {
      r.push(it);
      r.sort(byRisk);
      if (r.length > RISKIEST) r.pop();
    }
  }

  /** The distinct sources, in words for the totals card. */
  sourceCount() {
    return this.sourcesCapped ? `${SOURCES_CAP.toLocaleString('en-US')}+` : this.sources.size;
  }
}
