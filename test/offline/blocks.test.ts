import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOCK_BYTES, BlockReader, countLines, lastBoundary } from '../../src/offline/blocks.js';

const dir = mkdtempSync(join(tmpdir(), 'blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function blocksOf(text: string): Promise<{ text: string; firstLine: number }[]> {
  const path = join(dir, `f-${Math.random()}.csv`);
  writeFileSync(path, text);
  const file = await open(path, 'r');
  try {
    const reader = new BlockReader(file, 0, 1);
    const out: { text: string; firstLine: number }[] = [];
    for (let b = await reader.next(); b !== null; b = await reader.next()) out.push({ text: b.bytes.toString('utf8'), firstLine: b.firstLine });
    return out;
  } finally {
    await file.close();
  }
}

describe('lastBoundary', () => {
  it('cuts after the last line end outside quotes', () => {
    expect(lastBoundary(Buffer.from('a,b\n1,2\n3,"x\ny"\n4'))).toBe(15);
    expect(lastBoundary(Buffer.from('a,b\n1,"x\ny'))).toBe(3);
    expect(lastBoundary(Buffer.from('no line end'))).toBe(-1);
    expect(lastBoundary(Buffer.from('"a\nb\nc'))).toBe(-1);
    expect(lastBoundary(Buffer.from('1,2\n3,4\n'), 5)).toBe(3);
    expect(countLines(Buffer.from('1\n2\n3'))).toBe(2);
  });
});

describe('BlockReader', () => {
  it('gives back the file whole, in blocks that end at record boundaries, with their first lines', async () => {
    // Multi-byte characters and quoted line breaks across many blocks.
    const rows = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `${i},"é ""q""\nnext line",€` : `${i},plain,ü`));
    const text = `${rows.join('\n')}\n`;
    const blocks = await blocksOf(text);
    expect(blocks.length).toBeGreaterThan(Buffer.byteLength(text) / BLOCK_BYTES - 1);
    expect(blocks.map((b) => b.text).join('')).toBe(text);
    let line = 1;
    for (const b of blocks) {
      expect(b.firstLine).toBe(line);
      expect(b.text.endsWith('\n')).toBe(true);
      expect((b.text.match(/"/g) ?? []).length % 2).toBe(0);
      line += (b.text.match(/\n/g) ?? []).length;
    }
  });

  it('reads a record longer than a block, and ends on a last line with no line end', async () => {
    const long = 'x'.repeat(BLOCK_BYTES + 10);
    const blocks = await blocksOf(`a\n${long}\nb`);
    expect(blocks.map((b) => b.text).join('')).toBe(`a\n${long}\nb`);
  });

  it('refuses a record past the line limit instead of reading the file into memory', async () => {
    await expect(blocksOf(`a\n"${'x'.repeat(2 * 1024 * 1024)}`)).rejects.toThrow('CSV line 2: is longer than the line limit');
  });

  it('gives nothing for an empty file', async () => {
    expect(await blocksOf('')).toEqual([]);
  });
});
