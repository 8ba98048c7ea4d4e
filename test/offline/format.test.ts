import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Flusher, OutputBuffer } from '../../src/offline/format.js';

describe('OutputBuffer', () => {
  it('grows past its capacity and keeps every byte, multi-byte characters included', () => {
    const out = new OutputBuffer(8);
    const parts = Array.from({ length: 2000 }, (_, i) => `${i},é€😀\n`);
    for (const p of parts) out.write(p);
    expect(Buffer.from(out.bytes()).toString('utf8')).toBe(parts.join(''));
  });

  it('writes into memory it is given back when it is large enough', () => {
    const reuse = new ArrayBuffer(1 << 16);
    const out = new OutputBuffer(1024, reuse);
    out.write('abc');
    expect(out.bytes().buffer).toBe(reuse);
    expect(new OutputBuffer(1 << 17, reuse).bytes().buffer).not.toBe(reuse);
  });
});

describe('Flusher', () => {
  it('flushes every 64 MB written, one flush at a time, and reports a failed flush at the end', async () => {
    let calls = 0;
    let fail = true;
    const file = {
      datasync: async () => {
        calls++;
        if (fail) throw new Error('EIO: the disk went away');
      },
    } as unknown as FileHandle;
    const flusher = new Flusher(file);
    flusher.written(63 * 1024 * 1024);
    expect(calls).toBe(0);
    flusher.written(2 * 1024 * 1024);
    expect(calls).toBe(1);
    flusher.written(100 * 1024 * 1024); // the first flush is still running: no second one yet
    expect(calls).toBe(1);
    await new Promise((r) => setImmediate(r));
    fail = false;
    flusher.written(100 * 1024 * 1024); // a later flush succeeds
    expect(calls).toBe(2);
    await expect(flusher.settled()).rejects.toThrow('EIO');
  });
});
