import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import fs from 'node:fs';
import type { Checkpoint } from '../audit/chain';

/**
 * Forwarding the audit trail's signed checkpoints to the bank's log collector (syslog / SIEM), so a copy of every
 * checkpoint lives outside the appliance's own disks: whoever rewrites the trail here cannot also rewrite what the
 * SIEM already holds. RFC 5424 messages (facility log audit, severity info) over TCP or TLS with octet-counting
 * framing (RFC 6587 / RFC 5425), one message per checkpoint; the message carries the checkpoint as JSON, signature
 * included, so the SIEM's copy can be verified offline with the appliance's public key.
 */
export function syslogMessage(c: Checkpoint, host = os.hostname()): string {
  const pri = 13 * 8 + 6; // facility 13 (log audit), severity 6 (informational)
  const sd = `[hotline@32473 seq="${c.seq}" hash="${c.hash}" keyId="${c.keyId}"]`;
  return `<${pri}>1 ${c.at} ${host.slice(0, 255) || '-'} hotline - audit-checkpoint ${sd} ${JSON.stringify(c)}`;
}

/** Sends one message to `tcp://host:port` or `tls://host:port` (the CA file verifies a TLS collector). */
export function sendSyslog(url: string, message: string, o: { caFile?: string; timeoutMs?: number } = {}) {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'tls:' ? 6514 : 601));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const frame = Buffer.from(`${Buffer.byteLength(message)} ${message}`);
  return new Promise<void>((resolve, reject) => {
    const socket =
      u.protocol === 'tls:'
        ? tls.connect({ host, port, servername: host, ...(o.caFile ? { ca: fs.readFileSync(o.caFile) } : {}) })
        : u.protocol === 'tcp:'
          ? net.connect({ host, port })
          : undefined;
    if (!socket) return reject(new Error(`syslog: ${u.protocol} is not supported (use tcp:// or tls://)`));
    socket.setTimeout(o.timeoutMs ?? 5000, () => socket.destroy(new Error('syslog: timed out')));
    socket.once('error', reject);
    socket.once(u.protocol === 'tls:' ? 'secureConnect' : 'connect', () =>
      socket.end(frame, () => {
        socket.destroy();
        resolve();
      }),
    );
  });
}

/** Sends a checkpoint to the configured collector; false when none is configured (HOTLINE_AUDIT_SYSLOG unset). */
export async function forwardCheckpoint(
  c: { HOTLINE_AUDIT_SYSLOG?: string; HOTLINE_AUDIT_SYSLOG_CA?: string },
  cp: Checkpoint,
): Promise<boolean> {
  if (!c.HOTLINE_AUDIT_SYSLOG) return false;
  await sendSyslog(c.HOTLINE_AUDIT_SYSLOG, syslogMessage(cp), { caFile: c.HOTLINE_AUDIT_SYSLOG_CA });
  return true;
}
