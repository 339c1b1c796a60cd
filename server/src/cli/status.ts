import type { SystemStatus } from '../commands/system';
import { loadConfig } from '../config';
import { createLogger } from '../lib/logger';
import { closeServices, createServices, statusOf } from '../services';

const USAGE = 'usage: hotline status [--json] [--warn-days N]';

const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB`;

/** The status as an operator reads it in a terminal; the exit code says whether something needs attention. */
export function formatStatus(st: SystemStatus, warnDays: number): { text: string; attention: string[] } {
  const attention: string[] = [];
  const lines = [
    `hotline ${st.version} (node ${st.node}) at ${st.at}`,
    '',
    'stage        waiting active delayed failed oldest-wait workers  p50/p95 (last hour)',
  ];
  for (const q of st.queues) {
    const t = st.stages.find((x) => x.stage === q.stage);
    lines.push(
      `${q.stage.padEnd(12)} ${String(q.waiting).padStart(7)} ${String(q.active).padStart(6)} ${String(q.delayed).padStart(7)} ${String(q.failed).padStart(6)} ${(q.oldestWaitingS === null ? '-' : `${q.oldestWaitingS} s`).padStart(11)} ${String(q.workers).padStart(7)}  ${t ? `${Math.round(t.p50)}/${Math.round(t.p95)} ms (${t.runs})` : '-'}`,
    );
    if (q.waiting > 0 && q.workers === 0)
      attention.push(`stage ${q.stage}: ${q.waiting} job(s) waiting and no worker connected`);
  }
  lines.push(
    '',
    `conversations: ${
      Object.entries(st.conversations)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  lines.push(
    `coverage: ${st.coverage.alarm}${st.coverage.alarm === 'alarm' ? ` (${st.coverage.pendingPastSla} pending past the ${st.coverage.slaS} s SLA, oldest ${st.coverage.oldestPendingAgeS} s)` : ''}`,
  );
  if (st.coverage.alarm === 'alarm')
    attention.push(`coverage alarm: ${st.coverage.pendingPastSla} conversation(s) pending past the SLA`);
  lines.push(`speech models loaded by live workers: ${st.speechModels.join(', ') || 'none'}`);
  lines.push(`active policies: ${st.policies.map((p) => `${p.id}@v${p.version}`).join(', ') || 'none'}`);
  lines.push(
    `keys: ${st.keys.kekId} v${st.keys.activeVersion} (${st.keys.cipher}), ${st.keys.pendingRewrap} data key(s) pending rewrap`,
  );
  lines.push('certificates:');
  for (const c of st.certificates) {
    lines.push(
      `  ${c.name.padEnd(24)} ${c.kind.padEnd(7)} until ${c.notAfter} (${c.daysLeft} days)${c.daysLeft < warnDays ? '  EXPIRES SOON' : ''}`,
    );
    if (c.daysLeft < warnDays) attention.push(`certificate ${c.name} expires in ${c.daysLeft} day(s)`);
  }
  if (!st.certificates.length) lines.push('  none issued yet (hotline pki init)');
  const o = st.objectStore;
  lines.push(
    `object store: recordings ${gb(o.recordingBytes)}; volume ${gb(o.volumeFreeBytes)} free of ${gb(o.volumeTotalBytes)}`,
  );
  if (o.volumeTotalBytes && o.volumeFreeBytes / o.volumeTotalBytes < 0.1)
    attention.push('object store volume less than 10 % free');
  lines.push(
    '',
    attention.length ? `needs attention:\n${attention.map((a) => `  - ${a}`).join('\n')}` : 'nothing needs attention',
  );
  return { text: lines.join('\n'), attention };
}

/** `hotline status`: exit 0 when nothing needs attention, 1 when something does, 2 on a usage error. */
export async function runStatusCli(args: string[]): Promise<number> {
  const bad = args.filter((a, i) => !['--json', '--warn-days'].includes(a) && args[i - 1] !== '--warn-days');
  const warnDays = args.includes('--warn-days') ? Number(args[args.indexOf('--warn-days') + 1]) : 30;
  if (bad.length || !Number.isFinite(warnDays)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const s = await createServices(config, createLogger('warn'));
  try {
    const st = await statusOf(s);
    const f = formatStatus(st, warnDays);
    console.log(args.includes('--json') ? JSON.stringify({ ...st, attention: f.attention }, null, 2) : f.text);
    return f.attention.length ? 1 : 0;
  } finally {
    await closeServices(s);
  }
}
