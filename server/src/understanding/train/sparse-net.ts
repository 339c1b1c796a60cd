import type { SparseVector } from '../features';

/**
 * A small network over sparse TF-IDF input, trained here with plain SGD: logits = W2 · relu(W1ᵀx + b1) + b2, or
 * the linear model logits = W1ᵀx + b1 when `hidden` is 0. Everything is seeded and sequential, so training twice
 * gives the same weights to the bit.
 */
export interface NetOptions {
  hidden: number;
  epochs: number;
  lr: number;
  /** dropout on the hidden layer while training */
  dropout: number;
  /** L2 penalty on W2 / the linear weights, applied per step */
  l2: number;
  seed: number;
  classWeights?: number[];
}

export interface SparseNet {
  inputs: number;
  hidden: number;
  classes: number;
  w1: Float32Array; // inputs × (hidden || classes)
  b1: Float32Array;
  w2: Float32Array; // hidden × classes (empty when linear)
  b2: Float32Array;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function softmaxInPlace(z: Float64Array): void {
  let m = -Infinity;
  for (const v of z) if (v > m) m = v;
  let s = 0;
  for (let i = 0; i < z.length; i++) s += z[i] = Math.exp(z[i] - m);
  for (let i = 0; i < z.length; i++) z[i] /= s;
}

export function trainNet(xs: SparseVector[], ys: number[], inputs: number, classes: number, o: NetOptions): SparseNet {
  const rand = mulberry32(o.seed);
  const H = o.hidden;
  const width = H || classes;
  const w1 = new Float32Array(inputs * width);
  const b1 = new Float32Array(width);
  const w2 = new Float32Array(H * classes);
  const b2 = new Float32Array(H ? classes : 0);
  if (H) {
    const s1 = 0.1;
    for (let i = 0; i < w1.length; i++) w1[i] = (rand() * 2 - 1) * s1;
    const s2 = Math.sqrt(6 / (H + classes));
    for (let i = 0; i < w2.length; i++) w2[i] = (rand() * 2 - 1) * s2;
  }
  const order = xs.map((_, i) => i);
  const h = new Float64Array(H);
  const mask = new Float64Array(H);
  const z = new Float64Array(classes);
  const dh = new Float64Array(H);
  const steps = o.epochs * xs.length;
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, rand);
    for (const n of order) {
      const lr = o.lr * (1 - step / steps);
      step++;
      const { indices, values } = xs[n];
      const cw = o.classWeights ? o.classWeights[ys[n]] : 1;
      if (!H) {
        for (let c = 0; c < classes; c++) z[c] = b1[c];
        for (let j = 0; j < indices.length; j++) {
          const row = indices[j] * classes;
          const v = values[j];
          for (let c = 0; c < classes; c++) z[c] += v * w1[row + c];
        }
        softmaxInPlace(z);
        z[ys[n]] -= 1;
        for (let c = 0; c < classes; c++) b1[c] -= lr * cw * z[c];
        const decay = 1 - lr * o.l2;
        for (let j = 0; j < indices.length; j++) {
          const row = indices[j] * classes;
          const v = values[j] * lr * cw;
          for (let c = 0; c < classes; c++) w1[row + c] = w1[row + c] * decay - v * z[c];
        }
        continue;
      }
      for (let k = 0; k < H; k++) h[k] = b1[k];
      for (let j = 0; j < indices.length; j++) {
        const row = indices[j] * H;
        const v = values[j];
        for (let k = 0; k < H; k++) h[k] += v * w1[row + k];
      }
      const keep = 1 - o.dropout;
      for (let k = 0; k < H; k++) {
        mask[k] = h[k] > 0 && rand() < keep ? 1 / keep : 0;
        h[k] *= mask[k];
      }
      for (let c = 0; c < classes; c++) z[c] = b2[c];
      for (let k = 0; k < H; k++) {
        const hk = h[k];
        if (!hk) continue;
        const row = k * classes;
        for (let c = 0; c < classes; c++) z[c] += hk * w2[row + c];
      }
      softmaxInPlace(z);
      z[ys[n]] -= 1;
      for (let c = 0; c < classes; c++) z[c] *= cw;
      for (let k = 0; k < H; k++) {
        if (!mask[k]) {
          dh[k] = 0;
          continue;
        }
        const row = k * classes;
        let g = 0;
        for (let c = 0; c < classes; c++) g += w2[row + c] * z[c];
        dh[k] = g * mask[k];
      }
      const decay = 1 - lr * o.l2;
      for (let k = 0; k < H; k++) {
        const hk = h[k];
        const row = k * classes;
        if (hk) for (let c = 0; c < classes; c++) w2[row + c] = w2[row + c] * decay - lr * hk * z[c];
      }
      for (let c = 0; c < classes; c++) b2[c] -= lr * z[c];
      for (let k = 0; k < H; k++) b1[k] -= lr * dh[k];
      for (let j = 0; j < indices.length; j++) {
        const row = indices[j] * H;
        const v = values[j] * lr;
        for (let k = 0; k < H; k++) w1[row + k] -= v * dh[k];
      }
    }
  }
  return { inputs, hidden: H, classes, w1, b1, w2, b2 };
}

/** Class probabilities, computed the way the ONNX graph does (used for evaluation while training). */
export function predict(net: SparseNet, x: SparseVector): Float64Array {
  const H = net.hidden;
  const C = net.classes;
  const width = H || C;
  const a = new Float64Array(width);
  for (let k = 0; k < width; k++) a[k] = net.b1[k];
  for (let j = 0; j < x.indices.length; j++) {
    const row = x.indices[j] * width;
    const v = x.values[j];
    for (let k = 0; k < width; k++) a[k] += v * net.w1[row + k];
  }
  if (!H) {
    softmaxInPlace(a);
    return a;
  }
  const z = new Float64Array(C);
  for (let c = 0; c < C; c++) z[c] = net.b2[c];
  for (let k = 0; k < H; k++) {
    const hk = a[k] > 0 ? a[k] : 0;
    if (!hk) continue;
    for (let c = 0; c < C; c++) z[c] += hk * net.w2[k * C + c];
  }
  softmaxInPlace(z);
  return z;
}
