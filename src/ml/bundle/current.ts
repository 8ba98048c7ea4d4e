/**
 * Which version MODEL_DIR serves, and which it served before.
 *
 *   MODEL_DIR/CURRENT   the served version id, one line: the truth
 *   MODEL_DIR/HISTORY   the versions made current, oldest first, one per line (the last 100)
 *
 * Rollback follows HISTORY, not the order of version ids: a bare rollback
 * undoes the last change (the current version leaves HISTORY and the one
 * served before it is served again), so repeated rollbacks walk back through
 * what was really served, and a newer version can always be served again by
 * naming it. Both files are replaced whole (temp, fsync, rename), CURRENT
 * first: a crash between the two leaves HISTORY one change behind, and
 * readHistory makes up for it by ending the history with CURRENT.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleLoadError, exists, replaceFile } from './files.js';

export const CURRENT_FILE = 'CURRENT';
export const HISTORY_FILE = 'HISTORY';
export const VERSIONS_DIR = 'versions';
export const MANIFEST_FILE = 'manifest.json';
/** Entries HISTORY keeps. */
const MAX_HISTORY = 100;

export const VERSION_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}(?:-[0-9]{3})?Z-[0-9a-f]{6}(?:-[0-9]+)?$/;

/** The version CURRENT names. */
export async function readCurrent(modelDir: string): Promise<string> {
  const file = join(modelDir, CURRENT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BundleLoadError(file, `${(err as NodeJS.ErrnoException).code ?? 'unreadable'} (train models with "npm run train" or set MODEL_DIR)`);
  }
  const version = text.trim();
  if (!VERSION_PATTERN.test(version)) throw new BundleLoadError(file, `"${version.slice(0, 80)}" is not a version id`);
  return version;
}

/** The versions served, oldest first, ending with the current one. */
export async function readHistory(modelDir: string): Promise<string[]> {
  const current = await readCurrent(modelDir);
  const text = await readFile(join(modelDir, HISTORY_FILE), 'utf8').catch(() => '');
  const history = text.split('\n').filter((l) => VERSION_PATTERN.test(l));
  if (history.at(-1) !== current) history.push(current);
  return history;
}

async function writeHistory(modelDir: string, history: string[]): Promise<void> {
  await replaceFile(join(modelDir, HISTORY_FILE), history.slice(-MAX_HISTORY).map((v) => `${v}\n`).join(''));
}

async function switchCurrent(modelDir: string, version: string): Promise<void> {
  if (!VERSION_PATTERN.test(version) || !(await exists(join(modelDir, VERSIONS_DIR, version, MANIFEST_FILE)))) {
    throw new BundleLoadError(join(modelDir, VERSIONS_DIR, version), 'no such version');
  }
  await replaceFile(join(modelDir, CURRENT_FILE), `${version}\n`);
}

/** Makes an existing version current (a new training, or a version named by the operator) and records it. */
export async function setCurrent(modelDir: string, version: string): Promise<void> {
  const before = await readHistory(modelDir).catch(() => [] as string[]); // a fresh MODEL_DIR has no CURRENT yet
  await switchCurrent(modelDir, version);
  if (before.at(-1) !== version) await writeHistory(modelDir, [...before, version]);
}

/**
 * The version served before the current one that is still kept, and the history once the current
 * version is undone; null when there is none.
 */
export async function previousServed(modelDir: string, kept: readonly string[]): Promise<{ version: string; history: string[] } | null> {
  const history = await readHistory(modelDir);
  const current = history.pop()!;
  while (history.length > 0 && (history.at(-1) === current || !kept.includes(history.at(-1)!))) history.pop();
  return history.length === 0 ? null : { version: history.at(-1)!, history };
}

/** Undoes the last change: serves `previous.version` again and drops the undone entries from HISTORY. */
export async function restorePrevious(modelDir: string, previous: { version: string; history: string[] }): Promise<void> {
  await switchCurrent(modelDir, previous.version);
  await writeHistory(modelDir, previous.history);
}
