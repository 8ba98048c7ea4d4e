import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../src/http/spool.js';

describe('Spool', () => {
  it('keeps what the reader has not taken in memory up to its bound, the rest on disk, and gives it all back in order', async () => {
    const spool = new Spool(1000);
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`);
    for (const l of lines) await spool.add(l); // nobody reads meanwhile: adding never waits
    expect(spool.backlog).toBe(lines.join('').length);
    spool.finish();
    expect(await text(spool)).toBe(lines.join(''));
  });

  it('goes back to memory once the reader caught up, keeping the order', async () => {
    const spool = new Spool(100);
    const out: string[] = [];
    spool.on('data', (c: Buffer) => out.push(c.toString()));
    const expected: string[] = [];
    for (let round = 0; round < 20; round++) {
      spool.pause();
      for (let i = 0; i < 50; i++) {
        const l = `r${round} l${i}\n`;
        expected.push(l);
        await spool.add(l);
      }
      spool.resume();
      await new Promise((r) => setTimeout(r, 5));
    }
    spool.finish();
    await new Promise((r) => spool.once('end', r));
    expect(out.join('')).toBe(expected.join(''));
  });
});
