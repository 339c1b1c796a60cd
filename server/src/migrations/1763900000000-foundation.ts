import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        channel varchar(16) NOT NULL CHECK (channel IN ('call','chat','email','sms')),
        direction varchar(16) CHECK (direction IN ('inbound','outbound')),
        language varchar(16) NOT NULL DEFAULT 'en',
        agent_id varchar(128),
        team_id varchar(128),
        queue varchar(128),
        customer_ref varchar(256),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        duration_ms integer,
        status varchar(24) NOT NULL DEFAULT 'received',
        failed_stage varchar(32),
        failure_reason text,
        source varchar(16) NOT NULL,
        dedupe_key char(64) NOT NULL UNIQUE,
        asr_engine varchar(128),
        transcribed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT conversations_failed_has_reason CHECK (status <> 'failed' OR failure_reason IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX conversations_started_id ON conversations (started_at, id)`);
    await q.query(`CREATE INDEX conversations_agent ON conversations (agent_id)`);
    await q.query(`CREATE INDEX conversations_team ON conversations (team_id)`);
    await q.query(`CREATE INDEX conversations_status ON conversations (status)`);
    await q.query(`
      CREATE TABLE recordings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL UNIQUE REFERENCES conversations(id) ON DELETE CASCADE,
        sha256 char(64) NOT NULL,
        size_bytes bigint NOT NULL,
        codec varchar(16) NOT NULL,
        sample_rate integer NOT NULL,
        channels smallint NOT NULL,
        duration_ms integer NOT NULL,
        channel_map jsonb NOT NULL,
        original_name varchar(512),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX recordings_sha256 ON recordings (sha256)`);
    await q.query(`
      CREATE TABLE utterances (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        speaker varchar(16) NOT NULL CHECK (speaker IN ('agent','customer','unknown')),
        start_ms integer NOT NULL,
        end_ms integer NOT NULL,
        text text NOT NULL,
        words jsonb NOT NULL DEFAULT '[]',
        confidence real,
        UNIQUE (conversation_id, seq)
      )`);
    await q.query(`
      CREATE TABLE processing_events (
        id bigserial PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        stage varchar(32) NOT NULL,
        kind varchar(16) NOT NULL,
        attempt integer,
        job_id varchar(128),
        detail jsonb,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX processing_events_conv ON processing_events (conversation_id, id)`);
    await q.query(`
      CREATE TABLE stage_runs (
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        stage varchar(32) NOT NULL,
        version integer NOT NULL,
        completed_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        detail jsonb,
        PRIMARY KEY (conversation_id, stage, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stage_runs, processing_events, utterances, recordings, conversations`);
  }
}
