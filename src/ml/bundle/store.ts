/**
 * Model bundles on disk.
 *
 *   MODEL_DIR/
 *     CURRENT                      the served version id, one line
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
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FORMAT, MODEL_FILES, ModelBundle, type Manifest, type ModelPart } from './bundle.js';

export const CURRENT_FILE = 'CURRENT';
export const VERSIONS_DIR = 'versions';
export const MANIFEST_FILE = 'manifest.json';
/** Versions kept on disk by default, the current one always among them. */
export const DEFAULT_KEEP = 5;

/** A bundle that cannot be loaded; `file` says which file, the message why. */
export class BundleLoadError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`cannot load model bundle: ${file}: ${reason}`);
    this.name = 'BundleLoadError';
  }
}

const VERSION_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}(?:-[0-9]{3})?Z-[0-9a-f]{6}(?:-[0-9]+)?$/;

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

async function writeDurable(path: string, data: string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Manifest fields decided by the trainer; the store adds version and files. */
export type ManifestDraft = Omit<Manifest, 'version' | 'files' | 'format'>;

/**
 * Writes a new version directory and makes it current.
 * @param keep versions kept afterwards (older ones are removed); default 5
 * @returns the new version id
 */
export async function saveVersion(
  modelDir: string,
  draft: ManifestDraft,
  artifacts: Record<ModelPart, string>,
  keep = DEFAULT_KEEP,
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
    await setCurrent(modelDir, version);
  } catch (err) {
    // Leave MODEL_DIR as it was: no temp directory, and no version CURRENT does not name.
    await rm(renamed ? final : tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
  // The new version is served from here on; failing to tidy old ones must not undo that.
  await prune(modelDir, keep).catch(() => {});
  return version;
}

/** Atomically points CURRENT at an existing version. */
export async function setCurrent(modelDir: string, version: string): Promise<void> {
  if (!VERSION_PATTERN.test(version) || !(await exists(join(modelDir, VERSIONS_DIR, version, MANIFEST_FILE)))) {
    throw new BundleLoadError(join(modelDir, VERSIONS_DIR, version), 'no such version');
  }
  const tmp = join(modelDir, `.${CURRENT_FILE}.${randomBytes(4).toString('hex')}`);
  try {
    await writeDurable(tmp, `${version}\n`);
    await rename(tmp, join(modelDir, CURRENT_FILE));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  // The switch is made (rename is atomic); a failed directory fsync only weakens durability of the
  // rename across a power cut, so it must not be reported as a failed switch.
  await syncDir(modelDir).catch(() => {});
}

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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
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

/** The version before the current one (oldest first order), or null when there is none. */
export async function previousVersion(modelDir: string): Promise<string | null> {
  const current = await readCurrent(modelDir);
  const versions = await listVersions(modelDir);
  const i = versions.indexOf(current);
  return i > 0 ? versions[i - 1] : null;
}
