/**
 * Model bundles on disk.
 *
 *   MODEL_DIR/
 *     CURRENT                      the served version and the rollback history, one file (current.ts)
 *     versions/<version>/          manifest.json + one file per model
 *
 * Nothing is ever half-written: a version is written into a temporary directory,
 * every file fsynced, the directory renamed into place, and only then is CURRENT
 * replaced, itself through a temp file, fsync and rename: one atomic step that
 * switches the served version and its history together. A crash at any instant
 * leaves CURRENT naming a complete version. When that step fails, CURRENT is read
 * again to tell what happened: a version CURRENT may name is never removed, and
 * the error says whether the previous version is still served. Loading checks
 * every file's sha256 against the manifest, then each model's name tag and
 * feature count, and builds the bundle only when all of it is sound.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../core/codec.js';
import { BUNDLE_FORMAT, MODEL_FILES, ModelBundle, type ModelPart } from './bundle.js';
import type { Manifest, ManifestDraft } from './manifest.js';

import { MANIFEST_FILE, readCurrent, readState, type ServedState, serving, undoing, VERSION_PATTERN, VERSIONS_DIR, writeState } from './current.js';
import { BundleLoadError, exists, syncDir, writeDurable } from './files.js';

export { BundleLoadError } from './files.js';
export { NoPreviousVersionError, readCurrent, readHistory, readState, setCurrent } from './current.js';
export type { ServedState } from './current.js';
/** Versions kept on disk by default, the current one always among them. */
export const DEFAULT_KEEP = 5;

/**
 * A change of the served version that failed. `served` is what CURRENT names after the failure:
 * the version served before (nothing changed), or null when CURRENT cannot be read and the outcome
 * is unknown.
 */
export class CommitError extends Error {
  readonly code: string;
  constructor(
    cause: Error,
    readonly served: string | null,
  ) {
    super(served === null ? `${cause.message}; CURRENT cannot be read back, so whether the change took effect is unknown` : `${cause.message}; ${served} is still served`, { cause });
    this.name = 'CommitError';
    this.code = served === null ? 'EUNKNOWN' : ((cause as NodeJS.ErrnoException).code ?? 'EIO');
  }
}

/**
 * Writes `next` as MODEL_DIR's served state. Returns normally when CURRENT names next.current
 * afterwards (also when the rename took effect but reported a failure).
 * @throws CommitError saying what is served after the failure
 */
export async function commitState(modelDir: string, next: ServedState, beforeCommit?: () => Promise<void>): Promise<void> {
  await beforeCommit?.();
  try {
    await writeState(modelDir, next);
  } catch (err) {
    const now = await readCurrent(modelDir).catch((e: Error) => ((e as NodeJS.ErrnoException).code === 'ENOENT' ? '' : null));
    if (now === next.current) return;
    throw new CommitError(err as Error, now === '' ? 'no version' : now);
  }
}

export interface SaveOptions {
  /** versions kept afterwards (older ones not in the rollback history are removed); default 5 */
  keep?: number;
  /** runs right before the version is made current (the training lock's fencing check); a throw aborts the save */
  beforeCommit?: () => Promise<void>;
  /** false: write the version without serving it (it is kept through this save's pruning); default true */
  makeCurrent?: boolean;
}

/**
 * Writes a new version directory and (unless makeCurrent is false) makes it current.
 * @returns the new version id
 * @throws CommitError when the version could not be made current (and says what is served)
 */
