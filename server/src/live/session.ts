import type { Speaker } from '../entities/recording';
import type { CallMetadata } from '../ingest/schema';
import { LiveRules, type LiveAlert } from '../inspection/live-rules';
import { toInspectUtterance } from '../inspection/transcript';
import type { Logger } from '../lib/logger';
import { protectTranscript, type PlainUtterance } from '../protection/protect-transcript';
import type { MaskingPolicy } from '../protection/pii/mask';
import type { LiveCallEvent, LiveEventBus } from '../repositories/live-events';
import type { LiveSpool } from '../repositories/live-spool';
import { linearSamples } from '../speech/audio/g711';
import type { LiveEvent } from '../speech/live';
import type { LiveSpeech } from '../speech/live-pool';
import { LiveProtocolError, type LiveConnection } from './protocol';

/** Finished turns read together when masking a new one (a question for a card number opens the next turns). */
const MASK_WINDOW = 8;
/** audio messages to the speech threads not yet decoded before the recorder is paused (≈ 100 ms each) */
const PAUSE_AT = 60;
const RESUME_AT = 10;

export interface SessionDeps {
  speech: LiveSpeech;
  events: LiveEventBus;
  masking: MaskingPolicy;
  /** customer sentiment of masked texts (−1…1); absent when the models are not installed */
  sentiment?: (texts: string[]) => Promise<number[]>;
  log: Logger;
  maxDurationMs: number;
}

/**
 * One call in progress: its audio goes to the spool (what is acknowledged is on disk) and to the streaming
 * recogniser; finished turns are masked in the context of the turns before them, read by the live rules, and
 * published (masked) with the alerts they raise. The recording itself enters the pipeline when the call ends.
 */
export class LiveSession {
  conn?: LiveConnection;
  /** set while the call waits for its recorder to come back */
  resumeTimer?: NodeJS.Timeout;
  ending?: Promise<string>;
  private readonly finals: PlainUtterance[] = [];
  private work: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private paused = false;
  private ackTimer?: NodeJS.Timeout;
  /** channel time (ms) where this process's recognition starts: audio stored by an earlier process is not re-heard */
  private readonly offsetMs: number[];
  private readonly speakers: Speaker[];
  /** the call's clock: how far the recogniser has got on any channel (silence moves it on too), ms */
  private nowMs = 0;
  /** per channel, the channel time at the end of each audio message not yet back from the recogniser */
  private readonly decoding: number[][];
  private opened = false;

  constructor(
    readonly spool: LiveSpool,
    readonly metadata: CallMetadata,
    speakers: Speaker[],
    private readonly rules: LiveRules,
    private readonly deps: SessionDeps,
  ) {
    this.speakers = speakers;
    this.offsetMs = spool.stored.map((b) => this.bytesToMs(b));
    this.nowMs = Math.max(0, ...this.offsetMs);
    this.decoding = this.offsetMs.map(() => []);
  }

  get id(): string {
    return this.spool.meta.sessionId;
  }

  private key(channel: number) {
    return `${this.id}:${channel}`;
  }

  private bytesToMs(bytes: number) {
    const m = this.spool.meta;
    return Math.round((bytes / (m.encoding === 'mulaw' ? 1 : 2) / m.sampleRate) * 1000);
  }

  private openSpeech() {
    if (this.opened) return;
    this.opened = true;
    for (let ch = 0; ch < this.spool.meta.channels; ch++)
      this.deps.speech.open(this.key(ch), this.spool.meta.sampleRate, (events) => this.onSpeech(ch, events));
  }

  attach(conn: LiveConnection) {
    this.conn = conn;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    this.openSpeech();
    this.ackTimer ??= setInterval(() => void this.ack(), 500);
    conn.send({ type: 'started', sessionId: this.id, received: [...this.spool.stored] });
  }

  detach() {
    this.conn = undefined;
    this.paused = false;
  }

  /** A binary frame: byte 0 the channel, then its audio. */
  audio(frame: Buffer) {
    if (this.ending) throw new LiveProtocolError(4400, 'ended', 'the call has ended');
    const ch = frame[0];
    const m = this.spool.meta;
    if (frame.length < 2 || ch >= m.channels)
      throw new LiveProtocolError(4400, 'bad_frame', `a frame is a channel byte (0–${m.channels - 1}) and audio`);
    const bytes = frame.subarray(1);
    if (m.encoding === 'pcm16' && bytes.length % 2)
      throw new LiveProtocolError(4400, 'bad_frame', '16-bit PCM frames carry an even number of bytes');
    if (this.bytesToMs(this.spool.stored[ch] + bytes.length) > this.deps.maxDurationMs)
      throw new LiveProtocolError(4400, 'too_long', 'the call is longer than the longest recording taken');
    void this.spool.append(ch, Buffer.from(bytes)).catch((e) => this.deps.log.error({ err: e.message }, 'live spool'));
    this.decoding[ch].push(this.bytesToMs(this.spool.stored[ch]));
    const pcm = linearSamples(bytes, m.encoding);
    this.inFlight++;
    if (this.inFlight >= PAUSE_AT && this.conn && !this.paused) {
      this.paused = true;
      this.conn.pause();
    }
    this.deps.speech.feed(this.key(ch), pcm);
  }

