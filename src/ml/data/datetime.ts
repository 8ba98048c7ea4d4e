/**
 * RFC 3339 date-times to epoch milliseconds, strictly: the record validator
 * (record.ts) reads three of them for every record scored, so this is a scan
 * over character codes with no Date object and no regular expression.
 */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The n-digit decimal at s[i..i+n), or -1 when any of them is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Epoch ms of an RFC 3339 date-time (YYYY-MM-DD, then T, t or a space,
 * hh:mm:ss, an optional fraction, then Z or +hh:mm), or NaN. Calendar fields
 * are checked here: Date.parse would roll 2024-02-30 over to March 1st and read
 * hour 24 as the next day, which the schema's date-time format refuses. A scan
 * over character codes: three of these run for every record scored.
 */
export function rfc3339(s: string): number {
  const sep = s.charCodeAt(10);
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN; // T, t, space
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return NaN;
  let i = 19;
  let millis = 0;
  if (s.charCodeAt(i) === 46) {
    // A fraction of 1 to 9 digits; milliseconds keep the first three (truncated).
    let j = i + 1;
    let scale = 1;
    for (; j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57; j++) {
      if (j - i <= 3) {
        millis = millis * 10 + (s.charCodeAt(j) - 48);
        scale *= 10;
      }
    }
    if (j === i + 1 || j - i - 1 > 9) return NaN;
    millis = Math.floor((millis * 1000) / scale);
    i = j;
  }
  let offset = 0;
  const zone = s.charCodeAt(i);
  if (zone === 90 || zone === 122) {
    if (i + 1 !== s.length) return NaN; // Z, z
  } else if ((zone === 43 || zone === 45) && s.length === i + 6 && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offset = (zone === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else {
    return NaN;
  }
  return (((daysFromEpoch(year, month, day) * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millis - offset;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). Not Date.UTC:
 * that reads years 0-99 as 1900-1999, so "0050-01-01T00:00:00Z" would land in 1950.
 */
function daysFromEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
}
