import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config';
import { appVersion } from '../lib/app-version';
import { sha256Hex } from '../lib/canonical';
import type { BlindIndexer } from '../protection/blind-index';
import { readPkiJournal } from '../protection/pki';
import type { Actor, AuditLog } from '../repositories/audit-log';

/**
 * What a starting process puts in the audit trail (PCI DSS 10.2.1.6/10.2.2, ASVS V16): that it started (role,
 * version, host, pid), with a keyed fingerprint of every setting and the hash of every policy file it loaded; when
 * either differs from the last start of the same role, a `config.change` event naming what changed (names only,
 * never values); and the internal PKI's operations from its journal that are not in the trail yet (the PKI command
 * runs without a database, e.g. during installation).
 */
export async function auditProcessStart(
  d: { audit: Pick<AuditLog, 'append' | 'lastEvent' | 'importedJournalIds'>; vault: { blind: BlindIndexer } },
  config: Config,
  role: string,
): Promise<{ changedKeys: string[]; changedFiles: string[]; pkiImported: number }> {
  const actor: Actor = {
    actorId: `system:${role}`,
    actorName: `hotline ${role} on ${os.hostname()} (pid ${process.pid})`,
    roles: [],
    requestId: null,
  };
  const settings = Object.fromEntries(
    Object.entries(config)
      .filter(([, v]) => v !== undefined && typeof v !== 'function')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, d.vault.blind.fingerprint(JSON.stringify(v))]),
  );
  const files = policyFiles(config);
  const previous = await d.audit.lastEvent('process.start', { role });
  const before = (previous?.details ?? {}) as { settings?: Record<string, string>; files?: Record<string, string> };
  const changed = (a: Record<string, string> = {}, b: Record<string, string>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
  const changedKeys = previous ? changed(before.settings, settings) : [];
  const changedFiles = previous ? changed(before.files, files) : [];
  if (changedKeys.length || changedFiles.length)
    await d.audit.append({
      ...actor,
      action: 'config.change',
      objectType: 'process',
      objectId: role,
      reason: 'settings or policy files differ from the last start',
      outcome: 'allowed',
      details: { role, changedKeys, changedFiles, since: previous!.at },
    });
  await d.audit.append({
    ...actor,
    action: 'process.start',
    objectType: 'process',
    objectId: role,
    reason: null,
    outcome: 'allowed',
    details: {
      role,
      version: appVersion(),
      host: os.hostname(),
      pid: process.pid,
      node: process.version,
      settings,
      files,
    },
  });
  // the internal PKI's journal: certificates created, issued and renewed (by whom, when, serial, fingerprint)
  const pkiDir = path.join(config.HOTLINE_VAR_DIR, 'pki');
  const done = await d.audit.importedJournalIds();
  let pkiImported = 0;
  for (const e of readPkiJournal(pkiDir)) {
    if (done.has(e.id)) continue;
    await d.audit.append({
      actorId: e.by.startsWith('os:') || e.by.startsWith('system:') ? e.by : `os:${e.by}`,
      actorName: `${e.by} (hotline pki)`,
      roles: ['operator'],
      requestId: null,
      action: `pki.${e.op}`,
      objectType: 'certificate',
      objectId: e.name,
      reason: null,
      outcome: 'allowed',
      details: { journalId: e.id, at: e.at, kind: e.kind, serial: e.serial, sha256: e.sha256, notAfter: e.notAfter },
    });
    pkiImported++;
  }
  return { changedKeys, changedFiles, pkiImported };
}

/** The policy files a process reads, each with the first 16 hex of its SHA-256 (a missing one as "absent"). */
function policyFiles(c: Config): Record<string, string> {
  const hash = (f: string) => (fs.existsSync(f) ? sha256Hex(fs.readFileSync(f)).slice(0, 16) : 'absent');
  const out: Record<string, string> = {
    masking: hash(c.HOTLINE_MASKING_POLICY),
    retention: hash(c.HOTLINE_RETENTION_POLICY),
    routing: c.HOTLINE_QA_ROUTING === 'none' ? 'none' : hash(c.HOTLINE_QA_ROUTING),
  };
  if (fs.existsSync(c.HOTLINE_QA_POLICY_DIR))
    for (const f of fs
      .readdirSync(c.HOTLINE_QA_POLICY_DIR)
      .filter((x) => /\.ya?ml$/.test(x))
      .sort())
      out[`qa/${f}`] = hash(path.join(c.HOTLINE_QA_POLICY_DIR, f));
  return out;
}