export async function saveVersion(modelDir: string, draft: ManifestDraft, artifacts: Record<ModelPart, string>, options: SaveOptions = {}): Promise<string> {
  const { keep = DEFAULT_KEEP, beforeCommit, makeCurrent = true } = options;
  const versionsDir = join(modelDir, VERSIONS_DIR);
  await mkdir(versionsDir, { recursive: true });
  const files: Manifest['files'] = {};
  const digest = createHash('sha256');
  for (const part of Object.keys(MODEL_FILES) as ModelPart[]) {
    files[MODEL_FILES[part]] = { sha256: sha256(artifacts[part]), bytes: Buffer.byteLength(artifacts[part]) };
    digest.update(artifacts[part]);
  }
  const stamp = draft.trained_at.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  let version = `${stamp}-${digest.digest('hex').slice(0, 6)}`;
  for (let k = 2; await exists(join(versionsDir, version)); k++) version = `${version.replace(/-\d+$/, '')}-${k}`;
  const manifest: Manifest = { format: BUNDLE_FORMAT, version, ...draft, files };

  const tmp = join(versionsDir, `.tmp-${version}-${randomBytes(4).toString('hex')}`);
  const final = join(versionsDir, version);
  let renamed = false;
  try {
    await mkdir(tmp);
    for (const part of Object.keys(MODEL_FILES) as ModelPart[]) await writeDurable(join(tmp, MODEL_FILES[part]), artifacts[part]);
    await writeDurable(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await syncDir(tmp);
    await rename(tmp, final);
    renamed = true;
    await syncDir(versionsDir);
    if (makeCurrent) {
      const before = await readState(modelDir).catch(() => null); // a fresh MODEL_DIR has no CURRENT yet
      await commitState(modelDir, serving(before, version, keep), beforeCommit);
    }
  } catch (err) {
    // Leave MODEL_DIR as it was: no temp directory, and no version CURRENT does not name. When the
    // outcome is unknown, CURRENT may name the new version: it stays.
    if (!(err instanceof CommitError && err.served === null)) await rm(renamed ? final : tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
  // The new version is served from here on; failing to tidy old ones must not undo that.
  await prune(modelDir, keep, [version]).catch(() => {});
  return version;
}

/**
 * Serves an earlier version again, loaded and checked first: `version` when given (it must be
 * kept), otherwise the one served before the current one (undoing the last change).
 * @throws NoPreviousVersionError for a bare rollback with nothing (kept) to go back to
 * @throws CommitError when the switch failed (and says what is served)
 */
export async function rollback(modelDir: string, options: { version?: string; keep?: number; beforeCommit?: () => Promise<void> } = {}): Promise<{ bundle: ModelBundle; previous: string }> {
  const before = await readState(modelDir);
  const next = options.version === undefined ? await undoing(modelDir, before) : serving(before, options.version, options.keep ?? DEFAULT_KEEP);
  const bundle = await loadVersion(modelDir, next.current); // never switch to a version that does not load
  await commitState(modelDir, next, options.beforeCommit);
  return { bundle, previous: before.current };
}

/** Complete versions on disk, oldest first (ids begin with their UTC timestamp). */
export async function listVersions(modelDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(modelDir, VERSIONS_DIR));
  } catch {
    return [];
  }
  return names.filter((n) => VERSION_PATTERN.test(n)).sort();
}

/** Loads and checks the version CURRENT names. */
export async function loadCurrent(modelDir: string): Promise<ModelBundle> {
  return loadVersion(modelDir, await readCurrent(modelDir));
}

/** Loads and checks one version; never returns a partly loaded bundle. */
export async function loadVersion(modelDir: string, version: string): Promise<ModelBundle> {
  const dir = join(modelDir, VERSIONS_DIR, version);
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifest = parseJson(manifestPath, await readText(manifestPath)) as Manifest;
  if (manifest?.format !== BUNDLE_FORMAT) throw new BundleLoadError(manifestPath, `format ${String(manifest?.format)} is not ${BUNDLE_FORMAT}`);
  if (manifest.version !== version) throw new BundleLoadError(manifestPath, `names version ${manifest.version}, expected ${version}`);
  const json = {} as Record<ModelPart, unknown>;
  for (const part of Object.keys(MODEL_FILES) as ModelPart[]) {
    const name = MODEL_FILES[part];
    const path = join(dir, name);
    const text = await readText(path);
    const expected = manifest.files?.[name];
    if (!expected) throw new BundleLoadError(manifestPath, `lists no ${name}`);
    if (sha256(text) !== expected.sha256) throw new BundleLoadError(path, 'sha256 differs from the manifest (truncated or modified)');
    json[part] = parseJson(path, text);
  }
  try {
    return ModelBundle.fromArtifacts(manifest, json);
  } catch (err) {
    throw new BundleLoadError(dir, (err as Error).message);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new BundleLoadError(path, (err as NodeJS.ErrnoException).code ?? 'unreadable');
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BundleLoadError(path, `invalid JSON (${(err as Error).message})`);
  }
}

/**
 * Removes what no rollback can reach: versions neither in CURRENT's history (which names at most
 * `keep` distinct versions) nor among the newest `keep` by id, and stale temp dirs. The history is
 * protected whatever the ids say (clock skew between hosts, rollbacks by name).
 */
async function prune(modelDir: string, keep: number, alsoKeep: readonly string[]): Promise<void> {
  const state = await readState(modelDir);
  const kept = new Set([state.current, ...state.history, ...alsoKeep]);
  const versions = await listVersions(modelDir);
  for (const v of [...versions].reverse()) if (kept.size < keep) kept.add(v);
  for (const v of versions) if (!kept.has(v)) await rm(join(modelDir, VERSIONS_DIR, v), { recursive: true, force: true });
  const hour = 3600_000;
  for (const name of await readdir(join(modelDir, VERSIONS_DIR))) {
    if (!name.startsWith('.tmp-')) continue;
    const path = join(modelDir, VERSIONS_DIR, name);
    // Only old leftovers: another process sharing MODEL_DIR may be writing a fresh one.
    const s = await stat(path).catch(() => null);
    if (s && Date.now() - s.mtimeMs > hour) await rm(path, { recursive: true, force: true });
  }
}
