/**
 * Band-limited rational resampling (polyphase windowed-sinc FIR), e.g. 8 kHz telephone audio → 16 kHz for the engine.
 * Filters are cached per (from, to) pair.
 */
const filters = new Map<string, { L: number; M: number; N: number; D: number; h: Float64Array }>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function design(from: number, to: number) {
  const key = `${from}:${to}`;
  let f = filters.get(key);
  if (f) return f;
  const g = gcd(from, to);
  const L = to / g;
  const M = from / g;
  const half = 16; // zero crossings of the sinc on each side, in input samples
  const N = 2 * half * Math.max(L, M) + 1;
  const D = (N - 1) / 2;
  const fc = 0.5 * Math.min(1 / L, 1 / M) * 0.92; // cycles per prototype sample, a little under Nyquist
  const h = new Float64Array(N);
  for (let m = 0; m < N; m++) {
    const x = m - D;
    const sinc = x === 0 ? 1 : Math.sin(2 * Math.PI * fc * x) / (Math.PI * 2 * fc * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * m) / (N - 1)) + 0.08 * Math.cos((4 * Math.PI * m) / (N - 1)); // Blackman
    h[m] = 2 * fc * sinc * w * L;
  }
  f = { L, M, N, D, h };
  filters.set(key, f);
  return f;
}

export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from <= 0 || to <= 0) {
    throw new RangeError(`resample: rates must be positive integers (got ${from} → ${to})`);
  }
  if (from === to) return input.slice();
  const { L, M, N, D, h } = design(from, to);
  const outLen = Math.floor((input.length * L) / M);
  const out = new Int16Array(outLen);
  const last = input.length - 1;
  for (let n = 0; n < outLen; n++) {
    const idx = n * M + D;
    const kmax = Math.min(last, Math.floor(idx / L));
    const kmin = Math.max(0, Math.ceil((idx - N + 1) / L));
    let acc = 0;
    for (let k = kmin; k <= kmax; k++) acc += input[k] * h[idx - k * L];
    out[n] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
  }
  return out;
}
