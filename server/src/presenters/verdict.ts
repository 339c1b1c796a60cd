import { z } from 'zod';
import type { DisputeRow, FindingRow, QaPolicy, VerdictRow } from '../entities/inspection';
import type { InspectUtterance } from '../inspection/transcript';

const evidenceSchema = z
  .object({
    utteranceId: z.string().optional(),
    seq: z.number().optional(),
    startMs: z.number(),
    endMs: z.number(),
    tokens: z.tuple([z.number(), z.number()]).optional(),
    spotted: z.boolean().optional().describe('found by acoustic keyphrase search rather than in the transcript text'),
    text: z
      .string()
      .nullable()
      .optional()
      .describe('the matched words as masked (personal data shows as [type] or masked digits)'),
  })
  .meta({ id: 'Evidence' });

export const findingSchema = z
  .object({
    id: z.uuid(),
    ruleId: z.string(),
    sectionId: z.string(),
    type: z.string(),
    title: z.string(),
    result: z.enum(['pass', 'fail', 'not_applicable', 'not_evaluated']),
    fatal: z.boolean(),
    weight: z.number(),
    message: z.string(),
    measured: z.record(z.string(), z.number()).nullable(),
    evidence: z.array(evidenceSchema),
    review: z
      .object({
        state: z.enum(['confirmed', 'overturned']),
        by: z.string(),
        at: z.string(),
        comment: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'Finding' });

export const disputeSchema = z
  .object({
    id: z.uuid(),
    verdictId: z.uuid(),
    raisedBy: z.string(),
    comment: z.string(),
    status: z.enum(['open', 'accepted', 'rejected']),
    createdAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionComment: z.string().nullable(),
  })
  .meta({ id: 'Dispute' });

export const verdictSchema = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    current: z.boolean(),
    outcome: z.enum(['inspected', 'not_applicable']),
    reasonCode: z.string().nullable(),
    reason: z.string().nullable(),
    policy: z.object({ id: z.string(), version: z.number(), hash: z.string() }).nullable(),
    transcriptHash: z.string(),
    models: z.record(z.string(), z.string()),
    verdictHash: z.string(),
    score: z.number().nullable(),
    passed: z.boolean().nullable(),
    finalScore: z.number().nullable().describe('after reviews: overturned findings count the other way'),
    finalPassed: z.boolean().nullable(),
    fatalRules: z.array(z.string()),
    sections: z.array(
      z.object({ id: z.string(), title: z.string(), weight: z.number(), score: z.number().nullable() }),
    ),
    trigger: z.enum(['pipeline', 'reinspection']),
    createdAt: z.string(),
    findings: z.array(findingSchema),
    disputes: z.array(disputeSchema),
  })
  .meta({ id: 'Verdict' });

export function presentDispute(d: DisputeRow): z.infer<typeof disputeSchema> {
  return {
    id: d.id,
    verdictId: d.verdictId,
    raisedBy: d.raisedBy,
    comment: d.comment,
    status: d.status,
    createdAt: d.createdAt.toISOString(),
    decidedBy: d.decidedBy,
    decidedAt: d.decidedAt?.toISOString() ?? null,
    decisionComment: d.decisionComment,
  };
}

export function presentFinding(
  f: FindingRow,
  utterances: Map<string, InspectUtterance>,
): z.infer<typeof findingSchema> {
  return {
    id: f.id,
    ruleId: f.ruleId,
    sectionId: f.sectionId,
    type: f.ruleType,
    title: f.title,
    result: f.result,
    fatal: f.fatal,
    weight: f.weight,
    message: f.message,
    measured: f.measured,
    // evidence is stored as places; the words are read from the masked transcript now (gone if retention removed it)
    evidence: f.evidence.map((e) => {
      const u = e.utteranceId ? utterances.get(e.utteranceId) : undefined;
      return { ...e, ...(e.tokens ? { text: u ? u.tokens.slice(e.tokens[0], e.tokens[1]).join(' ') : null } : {}) };
    }),
    review: f.reviewState
      ? {
          state: f.reviewState,
          by: f.reviewedBy ?? '',
          at: f.reviewedAt?.toISOString() ?? '',
          comment: f.reviewComment,
        }
      : null,
  };
}

export function presentVerdict(
  v: VerdictRow,
  findings: FindingRow[],
  disputes: DisputeRow[],
  utterances: Map<string, InspectUtterance>,
): z.infer<typeof verdictSchema> {
  return {
    id: v.id,
    conversationId: v.conversationId,
    current: v.current,
    outcome: v.outcome,
    reasonCode: v.reasonCode,
    reason: v.reason,
    policy: v.policyId ? { id: v.policyId, version: v.policyVersion ?? 0, hash: v.policyHash ?? '' } : null,
    transcriptHash: v.transcriptHash,
    models: v.models,
    verdictHash: v.verdictHash,
    score: v.score,
    passed: v.passed,
    finalScore: v.finalScore,
    finalPassed: v.finalPassed,
    fatalRules: v.fatalRules,
    sections: v.sections,
    trigger: v.trigger,
    createdAt: v.createdAt.toISOString(),
    findings: findings.filter((f) => f.verdictId === v.id).map((f) => presentFinding(f, utterances)),
    disputes: disputes.filter((d) => d.verdictId === v.id).map(presentDispute),
  };
}

export const policyVersionSchema = z
  .object({
    policyId: z.string(),
    version: z.number(),
    title: z.string(),
    status: z.enum(['draft', 'active', 'retired']),
    contentHash: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    activatedBy: z.string().nullable(),
    activatedAt: z.string().nullable(),
  })
  .meta({ id: 'PolicyVersion' });

/** A stored policy version without its text. */
export function presentPolicy(r: QaPolicy): z.infer<typeof policyVersionSchema> {
  return {
    policyId: r.policyId,
    version: r.version,
    title: r.title,
    status: r.status,
    contentHash: r.contentHash,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    activatedBy: r.activatedBy,
    activatedAt: r.activatedAt?.toISOString() ?? null,
  };
}
