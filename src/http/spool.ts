/**
 * A response body that never makes its producer wait for the client. A client
 * that sends its whole request before reading the answer (browsers' fetch over
 * HTTP/1.1, urllib, HttpURLConnection) does not read while it uploads; if the
 * producer waited for it (backpressure), it would stop reading the request, and
 * both sides would wait until the request timeout. So output the client has not
 * read yet is kept: in memory up to `memoryBytes`, past that in a temporary file
 * (unlinked as soon as it is opened, so nothing outlives the process), and sent
 * as the client reads. A client that reads as it sends keeps the spool empty.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** Bytes read from the file per push. */
const READ_BYTES = 1024 * 1024;

export class Spool extends Readable {
  private readonly memory: Buffer[] = [];
  private memoryUsed = 0;
  private file: FileHandle | null = null;
  /** bytes written to the file, and read back from it */
  private written = 0;
  private read_ = 0;
  /** a write to the file in progress (the file is not given up while one is) */
  private writing = false;
  private ended = false;
  private wanted = false;
  private feeding = false;

  constructor(private readonly memoryBytes: number) {
    super();
  }

  /** Bytes waiting for the client, in memory and on disk. */
  get backlog(): number {
    return this.memoryUsed + (this.written - this.read_);
  }

  /** Adds output. Resolves once it is kept (never waits for the client); call it one at a time. */
  async add(text: string): Promise<void> {
    if (this.destroyed) return;
    const bytes = Buffer.from(text);
    if (this.file === null && this.memoryUsed + bytes.length <= this.memoryBytes) {
      this.memory.push(bytes);
      this.memoryUsed += bytes.length;
    } else {
      this.writing = true;
      try {
        if (this.file === null) {
          const path = join(tmpdir(), `tts-spool-${process.pid}-${randomBytes(8).toString('hex')}`);
          this.file = await open(path, 'wx+');
          await rm(path); // the open handle keeps it; nothing is left behind whatever happens
        }
        await this.file.write(bytes, 0, bytes.length, this.written);
        this.written += bytes.length;
      } finally {
        this.writing = false;
      }
    }
    void this.feed();
  }

  /** No more output: the stream ends once the client has read it all. */
  finish(): void {
    this.ended = true;
    void this.feed();
  }

  override _read(): void {
    this.wanted = true;
    void this.feed();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const file = this.file;
    this.file = null;
    if (file === null) return callback(err);
    file.close().then(
      () => callback(err),
      () => callback(err),
    );
  }

  /** Pushes what the client may take now: memory first (it was written first), then the file. */
  private async feed(): Promise<void> {
    if (this.feeding) return;
    this.feeding = true;
    try {
      while (this.wanted && !this.destroyed) {
        const next = this.memory.shift();
        if (next !== undefined) {
          this.memoryUsed -= next.length;
          this.wanted = this.push(next);
          continue;
        }
        if (this.file !== null && this.read_ < this.written) {
          const length = Math.min(READ_BYTES, this.written - this.read_);
          const { bytesRead, buffer } = await this.file.read(Buffer.allocUnsafe(length), 0, length, this.read_);
          this.read_ += bytesRead;
          if (!this.destroyed) this.wanted = this.push(buffer.subarray(0, bytesRead));
          continue;
        }
        if (this.file !== null && !this.writing) {
          // The client caught up: back to memory, the file given up.
          const file = this.file;
          this.file = null;
          this.written = this.read_ = 0;
          await file.close();
          continue;
        }
        if (this.ended && this.file === null && this.memory.length === 0) {
          this.push(null);
          this.wanted = false;
        }
        break;
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.feeding = false;
    }
  }
}
