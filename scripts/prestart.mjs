// `npm start` runs this first: it builds (npm run build) only when what the build reads changed since
// the last build it made, so a start with a current build takes seconds, not a 20 s rebuild. The
// build's inputs are hashed (contents, not times: a checkout or a touch that changes nothing does not
// rebuild) and the hash kept in dist/.build-stamp, written only after a build that succeeded.
// Plain JavaScript: it has to run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd(); // npm runs lifecycle scripts in the package's directory
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', 'web'];
const STAMP = join(root, 'dist', '.build-stamp');
const BUILT = join(root, 'dist', 'src', 'server.js');

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

const hash = createHash('sha256');
for (const file of INPUTS.flatMap((p) => files(join(root, p)))) {
  hash.update(`${file.slice(root.length)}\0`);
  hash.update(readFileSync(file));
  hash.update('\0');
}
const digest = hash.digest('hex');

if (existsSync(BUILT) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === digest) {
  process.stdout.write('the build is current (sources unchanged since the last npm start): not rebuilding\n');
  process.exit(0);
}

process.stdout.write('sources changed since the last build: npm run build\n');
// npm_execpath is the npm running this script; `npm` on PATH when run by hand.
const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath, 'run', 'build']] : ['npm', ['run', 'build']];
const build = spawnSync(npm[0], npm[1], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const tmp = `${STAMP}.tmp`;
const fd = openSync(tmp, 'w');
writeSync(fd, `${digest}\n`);
fsyncSync(fd);
closeSync(fd);
renameSync(tmp, STAMP);
