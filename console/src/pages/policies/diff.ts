export type DiffLine = { op: ' ' | '+' | '-'; text: string; a?: number; b?: number };

/**
 * A line diff of two texts (longest common subsequence; policy packs are a few hundred lines, so the table is
 * small). Each line is kept (' '), removed from a ('-') or added in b ('+'), with its line numbers.
 */
export function lineDiff(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  // lcs[i][j] = length of the LCS of x[i..] and y[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.push({ op: ' ', text: x[i], a: i + 1, b: j + 1 });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // removals before additions, as diff tools print them
      out.push({ op: '-', text: x[i], a: i + 1 });
      i++;
    } else {
      out.push({ op: '+', text: y[j], b: j + 1 });
      j++;
    }
  }
  return out;
}

/** The changed lines with `context` unchanged lines around each change; a gap is marked by null. */
export function hunks(d: DiffLine[], context = 3): Array<DiffLine | null> {
  const keep = new Uint8Array(d.length);
  d.forEach((l, k) => {
    if (l.op === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(d.length - 1, k + context); c++) keep[c] = 1;
  });
  const out: Array<DiffLine | null> = [];
  d.forEach((l, k) => {
    if (keep[k]) out.push(l);
    else if (out.length && out[out.length - 1] !== null) out.push(null);
  });
  if (out[out.length - 1] === null) out.pop();
  return out;
}
