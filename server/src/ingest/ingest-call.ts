import type { Config } from '../config';
import type { Conversation } from '../entities/conversation';
import type { Speaker } from '../entities/recording';
import { canonicalJson, sha256Hex } from '../lib/canonical';
import { invalid } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { ConversationRepository } from '../repositories/conversations';
import type { ObjectStore } from '../repositories/object-store';
import type { PipelineQueue } from '../repositories/queue';
import type { StageName } from '../pipeline/stages';
import { callMetadataSchema, describeZodError, routingColumns } from './schema';
import { inspectWav } from '../speech/audio/wav';
import type { Vault } from '../repositories/vault';
import type { MaskingPolicy } from '../protection/pii/mask';
import { originalAudioContext } from '../protection/contexts';
import { conversationKeys } from './conversation-keys';

export interface IngestDeps {
  config: Pick<
    Config,
    'HOTLINE_MAX_UPLOAD_BYTES' | 'HOTLINE_MAX_DURATION_SECONDS' | 'HOTLINE_STEREO_MAP' | 'HOTLINE_MONO_SPEAKER'
  >;
  conversations: ConversationRepository;
  objects: ObjectStore;
  queue: PipelineQueue;
  vault: Vault;
  masking: MaskingPolicy;
  log: Logger;
}

export interface IngestResult {
  conversation: Conversation;
  duplicate: boolean;
}

export function defaultChannelMap(channels: number, cfg: IngestDeps['config']): Speaker[] {
  if (channels === 1) return [cfg.HOTLINE_MONO_SPEAKER];
  return cfg.HOTLINE_STEREO_MAP === 'agent-left' ? ['agent', 'customer'] : ['customer', 'agent'];
}

/**
 * Accepts a recording: checks the WAV header (cheap, no decoding), validates metadata, stores the bytes encrypted
 * under a new data key, writes conversation + recording + key in one transaction and enqueues transcription. Nothing is half-stored:
 * a bad file or bad metadata is refused before anything is written.
 */
export async function ingestCall(
  deps: IngestDeps,
  input: { audio: Buffer; metadata: unknown; source: 'api' | 'drop' | 'cli' | 'live'; originalName?: string },
): Promise<IngestResult> {
  const info = inspectWav(input.audio, {
    maxBytes: deps.config.HOTLINE_MAX_UPLOAD_BYTES,
    maxDurationSeconds: deps.config.HOTLINE_MAX_DURATION_SECONDS,
  });
  const parsed = callMetadataSchema.safeParse(input.metadata ?? {});
  if (!parsed.success) throw invalid('invalid_metadata', `invalid metadata: ${describeZodError(parsed.error)}`);
  const meta = parsed.data;
  const channelMap = meta.channelMap ?? defaultChannelMap(info.channels, deps.config);
  if (channelMap.length !== info.channels) {
    throw invalid(
      'invalid_metadata',
      `invalid metadata: channelMap names ${channelMap.length} speaker(s) for a ${info.channels}-channel recording`,
    );
  }
  const audioSha = sha256Hex(input.audio);
  // the key covers the metadata as sent plus the channel map in force, so a changed mapping is a new conversation
  const dedupeKey = deps.vault.blind.dedupeKey(`call\n${audioSha}\n${canonicalJson({ ...meta, channelMap })}`);
  const startedAt = meta.startedAt ? new Date(meta.startedAt) : new Date();

  // the audio is stored only encrypted, under a data key of its own (a child of the conversation's), bound to its id:
  // redaction destroys that key, so no copy of the unredacted upload stays readable
  let stored: { sha256: string; created: boolean } | undefined;
  const routing = routingColumns(meta);
  const result = await deps.conversations.create(
    dedupeKey,
    async (m) => {
      const k = await conversationKeys(deps.vault, m, routing.customerRef);
      const originalKey = await deps.vault.createKey(m, 'original', k.key);
      stored = await deps.objects.put(deps.vault.seal(originalKey, originalAudioContext(k.id), input.audio));
      return {
        conversation: {
          channel: 'call',
          ...routing,
          ...k.columns, // after the routing fields: the customer reference goes in sealed
          startedAt,
          endedAt: new Date(startedAt.getTime() + info.durationMs),
          durationMs: info.durationMs,
          holdMs: meta.holdSeconds === undefined ? null : Math.round(meta.holdSeconds * 1000),
          source: input.source,
          dedupeKey,
        },
        recording: {
          sha256: audioSha,
          objectId: stored.sha256,
          sizeBytes: String(input.audio.length),
          codec: info.codec,
          sampleRate: info.sampleRate,
          channels: info.channels,
          durationMs: info.durationMs,
          channelMap,
          originalKeyId: originalKey.id,
          originalName: input.originalName
            ? deps.vault.seal(
                k.key,
                { table: 'recordings', column: 'original_name', rowId: k.id },
                input.originalName.slice(0, 512),
              )
            : null,
        },
        blindIndex: k.blindIndex,
      };
    },
    async () => {
      if (stored?.created) await deps.objects.delete(stored.sha256); // leave no orphan object behind
    },
  );
  if (result.duplicate) {
    deps.log.info({ conversationId: result.conversation.id, source: input.source }, 'duplicate recording recognised');
    return result;
  }
  await enqueueOrLeaveForReconciler(deps, result.conversation.id);
  deps.log.info(
    { conversationId: result.conversation.id, source: input.source, durationMs: info.durationMs, codec: info.codec },
    'call received',
  );
  return result;
}

/**
 * PostgreSQL is the system of record: if Redis is unreachable the conversation stays where ingest left it and the
 * reconciler enqueues it. The upload is not held up: after `waitMs` the answer goes out (the queued command still
 * runs when Redis is back; the job id makes a second enqueue a no-op).
 */
export async function enqueueOrLeaveForReconciler(
  deps: Pick<IngestDeps, 'queue' | 'conversations' | 'log'>,
  conversationId: string,
  stage: StageName = 'transcribe',
  waitMs = 2000,
) {
  let timer: NodeJS.Timeout | undefined;
  try {
    const enqueued = deps.queue.enqueue(stage, conversationId);
    enqueued.catch(() => undefined);
    const jobId = await Promise.race([
      enqueued,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the queue did not answer within ${waitMs} ms`)), waitMs);
      }),
    ]);
    await deps.conversations.recordEvent(conversationId, stage, 'enqueued', { jobId });
  } catch (e) {
    deps.log.warn({ conversationId, err: (e as Error).message }, 'enqueue failed; the reconciler will retry');
  } finally {
    clearTimeout(timer);
  }
}
