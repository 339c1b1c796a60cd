/** Word error rate by Levenshtein alignment over normalised words. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/<\/?s>|\(\S+\)$/g, ' ')
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/'(?![a-z])|(?<![a-z])'/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

export interface WerResult {
  errors: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  refWords: number;
  wer: number;
}

export function wordErrors(reference: string | string[], hypothesis: string | string[]): WerResult {
  const r = Array.isArray(reference) ? reference : normalizeWords(reference);
  const h = Array.isArray(hypothesis) ? hypothesis : normalizeWords(hypothesis);
  // dp over (i, j) with backpointers to split the error kinds
  const n = r.length;
  const m = h.length;
  const d: number[][] = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      d[i][j] = Math.min(d[i - 1][j - 1] + (r[i - 1] === h[j - 1] ? 0 : 1), d[i - 1][j] + 1, d[i][j - 1] + 1);
    }
  }
  let i = n;
  let j = m;
  let s = 0;
  let del = 0;
  let ins = 0;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i][j] === d[i - 1][j - 1] + (r[i - 1] === h[j - 1] ? 0 : 1)) {
      if (r[i - 1] !== h[j - 1]) s++;
      i--;
      j--;
    } else if (i > 0 && d[i][j] === d[i - 1][j] + 1) {
      del++;
      i--;
    } else {
      ins++;
      j--;
    }
  }
  const errors = s + del + ins;
  return {
    errors,
    substitutions: s,
    deletions: del,
    insertions: ins,
    refWords: n,
    wer: n === 0 ? (m === 0 ? 0 : 1) : errors / n,
  };
}
