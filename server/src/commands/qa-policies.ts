import fs from 'node:fs';
import path from 'node:path';
import type { Actor as AuditActor, AuditLog } from '../repositories/audit-log';
import type { QaPolicy } from '../entities/inspection';
import type { Logger } from '../lib/logger';
import { YamlFileError } from '../lib/yaml-file';
import type { Verdict } from '../inspection/engine';
import { loadPolicyFile, parsePolicy, Policy } from '../inspection/qa-policy';
import { invalid } from '../lib/errors';
import { PolicyConflictError, ReviewError } from '../repositories/inspections';
import { inspectConversation, InspectDeps } from './inspect-conversation';

/** Who drafts or activates a policy version: always a named person or process (its name goes into the policy row). */
export type Actor = Omit<AuditActor, 'actorName'> & { actorName: string };

export const INSTALLER: Actor = {
  actorId: 'system:policy-import',
  actorName: 'policy import',
  roles: [],
  requestId: null,
};

export interface ImportResult {
  file: string;
  policy?: string;
  outcome: 'created' | 'unchanged' | 'activated' | 'invalid' | 'conflict';
  error?: string;
}

/**
 * Imports every *.yaml pack in a directory: a new version is stored as a draft; a policy's very first version is
 * activated (first installation). A broken or conflicting file is reported with its position and skipped: the
 * versions already stored keep working.
 */
export async function importPolicyDir(
  deps: InspectDeps & { audit: AuditLog; log: Logger },
  dir: string,
  actor: Actor = INSTALLER,
): Promise<ImportResult[]> {
  if (!fs.existsSync(dir)) return [];
  const out: ImportResult[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const file = path.join(dir, name);
    let p: Policy;
    try {
      p = loadPolicyFile(file);
    } catch (e) {
      if (!(e instanceof YamlFileError)) throw e;
      deps.log.error({ file, err: e.message }, 'QA policy file is invalid; skipped (stored versions stay in force)');
      out.push({ file, outcome: 'invalid', error: e.message });
      continue;
    }
    out.push(await importPolicy(deps, p, file, actor));
  }
  return out;
}

/**
 * Stores a policy version as a draft and audits it; the same version with the same text is a no-op (`created:
 * false`), with other text a PolicyConflictError. Used by the file import and by `POST /api/v1/policies`.
 */
export async function draftPolicy(
  deps: Pick<InspectDeps, 'inspections'> & { audit: AuditLog },
  p: Policy,
  actor: Actor,
  details: Record<string, unknown> = {},
): Promise<{ row: QaPolicy; created: boolean }> {
  const r = await deps.inspections.addPolicy(p, actor.actorName);
  if (r.created)
    await deps.audit.append({
      ...actor,
      action: 'policy.draft',
      objectType: 'policy',
      objectId: `${p.doc.id}@v${p.doc.version}`,
      reason: null,
      outcome: 'allowed',
      details: { hash: p.hash, ...details },
    });
  return r;
}

export async function importPolicy(
  deps: InspectDeps & { audit: AuditLog; log: Logger },
  p: Policy,
  file: string,
  actor: Actor,
): Promise<ImportResult> {
  const label = `${p.doc.id}@v${p.doc.version}`;
  try {
    const { created } = await draftPolicy(deps, p, actor, { file: path.basename(file) });
    if (!created) return { file, policy: label, outcome: 'unchanged' };
    if (await deps.inspections.hasActive(p.doc.id)) return { file, policy: label, outcome: 'created' };
    await deps.inspections.activate(p.doc.id, p.doc.version, actor.actorName);
    await deps.audit.append({
      ...actor,
      action: 'policy.activate',
      objectType: 'policy',
      objectId: label,
      reason: 'first version of this policy (installation)',
      outcome: 'allowed',
      details: { hash: p.hash },
    });
    deps.log.info({ policy: label }, 'QA policy activated');
    return { file, policy: label, outcome: 'activated' };
  } catch (e) {
    if (!(e instanceof PolicyConflictError)) throw e;
    deps.log.error({ file, err: e.message }, 'QA policy file conflicts with a stored version; skipped');
    return { file, policy: label, outcome: 'conflict', error: e.message };
  }
}

export interface RegressionCase {
  conversationId: string;
  ruleId: string;
  expected: 'pass' | 'fail';
  got: string;
  source: string;
}

export interface RegressionReport {
  policy: string;
  cases: number;
  agree: number;
  disagree: RegressionCase[];
  /** the candidate does not apply to the case's conversation, lacks the rule, or the conversation is gone */
  skipped: Array<RegressionCase & { why: string }>;
  /**
   * rules that fail on nearly every recent conversation they were evaluated on (SUSPECT_SHARE of at least
   * SUSPECT_MIN): more likely a rule that cannot match what agents say than agents who all break it
   */
  suspect: Array<{ ruleId: string; failed: number; evaluated: number }>;
  /** how many recent conversations the candidate was replayed on for `suspect` */
  replayed: number;
}

/** A rule failing on this share of the conversations it was evaluated on, at least SUSPECT_MIN of them, is suspect. */
export const SUSPECT_SHARE = 0.9;
export const SUSPECT_MIN = 10;

/** A stored conversation inspected against a candidate, or why it cannot be (deleted, transcript unreadable). */
async function replay(deps: InspectDeps, conversationId: string, candidate: Policy): Promise<Verdict | string> {
  const conv = await deps.conversations.get(conversationId);
  if (!conv) return 'conversation deleted';
  try {
    return await inspectConversation(deps, conv, [candidate]);
  } catch (e) {
    return `transcript unreadable: ${(e as Error).name}`;
  }
}

