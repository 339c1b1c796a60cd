import crypto from 'node:crypto';
import type IORedis from 'ioredis';

const TTL_S = 3600;

/** A second person's approval of one unmask (two-person rule), kept in Redis for an hour at most. */
export interface UnmaskApproval {
  id: string;
  conversationId: string;
  requesterSub: string;
  requesterName: string;
  reason: string;
  state: 'pending' | 'approved' | 'denied';
  /** when it was asked (epoch ms) */
  requestedAt: number;
  approverSub?: string;
  approverName?: string;
  /** an approval is good for this long after it was given (epoch ms) */
  usableUntil?: number;
}

export class UnmaskApprovals {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
  ) {}

  private key(id: string) {
    return `${this.prefix}:unmask-approval:${id}`;
  }

  private index() {
    return `${this.prefix}:unmask-approvals`;
  }

  async create(a: Omit<UnmaskApproval, 'id' | 'state' | 'requestedAt'>): Promise<UnmaskApproval> {
    const row: UnmaskApproval = { ...a, id: crypto.randomUUID(), state: 'pending', requestedAt: Date.now() };
    await this.redis
      .multi()
      .set(this.key(row.id), JSON.stringify(row), 'EX', TTL_S)
      .zadd(this.index(), row.requestedAt, row.id)
      .exec();
    return row;
  }

  /** Every request still kept (the last hour's, not yet used), newest first. */
  async list(): Promise<UnmaskApproval[]> {
    const now = Date.now();
    await this.redis.zremrangebyscore(this.index(), '-inf', now - TTL_S * 1000);
    const ids = await this.redis.zrevrange(this.index(), 0, 499);
    if (!ids.length) return [];
    const rows = await this.redis.mget(ids.map((id) => this.key(id)));
    return rows.flatMap((v) => (v ? [JSON.parse(v) as UnmaskApproval] : []));
  }

  async get(id: string): Promise<UnmaskApproval | undefined> {
    const v = await this.redis.get(this.key(id));
    return v ? (JSON.parse(v) as UnmaskApproval) : undefined;
  }

  async save(a: UnmaskApproval): Promise<void> {
    await this.redis.set(this.key(a.id), JSON.stringify(a), 'KEEPTTL');
  }

  /** Uses an approval up (once): true if it was still there; a second use finds nothing. */
  async consume(id: string): Promise<boolean> {
    const [[, n]] = (await this.redis.multi().del(this.key(id)).zrem(this.index(), id).exec()) as [
      [Error | null, number],
    ];
    return n === 1;
  }
}
