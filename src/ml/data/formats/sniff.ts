/**
 * How each format's first lines look, and the detection that tries them: the one source of these
 * rules for the service (each format's `sniff`) and for the console, which loads this file as built
 * (scripts/build-web.ts copies its compiled JavaScript into the console). So it imports nothing.
 */
type Sniff = (lines: readonly string[]) => boolean;

/** A default-format (version 2) VPC flow record: 14 space-separated fields, the version first. */
const V2_LINE = /^\d+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+$/;

export const SNIFF = {
  cloudwatch: (lines) => lines.length > 0 && /(^|,)bytes_in(,|$)/.test(lines[0]) && lines[0].includes('src_ip'),
  'vpc-flow': (lines) => (/(^| )srcaddr( |$)/.test(lines[0]) && /(^| )dstaddr( |$)/.test(lines[0])) || lines.every((l) => V2_LINE.test(l)),
  alb: (lines) => lines.length > 0 && lines.every((l) => /^(https?|h2|grpcs|wss?) \d{4}-\d\d-\d\dT\S+ \S+ \S+:\d+ /.test(l)),
  waf: (lines) => lines.length > 0 && lines.every((l) => l.startsWith('{') && l.includes('"httpRequest"') && l.includes('"webaclId"')),
  cloudfront: (lines) => lines.some((l) => l.startsWith('#Fields:') && l.includes('c-ip')),
  ocsf: (lines) => lines.length > 0 && lines.every((l) => l.startsWith('{') && /"class_uid"\s*:\s*400[12]\b/.test(l)),
} satisfies Record<string, Sniff>;

export type SniffedFormat = keyof typeof SNIFF;

/** The most specific signatures first: a CloudFront or VPC header, then JSON classes, then line shapes. */
const ORDER: readonly SniffedFormat[] = ['cloudfront', 'ocsf', 'waf', 'vpc-flow', 'alb', 'cloudwatch'];

/** The format the first lines of a file look like, or null when none claims them. */
export function detectFormat(firstLines: readonly string[]): SniffedFormat | null {
  const lines = firstLines.map((l) => l.replace(/^\uFEFF/, '').replace(/\r$/, '')).filter((l) => l.trim() !== '');
  if (lines.length === 0) return null;
  for (const name of ORDER) if (SNIFF[name](lines)) return name;
  return null;
}