  private async ack() {
    if (!this.conn) return;
    try {
      await this.spool.sync();
      this.conn?.send({ type: 'ack', received: [...this.spool.stored] });
    } catch (e) {
      this.deps.log.error({ err: (e as Error).message }, 'live spool could not be synced');
    }
  }

  private onSpeech(channel: number, events: LiveEvent[]) {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.paused && this.inFlight <= RESUME_AT) {
      this.paused = false;
      this.conn?.resume();
    }
    const done = this.decoding[channel].shift();
    if (done !== undefined) this.nowMs = Math.max(this.nowMs, done);
    const offset = this.offsetMs[channel];
    const speaker = this.speakers[channel] ?? 'unknown';
    for (const e of events) {
      if (e.type === 'partial') {
        this.rules.speech(e.lastTokenMs + offset);
        const text = e.text;
        const at = e.startMs + offset;
        const heardToMs = e.lastTokenMs + offset;
        this.work = this.work.then(() =>
          this.publish({ type: 'partial', atMs: at, heardToMs, speaker, text: this.maskPartial(speaker, at, text) }),
        );
      } else {
        const u: PlainUtterance = {
          speaker,
          startMs: e.startMs + offset,
          endMs: e.endMs + offset,
          text: e.text,
          words: e.words.map((w) => ({ w: w.word, s: w.startMs + offset, e: w.endMs + offset, c: w.confidence })),
          keyphrases: [],
          confidence: e.words.reduce((a, w) => a + w.confidence, 0) / e.words.length,
        };
        this.work = this.work.then(() => this.onTurn(u)).catch((err) => this.fail(err));
      }
    }
    const now = this.nowMs;
    this.work = this.work.then(() => this.raise(this.rules.tick(now)));
  }

  private fail(err: Error) {
    this.deps.log.error({ err: err.message, session: this.id }, 'live call: a turn could not be read');
  }

  /** A partial is masked as if it were the next finished turn. */
  private maskPartial(speaker: string, at: number, text: string): string {
    const p = this.protect({ speaker, startMs: at, endMs: at, text, words: [], keyphrases: [], confidence: null });
    return p.masked.text;
  }

  private protect(u: PlainUtterance) {
    const window = [...this.finals.slice(-MASK_WINDOW), u];
    const t = protectTranscript(window, this.deps.masking);
    return t.utterances[t.utterances.length - 1];
  }

  private async onTurn(u: PlainUtterance) {
    // turns of the two channels finish out of order: keep them in time order
    let i = this.finals.length;
    while (i > 0 && this.finals[i - 1].startMs > u.startMs) i--;
    this.finals.splice(i, 0, u);
    const p = this.protect(u);
    let sentiment: number | null = null;
    if (u.speaker === 'customer' && this.deps.sentiment && p.masked.text.trim())
      sentiment = (await this.deps.sentiment([p.masked.text]))[0] ?? null;
    const inspectable = toInspectUtterance({
      id: `${this.id}:${u.startMs}`,
      seq: i,
      speaker: u.speaker,
      startMs: u.startMs,
      endMs: u.endMs,
      text: p.masked.text,
      words: p.masked.words,
      pii: p.pii,
    });
    await this.publish({ type: 'turn', atMs: u.startMs, speaker: inspectable.speaker, text: p.masked.text });
    const alerts = this.rules.turn({ ...inspectable, sentiment, piiTypes: p.pii.map((x) => x.type) });
    await this.raise(alerts, p.masked.text);
  }

  private async raise(alerts: LiveAlert[], text?: string) {
    for (const a of alerts)
      await this.publish({
        type: 'alert',
        atMs: a.atMs,
        ...(a.speaker ? { speaker: a.speaker } : {}),
        ...(text && a.kind !== 'required_missing' && a.kind !== 'long_silence' ? { text } : {}),
        alert: {
          kind: a.kind,
          ...(a.ruleId ? { ruleId: a.ruleId } : {}),
          title: a.title,
          fatal: a.fatal,
          ...(a.types ? { types: a.types } : {}),
        },
      });
  }

  async publish(e: Omit<LiveCallEvent, 'sessionId' | 'teamId' | 'agentId' | 'queue' | 'sentAt'>) {
    try {
      await this.deps.events.publish({
        ...e,
        sessionId: this.id,
        teamId: this.metadata.teamId ?? null,
        agentId: this.metadata.agentId,
        queue: this.metadata.queue ?? null,
      });
    } catch (err) {
      // watchers miss an event while Redis is away; the call itself is on disk and goes on
      this.deps.log.warn({ err: (err as Error).message }, 'live event not published');
    }
  }

  /** The call ended (or its recorder never came back): the last turns are decoded and the audio is complete. */
  async drain(): Promise<void> {
    clearInterval(this.ackTimer);
    clearTimeout(this.resumeTimer);
    if (this.opened)
      await Promise.all(
        Array.from({ length: this.spool.meta.channels }, (_, ch) => this.deps.speech.end(this.key(ch))),
      );
    await this.work;
    await this.raise(this.rules.end());
    await this.spool.sync();
  }
}
