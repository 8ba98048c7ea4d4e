/**
 * Seeded labelled traffic scenarios for npm run bench:detection, built to be hard rather than easy.
 *
 * Benign traffic (label 0) in every scenario:
 * - 400 ordinary sources, session counts Zipf-like (1 to ~60); bytes_in and bytes_out log-normal with a
 *   heavy tail (sigma 1.3), correlated; durations log-normal 1 s to an hour; ports 443 (80%), 80, 8080,
 *   22; response codes mostly 200 with 304, 301, 404 and 500; 15 countries; a day-night cycle;
 * - benign heavy hitters: backup hosts (bytes_out 50 MB to 2 GB, long), a CDN pull (bytes_in 20-500 MB),
 *   a crawler (hundreds of short sessions, many 404s, a high rate) and a monitoring probe (tiny,
 *   regular sessions). Large or odd, and normal.
 *
 * Attack families (label 1), each from its own sources:
 * - brute_force: credential guessing, 40-300 small near-identical sessions per source (0.5-2 KB,
 *   1-4 s, 401/403/200) on 443 or 22, seconds apart;
 * - scan: port scans (tiny sessions to random ports, no response code) and path scans (404s on 80/443);
 * - exfiltration: slow, long sessions carrying 5-80 MB out at a low rate, like a backup but from
 *   hosts that never back up;
 * - flood: volumetric, many bot sources of 1-5 sessions, bytes_in 1-50 MB in 1-20 s;
 * - stealth: low-and-slow credential stuffing whose sessions are drawn from the ordinary session
 *   distribution (bytes, duration, port, code): nothing tells one of them from benign traffic alone.
 *
 * attackShare is the share of sessions that are attacks; labelNoise flips that share of labels at
 * random (the truth kept aside for the test side). The same options and seed give the same records.
 */
import { Random } from '../src/ml/core/random.js';

export type Family = 'brute_force' | 'scan' | 'exfiltration' | 'flood' | 'stealth';

export interface ScenarioOptions {
  families: readonly Family[];
  sessions: number;
  attackShare: number;
  labelNoise: number;
  seed: number;
}

export interface ScenarioRow {
  raw: Record<string, string | number>;
  /** the real class, whatever the (possibly noisy) label says */
  truth: 0 | 1;
}

const COUNTRIES = ['US', 'US', 'US', 'DE', 'GB', 'FR', 'NL', 'CA', 'JP', 'IN', 'BR', 'AU', 'SE', 'IL', 'SG'];
const ATTACK_COUNTRIES = ['US', 'CN', 'RU', 'NL', 'DE', 'BR', 'VN', 'KP'];

function gaussian(rng: Random): number {
  const u = 1 - rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
}
const logNormal = (rng: Random, mu: number, sigma: number): number => Math.exp(mu + sigma * gaussian(rng));
const pick = <T>(rng: Random, xs: readonly T[]): T => xs[rng.nextInt(xs.length)];
const ip = (rng: Random, first: number): string => `${first}.${rng.nextInt(256)}.${rng.nextInt(256)}.${1 + rng.nextInt(254)}`;

const DAY_START = Date.UTC(2024, 4, 6);

interface Session {
  src: string;
  country: string;
  t0: number;
  duration: number;
  bytesIn: number;
  bytesOut: number;
  port: number;
  protocol: string;
  code: number | null;
}

function row(s: Session, truth: 0 | 1): ScenarioRow {
  const raw: Record<string, string | number> = {
    bytes_in: Math.max(0, Math.round(s.bytesIn)),
    bytes_out: Math.max(0, Math.round(s.bytesOut)),
    creation_time: new Date(s.t0).toISOString(),
    end_time: new Date(s.t0 + Math.round(s.duration * 1000)).toISOString(),
    src_ip: s.src,
    src_ip_country_code: s.country,
    protocol: s.protocol,
    dst_port: s.port,
    dst_ip: '10.0.8.20',
  };
  if (s.code !== null) raw['response.code'] = s.code;
  return { raw, truth };
}

