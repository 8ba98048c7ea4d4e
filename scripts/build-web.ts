/**
 * Part of npm run build: the console (web/) and the one library it loads
 * (Chart.js) into dist/web, each text file beside its gzip, which the service
 * sends to clients that accept it. Prints what a browser downloads, gzipped;
 * fails the build past the budget of 300 KB of JavaScript and CSS.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../src/paths.js';

const OUT = join(PROJECT_ROOT, 'dist', 'web');
const BUDGET = 300 * 1024;

rmSync(OUT, { recursive: true, force: true });
cpSync(join(PROJECT_ROOT, 'web'), OUT, { recursive: true });
mkdirSync(join(OUT, 'vendor'), { recursive: true });
cpSync(join(PROJECT_ROOT, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'), join(OUT, 'vendor', 'chart.umd.min.js'));
// The log formats' detection rules, as tsc compiled them beside this script: one source for the service and the console.
cpSync(join(import.meta.dirname, '..', 'src', 'ml', 'data', 'formats', 'sniff.js'), join(OUT, 'js', 'sniff.js'));
// The comparison's rows, likewise one list for `npm run train` and the console's train form.
cpSync(join(import.meta.dirname, '..', 'src', 'ml', 'bundle', 'comparison-figures.js'), join(OUT, 'js', 'comparison-figures.js'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

let jsCss = 0;
const lines: string[] = [];
for (const file of files(OUT)) {
  if (!/\.(js|css|html)$/.test(file)) continue;
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(`${file}.gz`, gz);
  if (/\.(js|css)$/.test(file)) jsCss += gz.length;
  lines.push(`  ${relative(OUT, file).padEnd(32)} ${String(raw.length).padStart(8)} B  ${String(gz.length).padStart(7)} B gzipped`);
}
process.stdout.write(`console built in ${relative(PROJECT_ROOT, OUT)}:\n${lines.join('\n')}\n`);
process.stdout.write(`JavaScript and CSS sent, gzipped: ${(jsCss / 1024).toFixed(1)} KB (budget ${BUDGET / 1024} KB)\n`);
if (jsCss > BUDGET) {
  process.stderr.write('the console is over its size budget\n');
  process.exit(1);
}
