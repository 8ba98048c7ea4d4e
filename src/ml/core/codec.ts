/**
 * Typed arrays in JSON artifacts are stored as base64 of their little-endian
 * bytes: exact (no float formatting round trip), about 3x smaller than a list of
 * decimal numbers, and deterministic, which keeps artifacts byte-identical for
 * the same data and seed.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';

type Typed = Float64Array | Int32Array | Uint8Array;
type TypedCtor<T extends Typed> = { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number; name: string };

if (endianness() !== 'LE') {
  // Every platform Node ships for today is little-endian; refuse rather than corrupt.
  throw new Error('model artifacts assume a little-endian platform');
}

/** Encodes a typed array as base64 of its bytes. */
export function encodeArray(array: Typed): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/**
 * Decodes base64 produced by encodeArray.
 * @param expectedLength when given, a different element count is an error
 */
export function decodeArray<T extends Typed>(ctor: TypedCtor<T>, text: unknown, what: string, expectedLength?: number): T {
  if (typeof text !== 'string') throw new TypeError(`${what}: expected a base64 string`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % ctor.BYTES_PER_ELEMENT !== 0) {
    throw new RangeError(`${what}: ${bytes.length} bytes is not a whole number of ${ctor.name} elements`);
  }
  // Copy into a fresh ArrayBuffer: Buffer's pool offset need not be aligned.
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  const out = new ctor(buffer);
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new RangeError(`${what}: expected ${expectedLength} elements, found ${out.length}`);
  }
  return out;
}

/** Checks the `name` tag of a serialised model, as ml.js models do. */
export function checkName(json: unknown, name: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object') throw new TypeError(`${name}: expected an object`);
  const obj = json as Record<string, unknown>;
  if (obj.name !== name) throw new TypeError(`expected a ${name} model, found ${JSON.stringify(obj.name)}`);
  return obj;
}

/** Reads a required finite number field of a serialised model. */
export function numberField(obj: Record<string, unknown>, key: string, owner: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${owner}.${key}: expected a finite number`);
  return v;
}

/** Hex sha256 of a text or bytes: artifact checksums and dataset digests. */
export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
