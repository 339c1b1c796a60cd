import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { defaultChannelMap, ingestCall, type IngestDeps } from '../ingest/ingest-call';
import { LiveRules } from '../inspection/live-rules';
import type { Policy } from '../inspection/qa-policy';
import { policyPhrases, selectPolicy } from '../inspection/qa-policy';
import type { PolicyRouting } from '../inspection/routing';
import { HttpError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { CipherSuite } from '../protection/cipher';
import type { KekProvider } from '../protection/keyring';
import type { AuditLog } from '../repositories/audit-log';
import type { LiveEventBus } from '../repositories/live-events';
import { LiveSpool } from '../repositories/live-spool';
import { encodeWav } from '../speech/audio/wav';
import { linearSamples, linearToUlaw } from '../speech/audio/g711';
import { LiveSpeech } from '../speech/live-pool';
import { LanguageModels } from '../understanding/classifier';
import { LiveProtocolError, type LiveConnection, type StartMessage } from './protocol';
import { LiveSession } from './session';

export interface LiveCallsDeps {
  config: Pick<
    Config,
    | 'HOTLINE_VAR_DIR'
    | 'HOTLINE_LIVE_THREADS'
    | 'HOTLINE_LIVE_MAX_CALLS'
    | 'HOTLINE_LIVE_RESUME_S'
    | 'HOTLINE_MAX_DURATION_SECONDS'
    | 'HOTLINE_MODELS_DIR'
  >;
  ingest: IngestDeps;
  kek: KekProvider;
  suite: CipherSuite;
  events: LiveEventBus;
  audit: Pick<AuditLog, 'append'>;
  policies: () => Promise<Policy[]>;
  routing?: PolicyRouting;
  /** the streaming speech models: English, and Mandarin (pinyin) where installed */
  modelDir: string;
  modelDirZh?: string;
  /** contextual biasing of live recognition towards the active policies' phrases (and these), at this score */
  hotwords?: { phrases: string[]; score: number };
  log: Logger;
}

/** Who sends a live call: a recorder's service account. */
export interface LiveSender {
  sub: string;
  username: string;
  client: string | null;
  roles: string[];
}

/** seconds between attempts to hand a finished call to the pipeline while the database or Redis is away */
const RETRY_MS = 15_000;

/**
 * The calls in progress on this API process. A call is keyed by the sending client and the recorder's call id, so a
 * recorder whose connection dropped resumes its call; one that does not come back within HOTLINE_LIVE_RESUME_S has
 * what was received handed to the pipeline. Spools left by a previous process are picked up at start the same way.
 */
export class LiveCalls {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly speech = new Map<'en' | 'zh', Promise<LiveSpeech>>();
  private models?: Promise<LanguageModels | undefined>;
  private closed = false;

  constructor(private readonly d: LiveCallsDeps) {}

  get root(): string {
    return path.join(this.d.config.HOTLINE_VAR_DIR, 'live');
  }

  private callKey(client: string, callId: string) {
    return crypto.createHash('sha256').update(`${client}\n${callId}`).digest('hex').slice(0, 32);
  }

  private loadSpeech(language: 'en' | 'zh'): Promise<LiveSpeech> {
    let p = this.speech.get(language);
    if (!p) {
      p = (async () => {
        if (language === 'zh')
          return LiveSpeech.start(this.d.modelDirZh!, this.d.config.HOTLINE_LIVE_THREADS, { language: 'zh' });
        const h = this.d.hotwords;
        const hotwords =
          h && h.score > 0
            ? {
                phrases: [...h.phrases, ...policyPhrases(await this.d.policies())],
                score: h.score,
                workDir: path.join(this.d.config.HOTLINE_VAR_DIR, 'asr'),
              }
            : undefined;
        return LiveSpeech.start(this.d.modelDir, this.d.config.HOTLINE_LIVE_THREADS, hotwords ? { hotwords } : {});
      })();
      this.speech.set(language, p);
    }
    return p;
  }

  private sentiment(): Promise<LanguageModels | undefined> {
    this.models ??= LanguageModels.load(this.d.config.HOTLINE_MODELS_DIR).catch((e) => {
      this.d.log.warn({ err: (e as Error).message }, 'live calls: no sentiment model, sentiment alerts are off');
      return undefined;
    });
    return this.models;
  }

  private async session(spool: LiveSpool): Promise<LiveSession> {
    const metadata = spool.meta.metadata as unknown as StartMessage['metadata'];
    const speakers = metadata.channelMap ?? defaultChannelMap(spool.meta.channels, this.d.ingest.config);
    const policy = selectPolicy(
      await this.d.policies(),
      {
        channel: 'call',
        queue: metadata.queue ?? null,
        language: metadata.language ?? 'en',
        teamId: metadata.teamId ?? null,
      },
      this.d.routing,
    );
    const language = (metadata.language ?? 'en').startsWith('zh') ? 'zh' : 'en';
    // the sentiment model reads English only
    const models = language === 'en' ? await this.sentiment() : undefined;
    return new LiveSession(spool, metadata, speakers, new LiveRules(policy, { queue: metadata.queue ?? null }), {
      speech: await this.loadSpeech(language),
      events: this.d.events,
      masking: this.d.ingest.masking,
      ...(models ? { sentiment: async (texts: string[]) => (await models.sentiments(texts)).map((s) => s.score) } : {}),
      log: this.d.log,
      maxDurationMs: this.d.config.HOTLINE_MAX_DURATION_SECONDS * 1000,
    });
  }

  /** A recorder starts (or resumes) a call on this connection. */
  async start(sender: LiveSender, msg: StartMessage, conn: LiveConnection): Promise<LiveSession> {
    if (this.closed) throw new LiveProtocolError(1013, 'shutting_down', 'the API is shutting down: try again');
    const client = sender.client ?? sender.sub;
    const id = this.callKey(client, msg.callId);
    let s = this.sessions.get(id);
    if (s) {
      const m = s.spool.meta;
      if (s.conn) throw new LiveProtocolError(4409, 'in_use', 'the call is open on another connection');
      if (s.ending) throw new LiveProtocolError(4409, 'ended', 'the call has ended');
      if (m.encoding !== msg.encoding || m.sampleRate !== msg.sampleRate || m.channels !== msg.channels)
        throw new LiveProtocolError(4400, 'mismatch', 'a resumed call keeps its encoding, rate and channels');
    } else {
      if (this.sessions.size >= this.d.config.HOTLINE_LIVE_MAX_CALLS)
        throw new LiveProtocolError(1013, 'busy', 'too many calls in progress: try again later');
      if (msg.metadata.channelMap && msg.metadata.channelMap.length !== msg.channels)
        throw new LiveProtocolError(4400, 'invalid_metadata', 'channelMap names one speaker per channel');
      const lang = msg.metadata.language.slice(0, 2);
      if (lang !== 'en' && !(lang === 'zh' && this.d.modelDirZh))
        throw new LiveProtocolError(
          4400,
          'no_speech_model',
          `no live speech model for language ${msg.metadata.language}`,
        );
      const spool = await LiveSpool.create(
        this.root,
        {
          sessionId: id,
          callId: msg.callId,
          client,
          encoding: msg.encoding,
          sampleRate: msg.sampleRate,
          channels: msg.channels,
          metadata: msg.metadata as Record<string, unknown>,
          startedAt: msg.metadata.startedAt ?? new Date().toISOString(),
        },
        this.d.kek,
        this.d.suite,
      );
      s = await this.session(spool);
      this.sessions.set(id, s);
      await this.audit(sender, 'live.call_started', id, { channels: msg.channels, encoding: msg.encoding });
      await s.publish({ type: 'call.started', atMs: 0 });
    }
    s.attach(conn);
    return s;
  }

  /** The connection dropped without `end`: the call waits for its recorder, then enters the pipeline as it is. */
  disconnected(s: LiveSession) {
    s.detach();
    if (s.ending || this.closed) return;
    s.resumeTimer = setTimeout(
      () => void this.finish(s, 'connection_lost'),
      this.d.config.HOTLINE_LIVE_RESUME_S * 1000,
    );
  }

  /** The call ended: the recording enters the pipeline; resolves with the conversation's id. */
  finish(s: LiveSession, reason: 'ended' | 'connection_lost', sender?: LiveSender): Promise<string> {
    s.ending ??= this.hand(s, reason, sender);
    return s.ending;
  }

  private async hand(s: LiveSession, reason: 'ended' | 'connection_lost', sender?: LiveSender) {
    await s.drain();
    const audio = await this.recording(s);
    for (;;) {
      try {
        const r = await ingestCall(this.d.ingest, {
          audio,
          metadata: { ...s.metadata, startedAt: s.metadata.startedAt ?? s.spool.meta.startedAt },
          source: 'live',
        });
        await this.audit(
          sender ?? { sub: s.spool.meta.client, username: s.spool.meta.client, client: s.spool.meta.client, roles: [] },
          'live.call_ended',
          s.id,
          { reason, conversationId: r.conversation.id },
        );
        await s.publish({ type: 'call.ended', atMs: 0, conversationId: r.conversation.id, reason });
        this.sessions.delete(s.id);
        await s.spool.remove();
        return r.conversation.id;
      } catch (e) {
        if (e instanceof HttpError && e.status < 500) {
          // nothing the pipeline can take (a call of a few milliseconds): said, and the spool kept for the operator
          this.sessions.delete(s.id);
          await s.spool.close();
          this.d.log.warn({ session: s.id, code: e.code }, 'live call refused by ingest; its spool is kept');
          throw new LiveProtocolError(4400, e.code, e.message);
        }
        if (this.closed) throw e;
        // an outage delays the call, never loses it: the spool stays until the pipeline has it
        this.d.log.warn({ session: s.id, err: (e as Error).message }, 'live call waits for ingest to be possible');
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  /** The spooled channels as one WAV file, as a recorder would have uploaded it. */
  private async recording(s: LiveSession): Promise<Buffer> {
    const m = s.spool.meta;
    const raw = await Promise.all(Array.from({ length: m.channels }, (_, ch) => s.spool.read(ch)));
    const width = m.encoding === 'mulaw' ? 1 : 2;
    const frames = Math.max(...raw.map((b) => b.length / width));
    // channels of unequal length are padded with silence to the longest
    const pcm = raw.map((b) => {
      const out = new Int16Array(frames);
      out.set(linearSamples(b, m.encoding));
      return out;
    });
    return m.encoding === 'mulaw' ? encodeWav(pcm, m.sampleRate, 'mulaw', linearToUlaw) : encodeWav(pcm, m.sampleRate);
  }

  private async audit(sender: LiveSender, action: string, id: string, details: Record<string, unknown>) {
    await this.d.audit.append({
      actorId: sender.sub,
      actorName: sender.username,
      roles: sender.roles,
      action,
      objectType: 'live_call',
      objectId: id,
      reason: null,
      outcome: 'allowed',
      requestId: null,
      details,
    });
  }

  /** Calls a previous process left on disk wait for their recorders like dropped connections. */
  async recover(): Promise<number> {
    if (!fs.existsSync(this.root)) return 0;
    const spools = await LiveSpool.openAll(this.root, this.d.kek);
    for (const spool of spools) {
      if (this.sessions.has(spool.meta.sessionId)) continue;
      const s = await this.session(spool);
      this.sessions.set(s.id, s);
      this.disconnected(s);
    }
    if (spools.length) this.d.log.info({ calls: spools.length }, 'live calls recovered from the spool');
    return spools.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sessions.values()) {
      clearTimeout(s.resumeTimer);
      s.conn?.close(1012, 'the API is restarting: resume the call');
      await s.spool.close();
    }
    this.sessions.clear();
    for (const p of this.speech.values()) await (await p.catch(() => undefined))?.close();
    await (await this.models)?.release();
  }
}
