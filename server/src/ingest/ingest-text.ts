import { canonicalJson } from '../lib/canonical';
import { DomainError, invalid } from '../lib/errors';
import { describeZodError, routingColumns, textConversationSchema } from './schema';
import { enqueueOrLeaveForReconciler, IngestDeps, IngestResult } from './ingest-call';
import { ProtectionBusyError, ProtectionDeadlineError, ProtectionPool } from '../protection/protect-pool';
import { sealUtterances } from '../protection/sealed-transcript';
import { blindRows } from '../protection/contexts';
import { conversationKeys } from './conversation-keys';

/**
 * Chats, e-mails and SMS: each message becomes an utterance with its offset from the conversation start.
 * They skip the speech step: masked and encrypted here, they enter the pipeline as `protected`, queued for understanding and inspection.
 */
export async function ingestText(
  deps: Omit<IngestDeps, 'objects' | 'masking'> & { protector: ProtectionPool },
  body: unknown,
): Promise<IngestResult> {
  const parsed = textConversationSchema.safeParse(body);
  if (!parsed.success) throw invalid('invalid_conversation', `invalid conversation: ${describeZodError(parsed.error)}`);
  const v = parsed.data;
  const start = Date.parse(v.startedAt);
  const lastAt = Date.parse(v.messages[v.messages.length - 1].at);
  const dedupeKey = deps.vault.blind.dedupeKey(`text\n${canonicalJson(v)}`);
  const plain = v.messages.map((m) => {
    const offset = Date.parse(m.at) - start;
    return {
      speaker: m.speaker,
      startMs: offset,
      endMs: offset,
      text: m.text,
      words: [],
      keyphrases: [],
      confidence: null,
    };
  });
  // masked and encrypted before anything is stored: text channels are protected at the door
  const t0 = performance.now();
  // in a thread with a deadline: detection over a crafted 5 MiB conversation must not stall the API's event loop
  const prot = await deps.protector.protect(plain).catch((e: Error) => {
    if (e instanceof ProtectionDeadlineError)
      throw invalid(
        'too_complex',
        `masking this conversation did not finish within ${e.deadlineMs} ms; nothing was stored (send it in parts)`,
      );
    if (e instanceof ProtectionBusyError)
      throw new DomainError('too_many', 'busy', 'the appliance is masking many conversations; try again shortly', {
        retryAfterS: 2,
      });
    throw e;
  });
  const routing = routingColumns(v);
  const result = await deps.conversations.create(dedupeKey, async (m) => {
    const k = await conversationKeys(deps.vault, m, routing.customerRef);
    return {
      conversation: {
        channel: v.channel,
        ...routing,
        ...k.columns, // after the routing fields: the customer reference goes in sealed
        startedAt: new Date(start),
        endedAt: new Date(lastAt),
        durationMs: lastAt - start,
        holdMs: null,
        source: 'text',
        dedupeKey,
        status: 'protected',
        protectedAt: new Date(),
      },
      utterances: sealUtterances(deps.vault, k.key, prot.utterances, k.originalTextKey),
      blindIndex: [...k.blindIndex, ...blindRows(deps.vault.blind, prot.identifiers, k.subjectId)],
    };
  });
  if (!result.duplicate) {
    await deps.conversations.recordEvent(result.conversation.id, 'protect', 'completed', {
      detail: { pii: prot.counts, ms: Math.round(performance.now() - t0) },
    });
    deps.log.info(
      { conversationId: result.conversation.id, channel: v.channel, messages: v.messages.length },
      'text conversation received',
    );
    await enqueueOrLeaveForReconciler(deps, result.conversation.id, 'understand');
  }
  return result;
}
