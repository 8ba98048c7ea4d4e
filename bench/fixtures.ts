/**
 * Dataset-shaped CSV files of any size for the benchmarks: the 282 real rows
 * replayed with seeded noise (bytes scaled by a log-normal factor, sessions
 * moved by whole hours), so the value ranges and the mix of normal and
 * suspicious sessions stay those of the real data. The same n gives the same file.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFileSync } from 'node:fs';
import { Random } from '../src/ml/core/random.js';
import { DATASET_PATH } from '../src/paths.js';

export async function writeDatasetShaped(path: string, n: number, seed = 5): Promise<void> {
  const [header, ...rows] = readFileSync(DATASET_PATH, 'utf8').trim().split('\n');
  const parsed = rows.map((r) => r.split(','));
  const rng = new Random(seed);
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const f = [...parsed[i % parsed.length]];
    const scale = Math.exp((rng.nextFloat() - 0.5) * 0.6);
    f[0] = String(Math.max(0, Math.round(Number(f[0]) * scale)));
    f[1] = String(Math.max(0, Math.round(Number(f[1]) * scale)));
    const shift = rng.nextInt(48) * 3_600_000;
    for (const k of [2, 3, 14]) f[k] = new Date(Date.parse(f[k]) + shift).toISOString().replace('.000Z', 'Z');
    chunk += `${f.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
