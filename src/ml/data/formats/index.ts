/**
 * The registry of input formats: every way in (routes, `npm run score`, `npm run train`, the console)
 * resolves a format name here, and nowhere else.
 */
import { alb } from './alb.js';
import { cloudfront } from './cloudfront.js';
import { cloudwatch } from './cloudwatch.js';
import { ocsf } from './ocsf.js';
import { FORMAT_NAMES, type FormatName, type RecordFormat } from './types.js';
import { vpcFlow } from './vpc-flow.js';
import { waf } from './waf.js';

export { FORMAT_NAMES, type FormatName, type FormatOptions, type FormatReader, type RecordFormat } from './types.js';

export const FORMATS: Readonly<Record<FormatName, RecordFormat>> = {
  cloudwatch,
  'vpc-flow': vpcFlow,
  alb,
  waf,
  cloudfront,
  ocsf,
};

export const DEFAULT_FORMAT: FormatName = 'cloudwatch';

export function isFormatName(name: string): name is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(name);
}

/** The format of a name, or an Error listing the names there are. */
export function formatByName(name: string | undefined): RecordFormat {
  if (name === undefined || name === '') return FORMATS[DEFAULT_FORMAT];
  if (!isFormatName(name)) throw new RangeError(`format must be one of ${FORMAT_NAMES.join(', ')}, got ${JSON.stringify(name.slice(0, 40))}`);
  return FORMATS[name];
}

/** The format the first lines of a file look like (rules in sniff.ts, shared with the console). */
export { detectFormat } from './sniff.js';