/** A benign day-time instant (more sessions by day than at night). */
function benignTime(rng: Random): number {
  const hour = (14 + 5 * gaussian(rng) + 24) % 24;
  return DAY_START + Math.floor(hour * 3_600_000);
}

function ordinary(rng: Random, src: string, country: string, t0 = benignTime(rng)): Session {
  const port = rng.nextFloat() < 0.8 ? 443 : pick(rng, [80, 80, 8080, 22]);
  const bytesIn = logNormal(rng, 8.2, 1.3);
  return {
    src,
    country,
    t0,
    duration: Math.min(3600, logNormal(rng, 3.5, 1.4)),
    bytesIn,
    bytesOut: bytesIn * logNormal(rng, 1.2, 1.1),
    port,
    protocol: port === 443 ? 'HTTPS' : port === 22 ? 'SSH' : 'HTTP',
    code: port === 22 ? null : pick(rng, [200, 200, 200, 200, 200, 200, 304, 304, 301, 404, 500]),
  };
}

function benign(rng: Random, n: number): ScenarioRow[] {
  const out: ScenarioRow[] = [];
  const sources = Array.from({ length: 400 }, (_, i) => ({ src: ip(rng, 20 + (i % 180)), country: pick(rng, COUNTRIES) }));
  // Heavy hitters: about 6% of benign sessions.
  const heavy = Math.round(n * 0.06);
  const backup = { src: ip(rng, 203), country: 'US' };
  const cdn = { src: ip(rng, 151), country: 'US' };
  const crawler = { src: ip(rng, 66), country: 'US' };
  const probe = { src: ip(rng, 198), country: 'DE' };
  for (let i = 0; i < heavy; i++) {
    const kind = i % 4;
    const t0 = DAY_START + rng.nextInt(86_400) * 1000;
    if (kind === 0)
      out.push(
        row(
          {
            ...ordinary(rng, backup.src, backup.country, t0),
            bytesIn: logNormal(rng, 9, 0.5),
            bytesOut: logNormal(rng, 18.5, 1),
            duration: 600 + rng.nextInt(6000),
            port: 443,
            protocol: 'HTTPS',
            code: 200,
          },
          0,
        ),
      );
    else if (kind === 1)
      out.push(
        row(
          { ...ordinary(rng, cdn.src, cdn.country, t0), bytesIn: logNormal(rng, 18, 1), bytesOut: logNormal(rng, 9, 0.5), duration: 30 + rng.nextInt(600), port: 443, protocol: 'HTTPS', code: 200 },
          0,
        ),
      );
    else if (kind === 2)
      out.push(
        row(
          {
            ...ordinary(rng, crawler.src, crawler.country, t0),
            bytesIn: logNormal(rng, 6.5, 0.4),
            bytesOut: logNormal(rng, 9, 1),
            duration: 0.2 + rng.nextFloat() * 2,
            code: rng.nextFloat() < 0.3 ? 404 : 200,
          },
          0,
        ),
      );
    else
      out.push(row({ ...ordinary(rng, probe.src, probe.country, t0), bytesIn: 300 + rng.nextInt(40), bytesOut: 1200 + rng.nextInt(100), duration: 0.1, port: 443, protocol: 'HTTPS', code: 200 }, 0));
  }
  while (out.length < n) {
    // Zipf-like choice of source: a few talk a lot.
    const s = sources[Math.floor(sources.length * rng.nextFloat() ** 2.5)];
    out.push(row(ordinary(rng, s.src, s.country), 0));
  }
  return out;
}

