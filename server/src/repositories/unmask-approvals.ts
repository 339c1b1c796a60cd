import crypto from 'node:crypto';
import type IORedis from 'ioredis';

/** A second person's approval of one unmask (two-person rule), kept in Redis for an hour at most. */
export interface UnmaskApproval {
  id: string;
  conversationId: string;
  requesterSub: string;
  requesterName: string;
  reason: string;
  state: 'pending' | 'approved' | 'denied';
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

  async create(a: Omit<UnmaskApproval, 'id' | 'state'>): Promise<UnmaskApproval> {
    const row: UnmaskApproval = { ...a, id: crypto.randomUUID(), state: 'pending' };
    await this.redis.set(this.key(row.id), JSON.stringify(row), 'EX', 3600);
    return row;
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
    return (await this.redis.del(this.key(id))) === 1;
  }
}
