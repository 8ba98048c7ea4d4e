/**
 * Text to numbered lines, for the line formats (every log here is one record a line): a BOM dropped,
 * CRLF or LF, blank lines skipped, a line longer than the limit refused with its number.
 */
import { RecordError, type TrafficRecord } from '../record.js';
import type { BadRecordHandler } from './types.js';

export const MAX_LINE = 64 * 1024;

export class LineSplitter {
  private buffer = '';
  private line = 0;
  private started = false;

  /** @param onBad skip mode: a bad line's error is handed here (placed at its line) and the line left out */
  constructor(
    private readonly format: string,
    private readonly maxLine = MAX_LINE,
    private readonly onBad?: BadRecordHandler,
  ) {}

  /** Calls `each` for every complete non-blank line; `final` takes the last line without its line end. */
  push(text: string, final: boolean, each: (line: string, n: number) => void): void {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      // UTF-16 reads as every other character NUL: name it instead of failing on a field.
      if (text.length > 1 && (text.charCodeAt(0) === 0 || text.charCodeAt(1) === 0 || text.charCodeAt(0) === 0xfffd)) {
        throw new RecordError('file', 'must be UTF-8 text; it looks UTF-16 encoded').at(`${this.format} line 1`);
      }
    }
    this.buffer += text;
    const buf = this.buffer;
    let pos = 0;
    for (;;) {
      let nl = buf.indexOf('\n', pos);
      if (nl < 0) {
        if (!final || pos >= buf.length) break;
        nl = buf.length;
      }
      this.line++;
      const end = nl > pos && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - pos > this.maxLine) throw new RecordError('line', `must be at most ${this.maxLine} characters`).at(this.where(this.line));
      const line = buf.slice(pos, end);
      pos = nl + 1;
      // A line starting with a visible ASCII character is not blank: trim() only for the others.
      const first = line.charCodeAt(0);
      if (line.length === 0 || ((first <= 32 || first >= 127) && line.trim() === '')) continue;
      each(line, this.line);
    }
    this.buffer = buf.slice(pos);
    if (this.buffer.length > this.maxLine) throw new RecordError('line', `must be at most ${this.maxLine} characters`).at(this.where(this.line + 1));
  }

  where(n: number): string {
    return `${this.format} line ${n}`;
  }

  /** Runs `fn`, placing a RecordError it throws at line `n` (the place is written only then: not for every line read). */
  at<T>(n: number, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RecordError && err.location === undefined) throw err.at(this.where(n));
      throw err;
    }
  }

  /**
   * The record(s) of line `n` made by `fn`, its error placed at the line. In skip mode a bad line is
   * reported (the offending value, or the line itself when the check had none) and null returned.
   */
  record<T>(n: number, line: string, fn: () => T): T | null {
    try {
      return this.at(n, fn);
    } catch (err) {
      if (this.onBad === undefined || !(err instanceof RecordError)) throw err;
      this.onBad(err, n, (field) => (field === err.field && err.value !== undefined ? err.value : line));
      return null;
    }
  }
}

/** A reader of one record per line, for formats with no state across lines but an optional header. */
export abstract class LineReader {
  protected readonly lines: LineSplitter;
  readonly skipped: Record<string, number> = {};
  readonly notes: Record<string, number> = {};

  constructor(format: string, maxLine?: number, onBad?: BadRecordHandler) {
    this.lines = new LineSplitter(format, maxLine, onBad);
  }

  /** The record of one line, or null when the line is skipped (a header, a comment). */
  protected abstract parseLine(line: string, n: number): TrafficRecord | null;

  push(text: string): TrafficRecord[] {
    return this.take(text, false);
  }

  end(): TrafficRecord[] {
    return this.take('', true);
  }

  protected skip(reason: string): null {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
    return null;
  }

  private take(text: string, final: boolean): TrafficRecord[] {
    const out: TrafficRecord[] = [];
    this.lines.push(text, final, (line, n) => {
      const r = this.lines.record(n, line, () => this.parseLine(line, n));
      if (r !== null) out.push(r);
    });
    return out;
  }
}
