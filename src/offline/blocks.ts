/**
 * A CSV file cut into blocks of bytes at record boundaries, for the scoring
 * threads of `npm run score`. The cutting works on bytes, never decoding: the
 * threads decode their own blocks, and each block is handed over (transferred,
 * not copied). A line end byte never occurs inside a multi-byte UTF-8 character,
 * so every block decodes on its own.
 *
 * A record boundary is a line end with an even number of quotes before it in
 * the block (RFC 4180: quotes inside a field come in pairs), so a quoted field
 * holding a line break is never cut.
 */
import type { FileHandle } from 'node:fs/promises';
import { CsvReader, CsvSyntaxError, MAX_RECORD_SIZE, plainFields } from '../ml/data/csv.js';
import { checkHeader } from '../ml/data/dataset.js';
import { csvCell } from './format.js';

const LF = 10;
const QUOTE = 34;

/** Bytes per block: ~1,200 dataset rows. */
export const BLOCK_BYTES = 256 * 1024;
/** Block buffers kept for reuse: as many as can be in flight. */
const SPARE_BLOCKS = 16;
/** A record may span MAX_RECORD_SIZE characters, each up to 4 bytes: past this, no boundary means a record too long. */
const MAX_RECORD_BYTES = 4 * MAX_RECORD_SIZE;

/** Where `bytes[0..length)` can be cut: the index of the last line end with an even count of quotes before it; -1 if none. */
export function lastBoundary(bytes: Buffer, length = bytes.length): number {
  let nl = bytes.lastIndexOf(LF, length - 1);
  if (nl < 0) return -1;
  const first = bytes.indexOf(QUOTE);
  if (first < 0 || first >= nl) return nl;
  let quotes = 0;
  for (let i = first; i >= 0 && i < nl; i = bytes.indexOf(QUOTE, i + 1)) quotes++;
  while (quotes % 2 === 1) {
    const prev = nl === 0 ? -1 : bytes.lastIndexOf(LF, nl - 1);
    if (prev < 0) return -1;
    for (let i = bytes.indexOf(QUOTE, prev); i >= 0 && i < nl; i = bytes.indexOf(QUOTE, i + 1)) quotes--;
    nl = prev;
  }
  return nl;
}

/** Line ends in bytes[0..length). */
export function countLines(bytes: Buffer, length = bytes.length): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0 && i < length; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

/** Reads a file from an offset as blocks that end at record boundaries (the last one at the file's end). */
export class BlockReader {
  /** bytes read past the last cut, waiting for the rest of their record */
  private carry: Buffer;
  /** blocks' memory given back by the threads, reused instead of allocating (and faulting in) more */
  private readonly spare: ArrayBuffer[] = [];
  private eof = false;
  /** the line number the next block starts on */
  line: number;

  /** @param lines cut at any line end (NDJSON: a JSON line holds no raw line break), not only outside quotes */
  constructor(
    private readonly file: FileHandle,
    private position: number,
    firstLine: number,
    private readonly lines = false,
  ) {
    this.carry = Buffer.alloc(0);
    this.line = firstLine;
  }

  /** Takes back a block's memory once its thread is done with it. */
  recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength === BLOCK_BYTES && this.spare.length < SPARE_BLOCKS) this.spare.push(buffer);
  }

  /** The next block, with the line it starts on; null at the end of the file. */
  async next(): Promise<{ bytes: Buffer; firstLine: number } | null> {
    let capacity = BLOCK_BYTES;
    for (;;) {
      // Its own ArrayBuffer, so the block can be transferred to a thread.
      const size = Math.max(capacity, this.carry.length * 2);
      const spare = size === BLOCK_BYTES ? this.spare.pop() : undefined;
      const block = spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(size);
      let filled = this.carry.copy(block);
      while (filled < block.length && !this.eof) {
        const { bytesRead } = await this.file.read(block, filled, block.length - filled, this.position);
        if (bytesRead === 0) this.eof = true;
        filled += bytesRead;
        this.position += bytesRead;
      }
      const cut = this.eof ? filled - 1 : this.lines ? block.lastIndexOf(LF, filled - 1) : lastBoundary(block, filled);
      if (cut >= 0) {
        this.carry = Buffer.from(block.subarray(cut + 1, filled));
        const firstLine = this.line;
        this.line += countLines(block, cut + 1);
        return { bytes: block.subarray(0, cut + 1), firstLine };
      }
      if (this.eof) return null; // nothing left
      if (filled > MAX_RECORD_BYTES) throw new CsvSyntaxError('is longer than the line limit', this.line);
      this.carry = block.subarray(0, filled);
      capacity = filled * 2;
    }
  }
}

/** The header row: the first line of the file (column names hold no line break), and where the data starts. */
export async function readHeader(file: FileHandle, name: string): Promise<{ header: string[]; dataStart: number }> {
  const chunk = Buffer.alloc(64 * 1024);
  let head = Buffer.alloc(0);
  for (;;) {
    const { bytesRead } = await file.read(chunk, 0, chunk.length, head.length);
    head = Buffer.concat([head, chunk.subarray(0, bytesRead)]);
    const nl = head.indexOf(10);
    if (nl >= 0 || bytesRead === 0) {
      let text = head.toString('utf8', 0, nl < 0 ? head.length : nl);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const [first] = new CsvReader().push(`${text}\n`);
      if (!first) throw new Error(`${name} has no header row`);
      checkHeader(first.fields, 1); // here, before any thread starts
      return { header: first.fields, dataStart: nl < 0 ? head.length : nl + 1 };
    }
    if (head.length > 1024 * 1024) throw new CsvSyntaxError('is longer than the line limit', 1);
  }
}

/**
 * Each record of a block of the dataset CSV, in order, with its line number, its fields and its text
 * as CSV output echoes it. A block without a quote is split a line at a time as CsvReader splits a
 * plain line, and each line is echoed as it came; a block with quotes goes through CsvReader and its
 * fields are re-quoted. One function for the scoring threads and for a job's CSV made later from its
 * NDJSON results (src/jobs/results-csv.ts), so both echo a record alike.
 */
export function eachCsvRecord(text: string, firstLine: number, take: (fields: string[], line: number, input: () => string) => void): void {
  if (text.indexOf('"') < 0) {
    let line = firstLine;
    for (let pos = 0; pos < text.length; line++) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - pos > MAX_RECORD_SIZE) throw new CsvSyntaxError('is longer than the line limit', line);
      const input = text.slice(pos, end);
      pos = nl + 1;
      const fields = plainFields(input);
      if (fields !== null) take(fields, line, () => input);
    }
  } else {
    const reader = new CsvReader({ firstLine });
    for (const { line, fields } of [...reader.push(text), ...reader.end()]) take(fields, line, () => fields.map(csvCell).join(','));
  }
}
