/**
 * The Dockerfile read as a list of stages, and the build context as Docker sees it, for the test that
 * runs each stage without a container engine (dockerfile.e2e.test.ts). Only the instructions this
 * project's Dockerfile uses are understood; any other one fails the parse, so a change to the
 * Dockerfile cannot pass the test by being skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Step = { kind: 'copy'; from: string | null; chown: string | null; sources: string[]; dest: string } | { kind: 'run'; command: string };

export interface Stage {
  name: string;
  base: string;
  workdir: string;
  env: Record<string, string>;
  steps: Step[];
  user: string | null;
  cmd: string[] | null;
  healthcheck: string | null;
}

/** Joins continued lines and drops comments and blank lines (a parser directive is a comment too). */
function instructions(text: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(pending + line);
    pending = '';
  }
  if (pending) out.push(pending);
  return out;
}

function substitute(value: string, args: Record<string, string>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? m);
}

/** Splits leading `--flag=value` options off an instruction's arguments. */
function options(rest: string): { flags: Record<string, string[]>; body: string } {
  const flags: Record<string, string[]> = {};
  let body = rest;
  for (let m = /^--([\w-]+)=(\S+)\s+/.exec(body); m; m = /^--([\w-]+)=(\S+)\s+/.exec(body)) {
    (flags[m[1]!] ??= []).push(m[2]!);
    body = body.slice(m[0].length);
  }
  return { flags, body };
}

export function parseDockerfile(text: string): Stage[] {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of instructions(text)) {
    const [, word, rest = ''] = /^(\w+)\s*(.*)$/.exec(line) ?? [];
    const stage = stages.at(-1);
    const need = (): Stage => {
      if (!stage) throw new Error(`${word} before FROM`);
      return stage;
    };
    switch (word?.toUpperCase()) {
      case 'ARG': {
        const [name, value = ''] = rest.split('=');
        if (!stage) args[name!.trim()] = value.trim();
        break;
      }
      case 'FROM': {
        const [base, as, name] = rest.split(/\s+/);
        if (as?.toUpperCase() !== 'AS' || !name) throw new Error(`every stage is named: FROM ${rest}`);
        stages.push({ name, base: substitute(base!, args), workdir: '/', env: {}, steps: [], user: null, cmd: null, healthcheck: null });
        break;
      }
      case 'WORKDIR':
        need().workdir = rest;
        break;
      case 'ENV':
        for (const pair of rest.split(/\s+/)) {
          const eq = pair.indexOf('=');
          if (eq < 1) throw new Error(`ENV takes key=value pairs: ${rest}`);
          need().env[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        break;
      case 'COPY': {
        const { flags, body } = options(rest);
        const parts = body.split(/\s+/);
        need().steps.push({ kind: 'copy', from: flags.from?.[0] ?? null, chown: flags.chown?.[0] ?? null, sources: parts.slice(0, -1), dest: parts.at(-1)! });
        break;
      }
      case 'RUN':
        // --mount (secrets, caches) only changes what the command can see, not what it must do.
        need().steps.push({ kind: 'run', command: options(rest).body });
        break;
      case 'USER':
        need().user = rest;
        break;
      case 'CMD':
        need().cmd = JSON.parse(rest) as string[];
        break;
      case 'HEALTHCHECK':
        need().healthcheck = /\bCMD\s+(.*)$/.exec(rest)?.[1] ?? null;
        break;
      case 'EXPOSE':
        break;
      default:
        throw new Error(`instruction the stage emulation does not know: ${line}`);
    }
  }
  return stages;
}

/** One .dockerignore pattern as a regular expression over a context path (and everything under it). */
function ignoreRegExp(pattern: string): RegExp {
  const p = pattern.replace(/^\/+|\/+$/g, '');
  if (/[?[\]!]/.test(p)) throw new Error(`.dockerignore pattern the emulation does not support: ${pattern}`);
  const body = p
    .split('**')
    .map((s) => s.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('.*');
  // A pattern without a slash matches at the top only (as Docker does), unless it starts with **.
  return new RegExp(`^${body}(/.*)?$`);
}

/**
 * The build context: the repository's files as a fresh clone has them (tracked, plus new files not
 * ignored by git), less what .dockerignore excludes. Local builds (dist/, node_modules/) are not in it.
 */
export function contextFiles(root: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map(ignoreRegExp);
  return listed.filter((f) => !ignore.some((re) => re.test(f)) && existsSync(join(root, f)));
}
