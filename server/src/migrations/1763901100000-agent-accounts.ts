import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which sign-in account (Keycloak `sub`, never reused) is the agent whose id the recorders send: an agent sees the
 * conversations of the agent ids bound to their account. The binding is made at an account's first request (its
 * username as the agent id, if no other account holds it), so a username given to a new person later does not
 * inherit the previous holder's conversations; an administrator moves a binding with `hotline agents`.
 */
export class AgentAccounts1763901100000 implements MigrationInterface {
  name = 'AgentAccounts1763901100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE agent_accounts (
      agent_id varchar(128) PRIMARY KEY,
      sub varchar(255) NOT NULL,
      username varchar(255) NOT NULL,
      bound_at timestamptz NOT NULL DEFAULT now(),
      bound_by varchar(255) NOT NULL
    )`);
    await q.query(`CREATE INDEX agent_accounts_sub ON agent_accounts (sub)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON agent_accounts TO hotline_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agent_accounts`);
  }
}