function attacks(rng: Random, family: Family, n: number): ScenarioRow[] {
  const out: ScenarioRow[] = [];
  while (out.length < n) {
    const src = ip(rng, 100 + rng.nextInt(60));
    const country = pick(rng, ATTACK_COUNTRIES);
    let t = DAY_START + rng.nextInt(86_400) * 1000;
    const burst = (count: number, make: () => Partial<Session>, gapMs: number) => {
      for (let k = 0; k < count && out.length < n; k++) {
        out.push(row({ ...ordinary(rng, src, country, t), ...make() }, 1));
        t += Math.round(gapMs * (0.5 + rng.nextFloat()));
      }
    };
    if (family === 'brute_force') {
      const port = rng.nextFloat() < 0.6 ? 443 : 22;
      burst(
        40 + rng.nextInt(260),
        () => ({
          bytesIn: 600 + rng.nextInt(900),
          bytesOut: 300 + rng.nextInt(500),
          duration: 1 + rng.nextFloat() * 3,
          port,
          protocol: port === 22 ? 'SSH' : 'HTTPS',
          code: port === 22 ? null : pick(rng, [401, 401, 403, 200]),
        }),
        2000,
      );
    } else if (family === 'scan') {
      if (rng.nextFloat() < 0.5)
        burst(
          30 + rng.nextInt(200),
          () => ({ bytesIn: 40 + rng.nextInt(160), bytesOut: rng.nextInt(120), duration: rng.nextFloat() * 0.5, port: 1 + rng.nextInt(65535), protocol: 'TCP', code: null }),
          300,
        );
      else
        burst(
          30 + rng.nextInt(200),
          () => ({ bytesIn: 300 + rng.nextInt(500), bytesOut: 400 + rng.nextInt(800), duration: 0.1 + rng.nextFloat(), port: rng.nextFloat() < 0.5 ? 80 : 443, code: 404 }),
          500,
        );
    } else if (family === 'exfiltration') {
      burst(
        3 + rng.nextInt(20),
        () => ({ bytesIn: logNormal(rng, 9, 0.7), bytesOut: logNormal(rng, 16.5, 0.8), duration: 1800 + rng.nextInt(5400), port: 443, protocol: 'HTTPS', code: 200 }),
        3_600_000,
      );
    } else if (family === 'flood') {
      burst(
        1 + rng.nextInt(5),
        () => ({ bytesIn: logNormal(rng, 15.5, 1), bytesOut: logNormal(rng, 6, 1), duration: 1 + rng.nextFloat() * 19, port: rng.nextFloat() < 0.7 ? 443 : 80, code: pick(rng, [200, 503, 503]) }),
        1000,
      );
    } else {
      burst(10 + rng.nextInt(40), () => ({}), 600_000);
    }
  }
  return out;
}

/** The scenario's records, shuffled, with noisy labels and the truth. */
export function scenario(o: ScenarioOptions): ScenarioRow[] {
  const rng = new Random(o.seed);
  const nAttacks = Math.round(o.sessions * o.attackShare);
  const rows = benign(rng, o.sessions - nAttacks);
  o.families.forEach((f, i) => {
    const share = Math.round(nAttacks / o.families.length);
    rows.push(...attacks(rng, f, i === o.families.length - 1 ? nAttacks - share * (o.families.length - 1) : share));
  });
  rng.shuffle(rows);
  for (const r of rows) r.raw.label = rng.nextFloat() < o.labelNoise ? 1 - r.truth : r.truth;
  return rows;
}

/** The scenarios npm run bench:detection measures; heldout was not looked at while the rules were chosen. */
export const SCENARIOS: (Omit<ScenarioOptions, 'sessions'> & { name: string })[] = [
  { name: 'brute_force', families: ['brute_force'], attackShare: 0.1, labelNoise: 0, seed: 11 },
  { name: 'scan', families: ['scan'], attackShare: 0.05, labelNoise: 0.05, seed: 12 },
  { name: 'exfiltration', families: ['exfiltration'], attackShare: 0.02, labelNoise: 0, seed: 13 },
  { name: 'flood', families: ['flood'], attackShare: 0.4, labelNoise: 0.1, seed: 14 },
  { name: 'mixed', families: ['brute_force', 'scan', 'exfiltration', 'flood'], attackShare: 0.2, labelNoise: 0.05, seed: 15 },
  { name: 'heldout', families: ['brute_force', 'scan', 'exfiltration', 'flood', 'stealth'], attackShare: 0.3, labelNoise: 0.1, seed: 9001 },
];
