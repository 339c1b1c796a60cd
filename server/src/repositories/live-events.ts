import type IORedis from 'ioredis';

/**
 * What happens in calls in progress, for the supervisors watching: published on one Redis channel, so every API
 * process's subscribers get the events of calls any API process takes. Texts in events are masked.
 */
export type LiveEventType = 'call.started' | 'partial' | 'turn' | 'alert' | 'call.ended';

export interface LiveCallEvent {
  type: LiveEventType;
  sessionId: string;
  /** whose call: for the watcher's scope (supervisor → teams, agent → own) */
  teamId: string | null;
  agentId: string | null;
  queue: string | null;
  /** call time, ms */
  atMs: number;
  speaker?: 'agent' | 'customer' | 'unknown';
  /** masked */
  text?: string;
  /** partial: call time of the newest word heard so far (how far the transcript has caught up), ms */
  heardToMs?: number;
  alert?: {
    kind: string;
    ruleId?: string;
    title: string;
    fatal: boolean;
    types?: string[];
  };
  /** call.ended: the conversation it became, and why it ended */
  conversationId?: string;
  reason?: 'ended' | 'connection_lost';
  /** wall clock when published (epoch ms) */
  sentAt: number;
}

export class LiveEventBus {
  private sub?: IORedis;
  private readonly handlers = new Set<(e: LiveCallEvent) => void>();

  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
  ) {}

  private get channel() {
    return `${this.prefix}:live:events`;
  }

  async publish(e: Omit<LiveCallEvent, 'sentAt'>): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify({ ...e, sentAt: Date.now() }));
  }

  /** Calls `handler` with every event until the returned function is called. */
  async subscribe(handler: (e: LiveCallEvent) => void): Promise<() => void> {
    if (!this.sub) {
      const sub = this.redis.duplicate();
      this.sub = sub;
      sub.on('message', (_ch: string, raw: string) => {
        let e: LiveCallEvent;
        try {
          e = JSON.parse(raw) as LiveCallEvent;
        } catch {
          return;
        }
        for (const h of this.handlers) h(e);
      });
      await sub.subscribe(this.channel);
    }
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.sub?.disconnect();
    this.sub = undefined;
  }
}
