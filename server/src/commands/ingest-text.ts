import { canonicalJson, sha256Hex } from '../lib/canonical';
import { HttpError } from '../lib/errors';
import { describeZodError, routingColumns, textConversationSchema } from '../schemas/ingest';
import type { IngestDeps, IngestResult } from './ingest-call';

/**
 * Chats, e-mails and SMS: each message becomes an utterance with its offset from the conversation start.
 * They skip the speech step and enter the pipeline as `transcribed`.
 */
export async function ingestText(deps: Omit<IngestDeps, 'objects' | 'queue'>, body: unknown): Promise<IngestResult> {
  const parsed = textConversationSchema.safeParse(body);
  if (!parsed.success) throw new HttpError(422, 'invalid_conversation', `invalid conversation: ${describeZodError(parsed.error)}`);
  const v = parsed.data;
  const start = Date.parse(v.startedAt);
  const lastAt = Date.parse(v.messages[v.messages.length - 1].at);
  const dedupeKey = sha256Hex(`text\n${canonicalJson(v)}`);
  const utterances = v.messages.map((m) => {
    const offset = Date.parse(m.at) - start;
    return { speaker: m.speaker, startMs: offset, endMs: offset, text: m.text, words: [], keyphrases: [], confidence: null };
  });
  const result = await deps.conversations.create(
    {
      channel: v.channel,
      ...routingColumns(v),
      startedAt: new Date(start),
      endedAt: new Date(lastAt),
      durationMs: lastAt - start,
      source: 'text',
      dedupeKey,
      status: 'transcribed',
    },
    { utterances },
  );
  if (!result.duplicate) deps.log.info({ conversationId: result.conversation.id, channel: v.channel, messages: v.messages.length }, 'text conversation received');
  return result;
}
