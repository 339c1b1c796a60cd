import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quality inspection: policy versions, verdicts (several per conversation over time, one current), findings with
 * evidence as places, disputes and labelled cases. Conversations get the `inspecting` / `inspected` states.
 */
export class Inspection1763900400000 implements MigrationInterface {
  name = 'Inspection1763900400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE qa_policies (
        policy_id varchar(64) NOT NULL,
        version integer NOT NULL,
        content_hash char(64) NOT NULL,
        source text NOT NULL,
        title varchar(200) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('draft','active','retired')),
        created_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_by varchar(128),
        activated_at timestamptz,
        PRIMARY KEY (policy_id, version)
      )`);
    await q.query(`CREATE UNIQUE INDEX qa_policies_one_active ON qa_policies (policy_id) WHERE status = 'active'`);
    await q.query(`
      CREATE TABLE verdicts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('inspected','not_applicable')),
        reason_code varchar(32),
        reason text,
        policy_id varchar(64),
        policy_version integer,
        policy_hash char(64),
        transcript_hash char(64) NOT NULL,
        models jsonb NOT NULL,
        score real,
        passed boolean,
        fatal_rules jsonb NOT NULL DEFAULT '[]',
        sections jsonb NOT NULL DEFAULT '[]',
        final_score real,
        final_passed boolean,
        verdict_hash char(64) NOT NULL,
        trigger varchar(16) NOT NULL,
        current boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (outcome = 'inspected' OR reason IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX verdicts_conversation ON verdicts (conversation_id, current)`);
    await q.query(`CREATE UNIQUE INDEX verdicts_one_current ON verdicts (conversation_id) WHERE current`);
    await q.query(`
      CREATE TABLE findings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        verdict_id uuid NOT NULL REFERENCES verdicts(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL,
        ordinal integer NOT NULL,
        rule_id varchar(64) NOT NULL,
        section_id varchar(64) NOT NULL,
        rule_type varchar(32) NOT NULL,
        title varchar(200) NOT NULL,
        result varchar(16) NOT NULL CHECK (result IN ('pass','fail','not_applicable','not_evaluated')),
        fatal boolean NOT NULL,
        weight real NOT NULL,
        message text NOT NULL,
        evidence jsonb NOT NULL,
        measured jsonb,
        review_state varchar(16) CHECK (review_state IN ('confirmed','overturned')),
        reviewed_by varchar(128),
        reviewed_at timestamptz,
        review_comment text
      )`);
    await q.query(`CREATE INDEX findings_verdict ON findings (verdict_id, ordinal)`);
    await q.query(`
      CREATE TABLE disputes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        verdict_id uuid NOT NULL REFERENCES verdicts(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL,
        raised_by varchar(128) NOT NULL,
        comment text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','rejected')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_by varchar(128),
        decided_at timestamptz,
        decision_comment text
      )`);
    await q.query(`CREATE UNIQUE INDEX disputes_one_open ON disputes (verdict_id) WHERE status = 'open'`);
    await q.query(`
      CREATE TABLE labelled_cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        finding_id uuid NOT NULL UNIQUE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        policy_id varchar(64) NOT NULL,
        policy_version integer NOT NULL,
        rule_id varchar(64) NOT NULL,
        expected varchar(8) NOT NULL CHECK (expected IN ('pass','fail')),
        source varchar(16) NOT NULL,
        labelled_by varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON qa_policies, verdicts, findings, disputes, labelled_cases TO hotline_app`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE labelled_cases, disputes, findings, verdicts, qa_policies`);
  }
}
