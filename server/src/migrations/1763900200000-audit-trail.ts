import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail. The application connects as (or SET ROLEs to) `hotline_app`, which may SELECT and INSERT audit
 * rows and nothing else; a trigger also refuses UPDATE, DELETE and TRUNCATE for every role. A superuser who
 * disables the trigger still cannot change a row unseen: the hash chain and the signed checkpoints tell.
 */
export class AuditTrail1763900200000 implements MigrationInterface {
  name = 'AuditTrail1763900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        actor_id varchar(128) NOT NULL,
        actor_name varchar(256),
        roles jsonb NOT NULL,
        action varchar(64) NOT NULL,
        object_type varchar(64),
        object_id varchar(128),
        reason text,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('allowed','denied','error')),
        request_id varchar(128),
        details jsonb,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL UNIQUE
      )`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        seq bigint PRIMARY KEY,
        hash char(64) NOT NULL,
        at timestamptz NOT NULL,
        key_id varchar(64) NOT NULL,
        signature text NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit trail is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_append_only()`,
    );
    await q.query(
      `CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`,
    );
    await q.query(
      `CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_append_only()`,
    );
    await q.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_app') THEN CREATE ROLE hotline_app NOLOGIN; END IF;
      END $$`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON conversations, recordings, utterances, processing_events, stage_runs TO hotline_app`,
    );
    await q.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hotline_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO hotline_app`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_checkpoints FROM hotline_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_checkpoints, audit_events`);
    await q.query(`DROP FUNCTION audit_append_only()`);
  }
}
