import { invalid } from '../lib/errors';
import type { CoverageRow, InspectionRepository } from '../repositories/inspections';

const DAY = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export interface CoverageReport {
  from: string;
  to: string;
  slaS: number;
  alarm: { state: 'ok' | 'alarm'; pendingPastSla: number; oldestPendingAgeS: number | null };
  totals: { received: number; inspected: number; notApplicable: number; failed: number; pending: number };
  days: CoverageRow[];
}

/**
 * Coverage of a period of UTC days (`to` inclusive; default the last 7 days): per day and queue, received =
 * inspected + not applicable + failed + pending, with totals and the SLA alarm (anything pending past the SLA).
 */
export async function coverageReport(
  d: { inspections: Pick<InspectionRepository, 'coverage' | 'pendingAlarm'> },
  period: { from?: string; to?: string },
  slaS: number,
  now = new Date(),
): Promise<CoverageReport> {
  const to = period.to
    ? new Date(`${period.to}T00:00:00Z`)
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = period.from ? new Date(`${period.from}T00:00:00Z`) : new Date(to.getTime() - 6 * DAY);
  if (from > to) throw invalid('invalid_period', 'from is after to');
  const days = await d.inspections.coverage(from, new Date(to.getTime() + DAY), now);
  const pending = await d.inspections.pendingAlarm(slaS, now);
  const totals = days.reduce(
    (a, x) => ({
      received: a.received + x.received,
      inspected: a.inspected + x.inspected,
      notApplicable: a.notApplicable + x.notApplicable.count,
      failed: a.failed + x.failed.count,
      pending: a.pending + x.pending.count,
    }),
    { received: 0, inspected: 0, notApplicable: 0, failed: 0, pending: 0 },
  );
  return {
    from: isoDay(from),
    to: isoDay(to),
    slaS,
    alarm: {
      state: pending.pastSla ? 'alarm' : 'ok',
      pendingPastSla: pending.pastSla,
      oldestPendingAgeS: pending.oldestAgeS,
    },
    totals,
    days,
  };
}
