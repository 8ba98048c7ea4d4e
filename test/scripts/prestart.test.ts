/**
 * scripts/prestart.mjs (run by `npm start`): builds when the build's inputs changed, and only then.
 * Run in a small project of its own whose build counts its runs, so the test sees whether it built.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.js';

const PRESTART = join(ROOT, 'scripts', 'prestart.mjs');
let dir: string;

// The build writes dist/src/server.js and appends a line to builds.log each time it runs; BREAK in the
// environment makes it fail.
const BUILD =
  "node -e \"const fs=require('fs');if(process.env.BREAK)process.exit(3);fs.mkdirSync('dist/src',{recursive:true});fs.writeFileSync('dist/src/server.js','');fs.appendFileSync('builds.log','x\\n')\"";

function prestart(env: Record<string, string> = {}): { status: number | null; out: string; builds: number } {
  const r = spawnSync(process.execPath, [PRESTART], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  let builds = 0;
  try {
    builds = readFileSync(join(dir, 'builds.log'), 'utf8').trim().split('\n').length;
  } catch {}
  return { status: r.status, out: r.stdout + r.stderr, builds };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prestart-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', scripts: { build: BUILD } }));
  for (const d of ['src', 'web']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'src', 'server.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'web', 'index.html'), '<title>t</title>\n');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start builds only when the sources changed', () => {
  it('builds the first time, then not while nothing changed, not even when a file is touched', () => {
    expect(prestart()).toMatchObject({ status: 0, builds: 1 });
    const second = prestart();
    expect(second).toMatchObject({ status: 0, builds: 1 });
    expect(second.out).toContain('the build is current');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'server.ts'), later, later);
    expect(prestart()).toMatchObject({ status: 0, builds: 1 });
  });

  it('builds again when a source, the console or a new file changes, or when dist/ is gone', () => {
    prestart();
    writeFileSync(join(dir, 'src', 'server.ts'), 'export const a = 2;\n');
    expect(prestart().builds).toBe(2);
    writeFileSync(join(dir, 'web', 'index.html'), '<title>u</title>\n');
    expect(prestart().builds).toBe(3);
    writeFileSync(join(dir, 'src', 'new.ts'), 'export {};\n');
    expect(prestart().builds).toBe(4);
    rmSync(join(dir, 'dist', 'src'), { recursive: true });
    expect(prestart().builds).toBe(5);
    expect(prestart().builds).toBe(5);
  });

  it('fails with the build, and keeps no stamp, so the next start builds again', () => {
    const failed = prestart({ BREAK: '1' });
    expect(failed.status).toBe(3);
    expect(prestart()).toMatchObject({ status: 0, builds: 1 });
  });
});
