/**
 * Model bundles on disk.
 *
 *   MODEL_DIR/
 *     CURRENT                      the served version id, one line (current.ts)
 *     HISTORY                      the versions served, for rollback (current.ts)
 *     versions/<version>/          manifest.json + one file per model
 *
 * Nothing is ever half-written: a version is written into a temporary directory,
 * every file fsynced, the directory renamed into place, and only then is CURRENT
 * replaced, itself through a temp file, fsync and rename. A crash at any instant
 * leaves CURRENT naming a complete version. Loading checks every file's sha256
 * against the manifest, then each model's name tag and feature count, and
 * builds the bundle only when all of it is sound.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../core/codec.js';
import { BUNDLE_FORMAT, MODEL_FILES, ModelBundle, type ModelPart } from './bundle.js';
import type { Manifest, ManifestDraft } from './manifest.js';

import { MANIFEST_FILE, readCurrent, setCurrent, VERSION_PATTERN, VERSIONS_DIR } from './current.js';
import { BundleLoadError, exists, syncDir, writeDurable } from './files.js';

export { BundleLoadError } from './files.js';
export { readCurrent, setCurrent } from './current.js';
/** Versions kept on disk by default, the current one always among them. */
export const DEFAULT_KEEP = 5;

/**
 * Writes a new version directory and makes it current (unless options.makeCurrent is false).
 * @param keep versions kept afterwards (older ones are removed); default 5
 * @returns the new version id
 */
export async function saveVersion(
  modelDir: string,
  draft: ManifestDraft,
  artifacts: Record<ModelPart, string>,
  keep = DEFAULT_KEEP,
  /** runs right before the version is made current (the training lock's fencing check); a throw aborts the save */
  beforeCommit?: () => Promise<void>,
  /** makeCurrent false: written and kept (a candidate, servable with POST /model/rollback), CURRENT untouched */
  options: { makeCurrent?: boolean } = {},
): Promise<string> {
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
    await beforeCommit?.();
    if (options.makeCurrent !== false) await setCurrent(modelDir, version);
  } catch (err) {
    // Leave MODEL_DIR as it was: no temp directory, and no version CURRENT does not name.
    await rm(renamed ? final : tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
  // The new version is served from here on; failing to tidy old ones must not undo that.
  await prune(modelDir, keep).catch(() => {});
  return version;
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

/** Removes versions beyond the newest `keep` (never the current one) and stale temp dirs. */
async function prune(modelDir: string, keep: number): Promise<void> {
  const current = await readCurrent(modelDir);
  const versions = await listVersions(modelDir);
  const doomed = versions.slice(0, Math.max(0, versions.length - keep)).filter((v) => v !== current);
  for (const v of doomed) await rm(join(modelDir, VERSIONS_DIR, v), { recursive: true, force: true });
  const hour = 3600_000;
  for (const name of await readdir(join(modelDir, VERSIONS_DIR))) {
    if (!name.startsWith('.tmp-')) continue;
    const path = join(modelDir, VERSIONS_DIR, name);
    // Only old leftovers: another process sharing MODEL_DIR may be writing a fresh one.
    const s = await stat(path).catch(() => null);
    if (s && Date.now() - s.mtimeMs > hour) await rm(path, { recursive: true, force: true });
  }
}

