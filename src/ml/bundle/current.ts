/**
 * Which version MODEL_DIR serves, and which it served before: one file,
 * MODEL_DIR/CURRENT, replaced whole (temp, fsync, rename), so the served
 * version and the rollback history change in one atomic step and can never
 * disagree, whatever fails or is killed in between.
 *
 *   <served version id>
 *   # versions served, oldest first; a bare rollback undoes the last one
 *   <version>
 *   ...
 *   <served version id>
 *
 * Rollback follows this history, not the order of version ids: a bare rollback
 * undoes the last change (the current version leaves the history and the one
 * served before it is served again), so repeated rollbacks walk back through
 * what was really served. The history keeps at most `keep` distinct versions
 * (KEEP_VERSIONS); pruning never removes a version it names (store.ts).
 *
 * MODEL_DIR written by earlier releases has a one-line CURRENT and a separate
 * HISTORY file: it is still read, and the first change writes the new layout
 * (and removes HISTORY, which a new-layout CURRENT makes meaningless).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleLoadError, exists, replaceFile } from './files.js';

export const CURRENT_FILE = 'CURRENT';
/** the history file of the earlier two-file layout; read, never written */
export const LEGACY_HISTORY_FILE = 'HISTORY';
export const VERSIONS_DIR = 'versions';
export const MANIFEST_FILE = 'manifest.json';
/** Entries the history keeps at most (a long run of rollbacks by name repeats versions). */
const MAX_HISTORY = 100;
const HISTORY_HEADER = '# versions served, oldest first; a bare rollback undoes the last one';

export const VERSION_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}(?:-[0-9]{3})?Z-[0-9a-f]{6}(?:-[0-9]+)?$/;

/** What MODEL_DIR serves: `history` is oldest first and always ends with `current`. */
export interface ServedState {
  current: string;
  history: string[];
}

/** A bare rollback that cannot go back (nothing served before, or it was pruned); `reason` says which. */
export class NoPreviousVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoPreviousVersionError';
  }
}

/** MODEL_DIR's served version and history, from either layout. */
export async function readState(modelDir: string): Promise<ServedState> {
  const file = join(modelDir, CURRENT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BundleLoadError(file, `${(err as NodeJS.ErrnoException).code ?? 'unreadable'} (train models with "npm run train" or set MODEL_DIR)`);
  }
  const lines = text.split('\n').map((l) => l.trim());
  const current = lines[0] ?? '';
  if (!VERSION_PATTERN.test(current)) throw new BundleLoadError(file, `"${current.slice(0, 80)}" is not a version id`);
  let history: string[];
  if (lines.slice(1).some((l) => l !== '')) {
    history = lines.slice(1).filter((l) => VERSION_PATTERN.test(l));
  } else {
    const legacy = await readFile(join(modelDir, LEGACY_HISTORY_FILE), 'utf8').catch(() => '');
    history = legacy
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => VERSION_PATTERN.test(l));
  }
  // The earlier layout wrote CURRENT before HISTORY, so its history may lag one change: CURRENT is the truth.
  if (history.at(-1) !== current) history.push(current);
  return { current, history };
}

/** The version CURRENT names. */
export async function readCurrent(modelDir: string): Promise<string> {
  return (await readState(modelDir)).current;
}

/** The versions served, oldest first, ending with the current one. */
export async function readHistory(modelDir: string): Promise<string[]> {
  return (await readState(modelDir)).history;
}

/** The shortest end of `history` naming at most `keep` distinct versions (and MAX_HISTORY entries). */
export function trimHistory(history: readonly string[], keep: number): string[] {
  const seen = new Set<string>();
  let start = history.length;
  while (start > 0 && history.length - start < MAX_HISTORY) {
    const v = history[start - 1];
    if (!seen.has(v) && seen.size >= keep) break;
    seen.add(v);
    start--;
  }
  return history.slice(start);
}

/** The state once `version` is served: it ends the history (trimmed to `keep` distinct versions). */
export function serving(before: ServedState | null, version: string, keep: number): ServedState {
  const history = before === null ? [] : [...before.history];
  if (history.at(-1) !== version) history.push(version);
  return { current: version, history: trimHistory(history, keep) };
}

/**
 * The state once the last change is undone: the version served before the current one, and the
 * history without the undone entries.
 * @throws NoPreviousVersionError when nothing was served before, or that version is no longer kept
 */
export async function undoing(modelDir: string, before: ServedState): Promise<ServedState> {
  const history = [...before.history];
  while (history.length > 0 && history.at(-1) === before.current) history.pop();
  const previous = history.at(-1);
  if (previous === undefined) throw new NoPreviousVersionError(`no version was served before ${before.current} (or KEEP_VERSIONS trimmed the history)`);
  if (!(await exists(join(modelDir, VERSIONS_DIR, previous, MANIFEST_FILE)))) {
    // Walking past it would serve something that was never served right before this one: stop and say so.
    throw new NoPreviousVersionError(`${previous}, served before ${before.current}, is no longer kept in MODEL_DIR (pruned or removed); name a kept version instead`);
  }
  return { current: previous, history };
}

function render(state: ServedState): string {
  return [state.current, HISTORY_HEADER, ...state.history].map((l) => `${l}\n`).join('');
}

/**
 * Makes `state` MODEL_DIR's served state in one atomic step (the version must exist). When this
 * throws, CURRENT is either unchanged or wholly the new state: readState tells which.
 */
export async function writeState(modelDir: string, state: ServedState): Promise<void> {
  if (!VERSION_PATTERN.test(state.current) || !(await exists(join(modelDir, VERSIONS_DIR, state.current, MANIFEST_FILE)))) {
    throw new BundleLoadError(join(modelDir, VERSIONS_DIR, state.current), 'no such version');
  }
  if (state.history.at(-1) !== state.current) throw new Error(`history must end with the served version ${state.current}`);
  await replaceFile(join(modelDir, CURRENT_FILE), render(state));
  // The new layout holds the history: the earlier layout's file would only mislead a reader.
  await rm(join(modelDir, LEGACY_HISTORY_FILE), { force: true }).catch(() => {});
}

/** Makes an existing version current (a version named by the operator) and records it. */
export async function setCurrent(modelDir: string, version: string, keep = Number.MAX_SAFE_INTEGER): Promise<void> {
  const before = await readState(modelDir).catch(() => null); // a fresh MODEL_DIR has no CURRENT yet
  await writeState(modelDir, serving(before, version, keep));
}
