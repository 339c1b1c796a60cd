import { allowedActions, conversationScope } from '../authz/permissions';
import { Caller, loadVisibleConversation } from '../authz/visible';
import type { Conversation } from '../entities/conversation';
import type { ProcessingEvent } from '../entities/processing-event';
import type { Recording } from '../entities/recording';
import { DomainError, invalid, notFound } from '../lib/errors';
import { audioContext } from '../protection/contexts';
import type { IndexedColumn } from '../protection/blind-index';
import { MaskingPolicy, remaskOriginal, typesHiddenFrom } from '../protection/pii/mask';
import { OpenedUtterance, openUtterances } from '../protection/sealed-transcript';
import type { UnmaskApprovals } from '../repositories/unmask-approvals';
import { useUnmaskApproval } from './unmask-approvals';
import type { Config } from '../config';
import { rateLimited } from '../lib/metrics';
import type { ConversationRepository, ListFilter } from '../repositories/conversations';
import type { RateLimits } from '../repositories/rate-limits';
import type { ObjectStore } from '../repositories/object-store';
import type { Vault } from '../repositories/vault';
import { openKeyOrGone, openMaskedTranscriptIfKept } from './transcript';

export interface ConversationDeps {
  conversations: ConversationRepository;
  vault: Vault;
  objects: ObjectStore;
  limits: RateLimits;
  config: Pick<Config, 'HOTLINE_UNMASK_PER_HOUR' | 'HOTLINE_IDENTIFIER_SEARCH_PER_HOUR' | 'HOTLINE_UNMASK_APPROVAL'>;
  masking: MaskingPolicy;
}

/**
 * One person's hourly allowance for a sensitive action (unmask, identifier search). Spent: the refusal is audited
 * (`denied`, why rate_limited), counted for alerting (hotline_rate_limited_total) and answered 429 with Retry-After.
 */
async function withinAllowance(
  d: Pick<ConversationDeps, 'limits'>,
  caller: Caller,
  action: 'transcript.unmask' | 'conversation.search_identifier',
  perHour: number,
  object: { type: string; id: string } | null,
  reason: string | undefined,
): Promise<void> {
  const r = await d.limits.take(action, caller.principal.sub, perHour, 3600);
  if (r.ok) return;
  rateLimited.inc({ action });
  await caller.audit(action, object, 'denied', { reason, details: { why: 'rate_limited', perHour } });
  throw new DomainError(
    'too_many',
    'rate_limited',
    `at most ${perHour} per person per hour (${action}); the allowance comes back in ${Math.ceil(r.retryAfterS / 60)} min`,
    { retryAfterS: r.retryAfterS },
  );
}

const encodeCursor = (startedAt: Date, id: string) =>
  Buffer.from(`${startedAt.toISOString()}|${id}`).toString('base64url');

/** A page cursor as this API issued it (newest first: the last row's start time and id). */
export function decodeCursor(c: string): { startedAt: Date; id: string } {
  const [ts, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  const startedAt = new Date(ts);
  const year = startedAt.getUTCFullYear();
  if (
    !id ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ||
    Number.isNaN(startedAt.getTime()) ||
    year < 1970 ||
    year > 9999
  )
    throw invalid('invalid_cursor', 'cursor is not one this API issued');
  return { startedAt, id };
}

/** A page of the conversations in the caller's scope, newest first, with the cursor of the next page. */
export async function listConversations(
  d: Pick<ConversationDeps, 'conversations'>,
  caller: Caller,
  q: Omit<ListFilter, 'scope' | 'cursor'> & { cursor?: string },
): Promise<{
  items: Conversation[];
  verdicts: Awaited<ReturnType<ConversationRepository['verdictBriefs']>>;
  nextCursor: string | null;
  allowedActions: string[];
}> {
  const items = await d.conversations.list({
    ...q,
    limit: q.limit + 1,
    cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
    scope: conversationScope(caller.principal),
  });
  await caller.audit('conversation.list', null, 'allowed', { details: { count: Math.min(items.length, q.limit) } });
  const page = items.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    verdicts: await d.conversations.verdictBriefs(page.map((c) => c.id)),
    nextCursor: items.length > q.limit && last ? encodeCursor(last.startedAt, last.id) : null,
    allowedActions: allowedActions(caller.principal),
  };
}

/** One conversation with its recording, masked transcript and processing history; the trace is written first. */
export async function conversationDetail(
  d: Pick<ConversationDeps, 'conversations' | 'vault'>,
  caller: Caller,
  id: string,
): Promise<{
  conversation: Conversation;
  recording: Recording | null;
  utterances: OpenedUtterance[];
  events: ProcessingEvent[];
  allowedActions: string[];
}> {
  const c = await loadVisibleConversation(d.conversations, caller, id, 'conversation.read');
  await caller.audit('conversation.read', { type: 'conversation', id }, 'allowed');
  const [recording, utterances, events] = await Promise.all([
    d.conversations.recording(id),
    openMaskedTranscriptIfKept(d, c),
    d.conversations.events(id),
  ]);
  return { conversation: c, recording, utterances, events, allowedActions: allowedActions(caller.principal, c) };
}

/**
 * The recording with spoken personal data silenced, decrypted in memory. Refused until the redact stage has run
 * (conflict), and gone once retention or erasure removed the audio or its key.
 */
