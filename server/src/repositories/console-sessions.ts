import crypto from 'node:crypto';
import type IORedis from 'ioredis';

/** What the server keeps for a signed-in console user: the tokens never reach the browser. */
export interface ConsoleSession {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  /** access token expiry (ms since epoch) */
  accessExpiresAt: number;
  username: string;
  createdAt: number;
}

export interface PendingLogin {
  verifier: string;
  nonce: string;
  next: string;
  redirectUri: string;
}

/** Session ids are stored hashed: a Redis dump does not hold a usable cookie. */
const hash = (id: string) => crypto.createHash('sha256').update(id).digest('hex');

/**
 * Console sessions and pending sign-ins in Redis, with expiry: idle sessions end after `idleS`, every session after
 * `absoluteS` from sign-in, a pending sign-in after 10 minutes (and it is used once).
 */
export class ConsoleSessionStore {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
    readonly idleS: number,
    readonly absoluteS: number,
  ) {}

  private key = (kind: string, id: string) => `${this.prefix}:console:${kind}:${hash(id)}`;

  async putLogin(state: string, login: PendingLogin): Promise<void> {
    await this.redis.set(this.key('login', state), JSON.stringify(login), 'EX', 600);
  }

  /** The pending sign-in for `state`, removed as it is read (a code can be exchanged once). */
  async takeLogin(state: string): Promise<PendingLogin | null> {
    const v = await this.redis.getdel(this.key('login', state));
    return v ? (JSON.parse(v) as PendingLogin) : null;
  }

  async create(s: ConsoleSession): Promise<string> {
    const id = crypto.randomBytes(32).toString('base64url');
    await this.redis.set(this.key('session', id), JSON.stringify(s), 'EX', this.idleS);
    return id;
  }

  /** The session, its idle timer restarted; null when it ended (idle, absolute limit, or signed out). */
  async get(id: string, now = Date.now()): Promise<ConsoleSession | null> {
    const k = this.key('session', id);
    const v = await this.redis.get(k);
    if (!v) return null;
    const s = JSON.parse(v) as ConsoleSession;
    if (now - s.createdAt > this.absoluteS * 1000) {
      await this.redis.del(k);
      return null;
    }
    await this.redis.expire(k, this.idleS);
    return s;
  }

  async update(id: string, s: ConsoleSession): Promise<void> {
    await this.redis.set(this.key('session', id), JSON.stringify(s), 'EX', this.idleS);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key('session', id));
  }
}
