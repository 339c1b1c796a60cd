/** One step of an alignment of a with b: a pair (a[i] with b[j], the same or a substitution), a[i] alone, b[j] alone. */
export type AlignStep = { i: number; j: number } | { i: number; j?: undefined } | { i?: undefined; j: number };

/**
 * Levenshtein alignment of two sequences of lengths n and m (`same(i, j)`: a[i] and b[j] match), in order. Of equal
 * paths, a pair is preferred to leaving a[i] alone, and that to leaving b[j] alone: WER counts and word voting align
 * alike.
 */
export function align(n: number, m: number, same: (i: number, j: number) => boolean): AlignStep[] {
  const d: number[][] = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const cost = (i: number, j: number) => (same(i, j) ? 0 : 1);
  for (let i = 1; i <= n; i++)
    for (let j = 1; j <= m; j++)
      d[i][j] = Math.min(d[i - 1][j - 1] + cost(i - 1, j - 1), d[i - 1][j] + 1, d[i][j - 1] + 1);
  const steps: AlignStep[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i][j] === d[i - 1][j - 1] + cost(i - 1, j - 1)) steps.push({ i: --i, j: --j });
    else if (i > 0 && d[i][j] === d[i - 1][j] + 1) steps.push({ i: --i });
    else steps.push({ j: --j });
  }
  return steps.reverse();
}