export async function openRedactedRecording(
  d: ConversationDeps,
  caller: Caller,
  id: string,
  range: string | null,
): Promise<Buffer> {
  const visible = await d.conversations.findVisible(id, conversationScope(caller.principal));
  const rec = visible ? await d.conversations.recording(id) : null;
  if (!visible || !rec) {
    await caller.audit('recording.play', { type: 'conversation', id }, 'denied', {
      details: { why: 'missing or outside scope' },
    });
    throw notFound('recording');
  }
  if (!rec.objectId)
    throw new DomainError(
      'gone',
      'audio_removed',
      'the recording was removed under the retention policy or by erasure',
    );
  // until spoken personal data is overwritten, nobody plays the recording
  if (!rec.redactedAt)
    throw new DomainError(
      'conflict',
      'not_yet_redacted',
      `the recording is still being protected (status ${visible.status}); try again when the conversation is protected`,
    );
  const key = await openKeyOrGone(d.vault, visible.keyId);
  if (!key) throw new DomainError('gone', 'audio_removed', 'the recording was erased (its key was destroyed)');
  await caller.audit('recording.play', { type: 'conversation', id }, 'allowed', {
    details: { range, redacted: !!rec.redactedAt },
  });
  // stored encrypted: decrypted in memory and served from there (calls are minutes long, a few MB)
  return d.vault.unseal(key, audioContext(id), await d.objects.get(rec.objectId));
}

/**
 * The original (unmasked) transcript for a stated reason: the audit event, with the reason, the utterances and the
 * PII types (never values), is written before anything is decrypted. Sensitive authentication data was never stored.
 */
export async function unmaskTranscript(
  d: Pick<ConversationDeps, 'conversations' | 'vault' | 'limits' | 'config' | 'masking'> & {
    approvals: UnmaskApprovals;
  },
  caller: Caller,
  id: string,
  reason: string,
  utteranceIds?: string[],
  approvalId?: string,
): Promise<Array<OpenedUtterance & { purged: boolean }>> {
  const c = await loadVisibleConversation(d.conversations, caller, id, 'transcript.unmask', reason);
  await withinAllowance(
    d,
    caller,
    'transcript.unmask',
    d.config.HOTLINE_UNMASK_PER_HOUR,
    { type: 'conversation', id },
    reason,
  );
  // the deployment's two-person rule: another person approved this unmask (used up here)
  if (d.config.HOTLINE_UNMASK_APPROVAL === 'two-person')
    await useUnmaskApproval({ conversations: d.conversations, approvals: d.approvals }, caller, id, approvalId, reason);
  const key = await openKeyOrGone(d.vault, c.keyId);
  if (!key) {
    await caller.audit('transcript.unmask', { type: 'conversation', id }, 'error', {
      reason,
      details: { why: 'erased' },
    });
    throw new DomainError('gone', 'erased', 'this conversation was erased; nothing can be unmasked');
  }
  let rows = await d.conversations.utterances(id);
  if (utteranceIds) {
    const want = new Set(utteranceIds);
    rows = rows.filter((u) => want.has(u.id));
    if (rows.length !== want.size)
      throw invalid('unknown_utterance', 'utteranceIds names an utterance that is not part of this conversation');
  }
  // the types this person's roles may not see stay masked in the originals (masking.yaml `unmask`)
  const hidden = typesHiddenFrom(d.masking, caller.principal.roles);
  const piiTypes = [...new Set(rows.flatMap((u) => u.pii.map((p) => p.type)))];
  // the trace first: if it cannot be written, nothing is revealed
  await caller.audit('transcript.unmask', { type: 'conversation', id }, 'allowed', {
    reason,
    details: {
      utterances: rows.map((u) => u.id),
      piiTypes: piiTypes.filter((t) => !hidden.has(t)),
      ...(piiTypes.some((t) => hidden.has(t)) ? { piiTypesKeptMasked: piiTypes.filter((t) => hidden.has(t)) } : {}),
    },
  });
  // the originals' own key (destroyed with them by retention: then every original is null and none is opened)
  const originalKey = (c.originalTextKeyId && (await openKeyOrGone(d.vault, c.originalTextKeyId))) || key;
  const opened = await openUtterances(d.vault, originalKey, rows, 'original');
  return opened.map((u) => ({ ...u, ...remaskOriginal(u, u.pii, d.masking, hidden) }));
}

/** Conversations in the caller's scope that mention an exact identifier, through its keyed blind index. */
export async function searchByIdentifier(
  d: Pick<ConversationDeps, 'conversations' | 'vault' | 'limits' | 'config'>,
  caller: Caller,
  q: { kind: IndexedColumn; value: string; reason: string },
): Promise<{
  items: Conversation[];
  verdicts: Awaited<ReturnType<ConversationRepository['verdictBriefs']>>;
  allowedActions: string[];
}> {
  await withinAllowance(
    d,
    caller,
    'conversation.search_identifier',
    d.config.HOTLINE_IDENTIFIER_SEARCH_PER_HOUR,
    null,
    q.reason,
  );
  const digest = d.vault.blind.index(q.kind, q.value);
  const items = await d.conversations.findByBlindIndex(q.kind, digest, conversationScope(caller.principal), 100);
  // the identifier itself is not written to the trail, only its kind and how many matched
  await caller.audit('conversation.search_identifier', null, 'allowed', {
    reason: q.reason,
    details: { kind: q.kind, count: items.length },
  });
  return {
    items,
    verdicts: await d.conversations.verdictBriefs(items.map((c) => c.id)),
    allowedActions: allowedActions(caller.principal),
  };
}
