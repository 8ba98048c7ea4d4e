/**
 * Reading the project's Markdown as a person reads it: its links and headings (as GitHub turns
 * them into anchors), and its runnable `sh` blocks with the answers they show. The convention
 * for examples is described in CONTRIBUTING.md ("Examples").
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;

/** README.md and every docs/*.md, as paths relative to the repository root. */
export function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

export interface Link {
  target: string;
  line: number;
}

/** Every Markdown link and image target in the prose, with its line. */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  // Code blocks and inline code are blanked, not removed, so an example's text is never read as a
  // link and line numbers still match the document.
  const blanked = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, (block) => block.replace(/[^\n]/g, ' ')).replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length));
  blanked.split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ target: m[1], line: i + 1 });
  });
  return out;
}

/** GitHub's anchors for a document's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const blanked = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, '');
  for (const m of blanked.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Step {
  /** The shell text to run (comments and here-docs included). */
  command: string;
  /** The answer shown after `# → `, without the comment marks. */
  expected: string;
  /** `# → (abridged)`: only some keys and the first entries of arrays are shown. */
  abridged: boolean;
  /** Line of the document where the step's answer starts. */
  line: number;
}

export interface Block {
  line: number;
  steps: Step[];
  /** Commands after the last shown answer: an example must show what it answers. */
  trailing: string;
}

/** The fenced blocks tagged exactly `sh` (not `sh no-run`), cut into commands and their shown answers. */
export function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```sh') continue;
    const block: Block = { line: i + 1, steps: [], trailing: '' };
    let command: string[] = [];
    i++;
    while (i < lines.length && lines[i].trim() !== '```') {
      if (lines[i].startsWith('# → ')) {
        const line = i + 1;
        let first = lines[i].slice('# → '.length);
        const abridged = first.trim() === '(abridged)';
        if (abridged) first = '';
        const expected = [first];
        while (i + 1 < lines.length && lines[i + 1].startsWith('#   ')) expected.push(lines[++i].slice(1));
        block.steps.push({ command: command.join('\n'), expected: expected.join('\n'), abridged, line });
        command = [];
      } else {
        command.push(lines[i]);
      }
      i++;
    }
    block.trailing = command.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).join('\n');
    blocks.push(block);
  }
  return blocks;
}

/** Consecutive JSON values in a text (one answer, or NDJSON lines), parsed. */
export function jsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  if (depth !== 0 || out.length === 0) throw new Error(`not JSON: ${text.slice(0, 200)}`);
  return out;
}

/** Values fixed by the request or the data, not by the model: shown exactly as they come. */
const EXACT = new Set(['src_ip', 'statusCode', 'error', 'message', 'code', 'count', 'trained_rows', 'rows', 'missing_fields', 'feature', 'size', 'filled', 'label_source', 'sha256']);
/** Values from a fixed set: any member will do, since which one may change with a retrain. */
const ENUMS: Record<string, readonly string[]> = {
  verdict: ['normal', 'suspicious'],
  risk_level: ['low', 'medium', 'high', 'critical'],
  action: ['block', 'investigate', 'monitor'],
  status: ['ok', 'ready', 'stable', 'watch', 'drifted', 'insufficient_data'],
};
/** Lists whose members and order the model decides (which sources are on top): shape only inside. */
const MODEL_ORDERED = new Set(['top_sources', 'recommendations', 'by_country', 'by_hour']);

/**
 * Where an actual answer differs from the shown one, by the rules above; empty when it matches.
 * Every shown key must be there with the same kind of value; unless abridged, no other key may be.
 */
export function differences(expected: unknown, actual: unknown, abridged: boolean, path = '$', key = '', exact = true): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(expected) !== kind(actual)) return [`${path}: shown ${kind(expected)}, got ${kind(actual)} (${JSON.stringify(actual)?.slice(0, 80)})`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (exact && EXACT.has(key) && JSON.stringify(expected) !== JSON.stringify(actual)) return [`${path}: shown ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    if (expected.length > 0 && actual.length === 0) return [`${path}: shown ${expected.length} entries, got none`];
    const inside = exact && !MODEL_ORDERED.has(key);
    return expected.slice(0, actual.length).flatMap((e, i) => differences(e, actual[i], abridged, `${path}[${i}]`, key, inside));
  }
  if (kind(expected) === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(e)) {
      if (!(k in a)) out.push(`${path}.${k}: shown, but not in the answer`);
      else out.push(...differences(e[k], a[k], abridged, `${path}.${k}`, k, exact));
    }
    if (!abridged) for (const k of Object.keys(a)) if (!(k in e)) out.push(`${path}.${k}: in the answer, not shown`);
    return out;
  }
  if (key in ENUMS && !ENUMS[key].includes(actual as string)) return [`${path}: ${JSON.stringify(actual)} is not one of ${ENUMS[key].join(', ')}`];
  if (key in ENUMS && !ENUMS[key].includes(expected as string)) return [`${path}: shown ${JSON.stringify(expected)}, not one of ${ENUMS[key].join(', ')}`];
  if (exact && EXACT.has(key) && expected !== actual) return [`${path}: shown ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  return [];
}

export function readDocument(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}
