import type { DataSource } from 'typeorm';

/**
 * The agent ids bound to a sign-in account (its `sub`), see migration 1763901100000. Looked up on an agent's
 * requests (cached a minute per process); the first request of an account binds its username as its agent id unless
 * another account already holds that id — then the account gets no agent id (it sees nothing) until an administrator
 * moves the binding.
 */
export class AgentAccounts {
  private cache = new Map<string, { ids: string[]; until: number }>();
  constructor(private readonly db: DataSource) {}

  async agentIdsFor(
    sub: string,
    username: string,
  ): Promise<{ ids: string[]; bound?: string; conflict?: { agentId: string; heldBy: string } }> {
    const hit = this.cache.get(sub);
    if (hit && hit.until > Date.now()) return { ids: hit.ids };
    let rows: Array<{ agent_id: string }> = await this.db.query(
      'SELECT agent_id FROM agent_accounts WHERE sub = $1 ORDER BY agent_id',
      [sub],
    );
    let bound: string | undefined;
    let conflict: { agentId: string; heldBy: string } | undefined;
    if (!rows.length) {
      const inserted: Array<{ agent_id: string }> = await this.db.query(
        `INSERT INTO agent_accounts (agent_id, sub, username, bound_by) VALUES ($1, $2, $1, 'first sign-in')
           ON CONFLICT (agent_id) DO NOTHING RETURNING agent_id`,
        [username, sub],
      );
      if (inserted.length) {
        rows = inserted;
        bound = username;
      } else {
        const holder: Array<{ username: string; sub: string }> = await this.db.query(
          'SELECT username, sub FROM agent_accounts WHERE agent_id = $1',
          [username],
        );
        conflict = { agentId: username, heldBy: holder[0]?.sub ?? 'unknown' };
      }
    }
    const ids = rows.map((r) => r.agent_id);
    // a conflict is cached briefly: once an administrator moves the binding it takes effect within seconds
    this.cache.set(sub, { ids, until: Date.now() + (conflict ? 10_000 : 60_000) });
    return { ids, ...(bound ? { bound } : {}), ...(conflict ? { conflict } : {}) };
  }

  /** Binds an agent id to an account (moving it from whoever held it); returns the previous holder's sub. */
  async bind(agentId: string, sub: string, username: string, by: string): Promise<string | null> {
    const prev: Array<{ sub: string }> = await this.db.query('SELECT sub FROM agent_accounts WHERE agent_id = $1', [
      agentId,
    ]);
    await this.db.query(
      `INSERT INTO agent_accounts (agent_id, sub, username, bound_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (agent_id) DO UPDATE SET sub = EXCLUDED.sub, username = EXCLUDED.username, bound_at = now(), bound_by = EXCLUDED.bound_by`,
      [agentId, sub, username, by],
    );
    this.cache.clear();
    return prev[0]?.sub ?? null;
  }

  /** Removes an agent id's binding (the next account to sign in with that username takes it). */
  async unbind(agentId: string): Promise<boolean> {
    const [, n] = (await this.db.query('DELETE FROM agent_accounts WHERE agent_id = $1', [agentId])) as [
      unknown,
      number,
    ];
    this.cache.clear();
    return n > 0;
  }

  list(): Promise<Array<{ agent_id: string; sub: string; username: string; bound_at: Date; bound_by: string }>> {
    return this.db.query('SELECT agent_id, sub, username, bound_at, bound_by FROM agent_accounts ORDER BY agent_id');
  }
}
