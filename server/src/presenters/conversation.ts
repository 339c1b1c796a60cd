import { z } from 'zod';
import type { Conversation } from '../entities/conversation';
import type { ProcessingEvent } from '../entities/processing-event';
import type { Recording } from '../entities/recording';
import type { OpenedUtterance } from '../protection/sealed-transcript';

export const conversationSummarySchema = z
  .object({
    id: z.uuid(),
    channel: z.enum(['call', 'chat', 'email', 'sms']),
    direction: z.enum(['inbound', 'outbound']).nullable(),
    language: z.string(),
    agentId: z.string().nullable(),
    teamId: z.string().nullable(),
    queue: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    status: z.string(),
    failedStage: z.string().nullable(),
    failureReason: z.string().nullable(),
    asrEngine: z.string().nullable(),
    intent: z
      .string()
      .nullable()
      .describe(
        'what the customer asked for: a BANKING77 intent, or unknown (out of scope); null before the understand stage',
      ),
    intentConfidence: z.number().nullable(),
    escalation: z
      .object({ level: z.enum(['none', 'watch', 'escalate']), score: z.number(), reasons: z.array(z.string()) })
      .nullable(),
    nluModels: z
      .record(z.string(), z.string())
      .nullable()
      .describe('the language models that produced intent and sentiment (name@version#manifest sha256 prefix)'),
    legalHold: z.boolean().describe('a legal hold keeps it from retention deletion and erasure'),
  })
  .meta({ id: 'ConversationSummary' });

export const actionsSchema = z
  .array(z.enum(['conversation.read', 'recording.play', 'transcript.unmask']))
  .describe('what the caller may do with this conversation');
export const conversationListItemSchema = conversationSummarySchema
  .extend({
    verdict: z
      .object({
        outcome: z.enum(['inspected', 'not_applicable']),
        passed: z.boolean().nullable(),
        score: z.number().nullable(),
        fatal: z.boolean().describe('a fatal rule failed (after reviews)'),
      })
      .nullable()
      .describe('the current verdict in brief; null before inspection'),
    allowedActions: actionsSchema,
  })
  .meta({ id: 'ConversationListItem' });

export function presentListItem(
  c: Conversation,
  v: { outcome: string; passed: boolean | null; score: number | null; fatal: boolean } | undefined,
  allowedActions: string[],
): z.infer<typeof conversationListItemSchema> {
  return {
    ...presentSummary(c),
    verdict: v ? { ...v, outcome: v.outcome as 'inspected' | 'not_applicable' } : null,
    allowedActions: allowedActions as z.infer<typeof actionsSchema>,
  };
}

export const utteranceSchema = z
  .object({
    id: z.uuid(),
    seq: z.number(),
    speaker: z.enum(['agent', 'customer', 'unknown']),
    startMs: z.number(),
    endMs: z.number(),
    text: z.string(),
    confidence: z.number().nullable(),
    words: z.array(z.object({ w: z.string(), s: z.number(), e: z.number(), c: z.number() })),
    keyphrases: z.array(z.object({ p: z.string(), s: z.number(), e: z.number(), c: z.number() })),
    pii: z
      .array(
        z.object({
          type: z.string(),
          start: z.number(),
          end: z.number(),
          s: z.number().optional(),
          e: z.number().optional(),
        }),
      )
      .describe('where personal data was masked (types and spans, never values)'),
    sentiment: z.enum(['negative', 'neutral', 'positive']).nullable(),
    sentimentScore: z.number().nullable().describe('p(positive) − p(negative), −1…1'),
  })
  .meta({ id: 'Utterance' });

export const conversationDetailSchema = conversationSummarySchema
  .extend({
    recording: z
      .object({
        codec: z.string(),
        sampleRate: z.number(),
        channels: z.number(),
        durationMs: z.number(),
        sizeBytes: z.number(),
        channelMap: z.array(z.string()),
        redacted: z.boolean().describe('PII spans overwritten; the unredacted original is gone'),
        redactedSpans: z.number().nullable(),
        available: z.boolean().describe('false once retention removed the audio'),
      })
      .nullable(),
    utterances: z.array(utteranceSchema),
    events: z.array(
      z.object({
        stage: z.string(),
        kind: z.string(),
        attempt: z.number().nullable(),
        at: z.string(),
        detail: z.unknown(),
      }),
    ),
    allowedActions: actionsSchema,
  })
  .meta({ id: 'ConversationDetail' });

export function presentSummary(c: Conversation): z.infer<typeof conversationSummarySchema> {
  return {
    id: c.id,
    channel: c.channel,
    direction: c.direction,
    language: c.language,
    agentId: c.agentId,
    teamId: c.teamId,
    queue: c.queue,
    startedAt: c.startedAt.toISOString(),
    endedAt: c.endedAt?.toISOString() ?? null,
    durationMs: c.durationMs,
    status: c.status,
    failedStage: c.failedStage,
    failureReason: c.failureReason,
    asrEngine: c.asrEngine,
    intent: c.intent,
    intentConfidence: c.intentConfidence,
    escalation:
      (c.escalation as { level: 'none' | 'watch' | 'escalate'; score: number; reasons: string[] } | null) ?? null,
    nluModels: c.nluModels,
    legalHold: c.legalHold,
  };
}

export function presentDetail(
  c: Conversation,
  r: Recording | null,
  us: OpenedUtterance[],
  events: ProcessingEvent[],
): Omit<z.infer<typeof conversationDetailSchema>, 'allowedActions'> {
  return {
    ...presentSummary(c),
    recording: r
      ? {
          codec: r.codec,
          sampleRate: r.sampleRate,
          channels: r.channels,
          durationMs: r.durationMs,
          sizeBytes: Number(r.sizeBytes),
          channelMap: r.channelMap,
          redacted: !!r.redactedAt,
          redactedSpans: r.redactedSpans,
          available: !!r.objectId,
        }
      : null,
    utterances: us.map((u) => ({
      id: u.id,
      seq: u.seq,
      speaker: u.speaker,
      startMs: u.startMs,
      endMs: u.endMs,
      text: u.text,
      confidence: u.confidence,
      words: u.words,
      keyphrases: u.keyphrases,
      pii: u.pii,
      sentiment: u.sentiment,
      sentimentScore: u.sentimentScore,
    })),
    events: events.map((e) => ({
      stage: e.stage,
      kind: e.kind,
      attempt: e.attempt,
      at: e.at.toISOString(),
      detail: e.detail,
    })),
  };
}
