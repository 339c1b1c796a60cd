/**
 * Report cadences: when a schedule fires (cron, UTC) and which period a run covers. A run reports on the last whole
 * period before it: yesterday, the last Monday–Sunday week, the last calendar month.
 */
export const CADENCES = ['daily', 'weekly', 'monthly'] as const;
export type Cadence = (typeof CADENCES)[number];

/** a little after midnight UTC, so late uploads of the period's last minutes are in */
export const CRON: Record<Cadence, string> = {
  daily: '15 1 * * *',
  weekly: '30 1 * * 1',
  monthly: '45 1 1 * *',
};

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

export function periodFor(cadence: Cadence, at: Date): { from: string; to: string } {
  const today = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (cadence === 'daily') return { from: iso(today - DAY), to: iso(today - DAY) };
  if (cadence === 'weekly') {
    const dow = (new Date(today).getUTCDay() + 6) % 7; // Monday 0
    const monday = today - dow * DAY;
    return { from: iso(monday - 7 * DAY), to: iso(monday - DAY) };
  }
  const first = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const prevFirst = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1);
  return { from: iso(prevFirst), to: iso(first - DAY) };
}