/**
 * Replays the labelled cases of a policy (findings a reviewer confirmed or overturned) against a candidate version:
 * each case's rule must now give the result the reviewer decided. Disagreements are regressions to look at before
 * the candidate is activated.
 */
export async function regress(
  deps: InspectDeps,
  candidate: Policy,
  opts: { recent?: number; suspectMin?: number } = {},
): Promise<RegressionReport> {
  const recent = opts.recent ?? 200;
  const suspectMin = opts.suspectMin ?? SUSPECT_MIN;
  const cases = await deps.inspections.labelledCases(candidate.doc.id);
  const report: RegressionReport = {
    policy: `${candidate.doc.id}@v${candidate.doc.version}`,
    cases: cases.length,
    agree: 0,
    disagree: [],
    skipped: [],
    suspect: [],
    replayed: 0,
  };
  for (const c of cases) {
    const base = { conversationId: c.conversationId, ruleId: c.ruleId, expected: c.expected, source: c.source };
    const verdict = await replay(deps, c.conversationId, candidate);
    if (typeof verdict === 'string') {
      report.skipped.push({ ...base, got: '-', why: verdict });
      continue;
    }
    const f = verdict.findings.find((x) => x.ruleId === c.ruleId);
    if (!f) {
      report.skipped.push({
        ...base,
        got: '-',
        why:
          verdict.outcome === 'not_applicable'
            ? `policy not applicable: ${verdict.reasonCode}`
            : 'rule no longer in the policy',
      });
      continue;
    }
    if (f.result === c.expected) report.agree++;
    else report.disagree.push({ ...base, got: f.result });
  }
  // every rule against the recent conversations of this policy: a rule that fails nearly everywhere is suspect
  const tally = new Map<string, { failed: number; evaluated: number }>();
  for (const id of await deps.inspections.recentlyInspected(candidate.doc.id, recent)) {
    const verdict = await replay(deps, id, candidate);
    if (typeof verdict === 'string' || verdict.outcome !== 'inspected') continue;
    report.replayed++;
    for (const f of verdict.findings) {
      if (f.result !== 'pass' && f.result !== 'fail') continue;
      const t = tally.get(f.ruleId) ?? { failed: 0, evaluated: 0 };
      t.evaluated++;
      if (f.result === 'fail') t.failed++;
      tally.set(f.ruleId, t);
    }
  }
  for (const [ruleId, t] of tally)
    if (t.evaluated >= suspectMin && t.failed / t.evaluated >= SUSPECT_SHARE) report.suspect.push({ ruleId, ...t });
  return report;
}

/** One stored version with its text (for reading and comparing versions); not found is a 404. */
export async function policyVersion(deps: Pick<InspectDeps, 'inspections'>, policyId: string, version: number) {
  const row = await deps.inspections.getPolicy(policyId, version);
  if (!row) throw new ReviewError(404, 'not_found', `no policy ${policyId} version ${version}`);
  return row;
}

/**
 * Replays the labelled cases against a stored version without activating it (a drafter checks a change before asking
 * for approval; activation replays them again). Audited: it reads the labelled conversations.
 */
export async function regressPolicyVersion(
  deps: InspectDeps & { audit: AuditLog },
  policyId: string,
  version: number,
  actor: Actor,
): Promise<RegressionReport> {
  const row = await policyVersion(deps, policyId, version);
  const report = await regress(deps, deps.inspections.parse(row));
  await deps.audit.append({
    ...actor,
    action: 'policy.regress',
    objectType: 'policy',
    objectId: `${policyId}@v${version}`,
    reason: null,
    outcome: 'allowed',
    details: { cases: report.cases, agree: report.agree, disagree: report.disagree.length },
  });
  return report;
}

/**
 * Activates a stored version after replaying the labelled cases against it. Regressions refuse the activation
 * unless the approver accepts them explicitly (recorded with the reason in the audit trail).
 */
export async function activatePolicy(
  deps: InspectDeps & { audit: AuditLog },
  policyId: string,
  version: number,
  actor: Actor,
  reason: string,
  acceptRegressions = false,
): Promise<{ previous: number | null; regression: RegressionReport }> {
  const row = await deps.inspections.getPolicy(policyId, version);
  if (!row) throw new ReviewError(404, 'not_found', `no policy ${policyId} version ${version}`);
  const regression = await regress(deps, deps.inspections.parse(row));
  const label = `${policyId}@v${version}`;
  if (regression.disagree.length && !acceptRegressions) {
    await deps.audit.append({
      ...actor,
      action: 'policy.activate',
      objectType: 'policy',
      objectId: label,
      reason,
      outcome: 'denied',
      details: { regressions: regression.disagree.length, cases: regression.cases },
    });
    throw new ReviewError(
      409,
      'regressions',
      `${regression.disagree.length} of ${regression.cases} labelled case(s) disagree with ${label}; review them or accept the regressions explicitly`,
      regression,
    );
  }
  const { previous } = await deps.inspections.activate(policyId, version, actor.actorName);
  await deps.audit.append({
    ...actor,
    action: 'policy.activate',
    objectType: 'policy',
    objectId: label,
    reason,
    outcome: 'allowed',
    details: {
      hash: row.contentHash,
      previous,
      cases: regression.cases,
      regressions: regression.disagree.length,
      acceptedRegressions: acceptRegressions && regression.disagree.length > 0,
    },
  });
  return { previous, regression };
}

/** A policy pack sent as text: parsed and validated, or refused with its line, column, field and problem. */
export function parsePolicySource(source: string): Policy {
  try {
    return parsePolicy(source, 'policy.yaml');
  } catch (e) {
    if (!(e instanceof YamlFileError)) throw e;
    throw invalid('invalid_policy', e.message, { line: e.line, column: e.col, field: e.field, problem: e.problem });
  }
}
