/**
 * Standard scaling, (x - mean) / std, fitted on the training data. A column with
 * zero variance (this dataset has several: one protocol, one port, one session
 * length) gets a scale of 1, as scikit-learn's StandardScaler does, so it maps to
 * 0 instead of dividing by zero.
 */
import { checkName, decodeArray, encodeArray } from '../core/codec.js';
import { assertFinite, createMatrix, type Matrix } from '../core/matrix.js';

export interface StandardScalerJSON {
  name: 'StandardScaler';
  nFeatures: number;
  mean: string;
  scale: string;
}

export class StandardScaler {
  private constructor(
    readonly mean: Float64Array,
    readonly scale: Float64Array,
  ) {}

  get nFeatures(): number {
    return this.mean.length;
  }

  /** Fits means and population standard deviations column by column. */
  static fit(x: Matrix): StandardScaler {
    if (x.rows === 0) throw new RangeError('StandardScaler.fit: no rows');
    assertFinite(x, 'StandardScaler.fit');
    const mean = new Float64Array(x.cols);
    const scale = new Float64Array(x.cols);
    for (let j = 0; j < x.cols; j++) {
      let sum = 0;
      for (let i = 0; i < x.rows; i++) sum += x.data[i * x.cols + j];
      const m = sum / x.rows;
      let sq = 0;
      for (let i = 0; i < x.rows; i++) {
        const d = x.data[i * x.cols + j] - m;
        sq += d * d;
      }
      const std = Math.sqrt(sq / x.rows);
      mean[j] = m;
      // Relative tolerance: floating error can leave a constant column a std of 1e-17.
      scale[j] = std > 1e-12 * Math.max(1, Math.abs(m)) ? std : 1;
    }
    return new StandardScaler(mean, scale);
  }

  /** Scales a row in place, starting at offset. */
  transformRow(values: Float64Array, offset = 0): void {
    const n = this.mean.length;
    for (let j = 0; j < n; j++) values[offset + j] = (values[offset + j] - this.mean[j]) / this.scale[j];
  }

  /** A scaled copy of the matrix. */
  transform(x: Matrix): Matrix {
    if (x.cols !== this.nFeatures) throw new RangeError(`StandardScaler: expected ${this.nFeatures} features, got ${x.cols}`);
    const out = createMatrix(x.rows, x.cols);
    out.data.set(x.data);
    for (let i = 0; i < x.rows; i++) this.transformRow(out.data, i * x.cols);
    return out;
  }

  toJSON(): StandardScalerJSON {
    return { name: 'StandardScaler', nFeatures: this.nFeatures, mean: encodeArray(this.mean), scale: encodeArray(this.scale) };
  }

  /** @param nFeatures when given, a different feature count is an error */
  static fromJSON(json: unknown, nFeatures?: number): StandardScaler {
    const obj = checkName(json, 'StandardScaler');
    const n = obj.nFeatures;
    if (typeof n !== 'number' || (nFeatures !== undefined && n !== nFeatures)) {
      throw new RangeError(`StandardScaler: artifact has ${String(n)} features, expected ${nFeatures}`);
    }
    const mean = decodeArray(Float64Array, obj.mean, 'StandardScaler.mean', n);
    const scale = decodeArray(Float64Array, obj.scale, 'StandardScaler.scale', n);
    if (!scale.every((s) => Number.isFinite(s) && s > 0) || !mean.every(Number.isFinite)) {
      throw new RangeError('StandardScaler: mean and scale must be finite, scale positive');
    }
    return new StandardScaler(mean, scale);
  }
}
