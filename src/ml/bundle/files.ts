/**
 * Durable file writes for MODEL_DIR: nothing is ever half-written. A file is
 * written under a temporary name, fsynced, then renamed over its target, and
 * the directory is fsynced so the rename survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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

/** Writes a new file (it must not exist) and fsyncs it. */
export async function writeDurable(path: string, data: string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces path with data atomically: temp file, fsync, rename, directory fsync. */
export async function replaceFile(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${path.slice(dir.length + 1)}.${randomBytes(4).toString('hex')}`);
  try {
    await writeDurable(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  // The switch is made (rename is atomic); a failed directory fsync only weakens durability of the
  // rename across a power cut, so it must not be reported as a failed switch.
  await syncDir(dir).catch(() => {});
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
