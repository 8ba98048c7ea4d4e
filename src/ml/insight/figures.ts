/**
 * Figures people quote in tickets: a measure's value in the unit that suits it (B, KB, MB, GB, TB in
 * powers of 1000; seconds; a rate in bytes per second as B/s, KB/s, ...), three significant digits,
 * thousands grouped. Each number is scaled in its own unit, never in the unit of the figure it is
 * compared with (25.2 MB stays 25.2 MB beside 1,000 TB), and given the figure it is compared with,
 * both gain digits until the shown numbers state the same relation (<, =, >) as the true ones.
 */
import type { ProfileMeasure } from '../detectors/baseline.js';

const BYTE_SCALES: readonly (readonly [number, string])[] = [
  [1, ''],
  [1e3, 'K'],
  [1e6, 'M'],
  [1e9, 'G'],
  [1e12, 'T'],
];
const SECONDS: readonly (readonly [number, string])[] = [[1, '']];

/** What the measure counts, as people name it. */
export function unitName(m: ProfileMeasure): string {
  return m === 'session_duration_s' ? 'seconds' : m === 'avg_packet_size' ? 'bytes per second' : 'bytes';
}

/** The measure's name in a reason: a rate says it is one, whatever its field is called. */
export function measureLabel(m: ProfileMeasure): string {
  return m === 'avg_packet_size' ? `${m} (${unitName(m)})` : m;
}

function unitOf(m: ProfileMeasure): { scales: readonly (readonly [number, string])[]; suffix: string } {
  if (m === 'session_duration_s') return { scales: SECONDS, suffix: 's' };
  return { scales: BYTE_SCALES, suffix: m === 'avg_packet_size' ? 'B/s' : 'B' };
}

const formatters = new Map<number, Intl.NumberFormat>();
function numberFormat(significant: number): Intl.NumberFormat {
  let f = formatters.get(significant);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { maximumSignificantDigits: significant, useGrouping: true });
    formatters.set(significant, f);
  }
  return f;
}

/** v with `significant` digits in the largest unit it reaches (after rounding: 999.96 KB reads 1 MB). */
function render(m: ProfileMeasure, v: number, significant: number): { text: string; shown: number } {
  const { scales, suffix } = unitOf(m);
  let i = 0;
  while (i + 1 < scales.length && Math.abs(v) >= scales[i + 1][0]) i++;
  const f = numberFormat(significant);
  let text = f.format(v / scales[i][0]);
  if (i + 1 < scales.length && Math.abs(Number(text.replaceAll(',', ''))) >= 1000) {
    i++;
    text = f.format(v / scales[i][0]);
  }
  return { text: `${text} ${scales[i][1]}${suffix}`, shown: Number(text.replaceAll(',', '')) * scales[i][0] };
}

/**
 * A measure's value for people; with `comparedWith`, digits are added until the two shown figures
 * compare as the true ones do (past 17 digits both are shown in the base unit, which always tells
 * two doubles apart).
 */
export function format(m: ProfileMeasure, v: number, comparedWith?: number): string {
  if (comparedWith === undefined) return render(m, v, 3).text;
  const truth = Math.sign(v - comparedWith);
  for (let significant = 3; significant <= 17; significant++) {
    const a = render(m, v, significant);
    const b = render(m, comparedWith, significant);
    if (Math.sign(a.shown - b.shown) === truth) return a.text;
  }
  const { suffix } = unitOf(m);
  return `${numberFormat(21).format(v)} ${suffix}`;
}
