import crypto from 'node:crypto';
import type IORedis from 'ioredis';

/**
 * Per-person allowances in fixed windows, kept in Redis so every api process counts together. The person is keyed by
 * a hash of their subject id; nothing else is stored, and each window's key expires with it.
 */
export class RateLimits {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
  ) {}

  /** Takes one from `who`'s allowance for `action` in the current window; `ok` false once it is spent. */
  async take(
    action: string,
    who: string,
    limit: number,
    windowS: number,
  ): Promise<{ ok: boolean; retryAfterS: number }> {
    const nowS = Math.floor(Date.now() / 1000);
    const window = Math.floor(nowS / windowS);
    const person = crypto.createHash('sha256').update(who).digest('hex').slice(0, 32);
    const key = `${this.prefix}:limits:${action}:${person}:${window}`;
    const [[, n]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, windowS + 5)
      .exec()) as Array<[Error | null, number]>;
    return { ok: n <= limit, retryAfterS: windowS - (nowS % windowS) };
  }
}
