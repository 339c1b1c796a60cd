import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** pass / fail; not_applicable: the rule's condition does not hold here; not_evaluated: an input it needs is missing. */
export type RuleResult = 'pass' | 'fail' | 'not_applicable' | 'not_evaluated';

/** Where in the conversation: an utterance (and its matched tokens) or a time span between utterances. */
export interface Evidence {
  utteranceId?: string;
  seq?: number;
  startMs: number;
  endMs: number;
  /** matched token range [from, to) in the utterance's masked tokens */
  tokens?: [number, number];
  /** found by the speech engine's acoustic keyphrase search, not in the transcript text */
  spotted?: boolean;
}

export type PolicyStatus = 'draft' | 'active' | 'retired';

/** One version of a QA policy pack, with its YAML as approved. At most one version of a policy is active. */
@Entity('qa_policies')
export class QaPolicy {
  @PrimaryColumn({ name: 'policy_id', type: 'varchar', length: 64 })
  policyId: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ name: 'content_hash', type: 'char', length: 64 })
  contentHash: string;

  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'varchar', length: 16 })
  status: PolicyStatus;

  @Column({ name: 'created_by', type: 'varchar', length: 128 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'activated_by', type: 'varchar', length: 128, nullable: true })
  activatedBy: string | null;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt: Date | null;
}

/**
 * A conversation's verdict under one policy version and one transcript. Re-inspection adds a verdict and marks the
 * earlier one not current; old verdicts stay. `not_applicable` verdicts carry the reason instead of a score.
 */
@Entity('verdicts')
@Index(['conversationId', 'current'])
export class VerdictRow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @Column({ type: 'varchar', length: 16 })
  outcome: 'inspected' | 'not_applicable';

  @Column({ name: 'reason_code', type: 'varchar', length: 32, nullable: true })
  reasonCode: string | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'policy_id', type: 'varchar', length: 64, nullable: true })
  policyId: string | null;

  @Column({ name: 'policy_version', type: 'integer', nullable: true })
  policyVersion: number | null;

  @Column({ name: 'policy_hash', type: 'char', length: 64, nullable: true })
  policyHash: string | null;

  @Column({ name: 'transcript_hash', type: 'char', length: 64 })
  transcriptHash: string;

  @Column({ type: 'jsonb' })
  models: Record<string, string>;

  @Column({ type: 'real', nullable: true })
  score: number | null;

  @Column({ type: 'boolean', nullable: true })
  passed: boolean | null;

  @Column({ name: 'fatal_rules', type: 'jsonb', default: () => "'[]'" })
  fatalRules: string[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  sections: Array<{ id: string; title: string; weight: number; score: number | null }>;

  /** score and pass/fail after reviews (equal to score/passed until a finding is overturned) */
  @Column({ name: 'final_score', type: 'real', nullable: true })
  finalScore: number | null;

  @Column({ name: 'final_passed', type: 'boolean', nullable: true })
  finalPassed: boolean | null;

  @Column({ name: 'verdict_hash', type: 'char', length: 64 })
  verdictHash: string;

  @Column({ type: 'varchar', length: 16 })
  trigger: 'pipeline' | 'reinspection';

  @Column({ type: 'boolean', default: true })
  current: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

export type ReviewState = 'confirmed' | 'overturned';

/** One rule's result in a verdict, with evidence as places (utterance, tokens, time), never as text. */
@Entity('findings')
@Index(['verdictId'])
export class FindingRow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'verdict_id', type: 'uuid' })
  verdictId: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @Column({ type: 'integer' })
  ordinal: number;

  @Column({ name: 'rule_id', type: 'varchar', length: 64 })
  ruleId: string;

  @Column({ name: 'section_id', type: 'varchar', length: 64 })
  sectionId: string;

  @Column({ name: 'rule_type', type: 'varchar', length: 32 })
  ruleType: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'varchar', length: 16 })
  result: RuleResult;

  @Column({ type: 'boolean' })
  fatal: boolean;

  @Column({ type: 'real' })
  weight: number;

  @Column({ type: 'text' })
  message: string;

  @Column({ type: 'jsonb' })
  evidence: Evidence[];

  @Column({ type: 'jsonb', nullable: true })
  measured: Record<string, number> | null;

  @Column({ name: 'review_state', type: 'varchar', length: 16, nullable: true })
  reviewState: ReviewState | null;

  @Column({ name: 'reviewed_by', type: 'varchar', length: 128, nullable: true })
  reviewedBy: string | null;

  @Column({ name: 'reviewed_at', type: 'timestamptz', nullable: true })
  reviewedAt: Date | null;

  @Column({ name: 'review_comment', type: 'text', nullable: true })
  reviewComment: string | null;
}

export type DisputeStatus = 'open' | 'accepted' | 'rejected';

/** An agent's dispute of a verdict, and the supervisor's or QA analyst's decision. */
@Entity('disputes')
export class DisputeRow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'verdict_id', type: 'uuid' })
  verdictId: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @Column({ name: 'raised_by', type: 'varchar', length: 128 })
  raisedBy: string;

  @Column({ type: 'text' })
  comment: string;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status: DisputeStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'decided_by', type: 'varchar', length: 128, nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decision_comment', type: 'text', nullable: true })
  decisionComment: string | null;
}

/**
 * A reviewed finding kept as a regression case: the conversation, the rule, and the result a person decided is
 * right. `npm run policy:regress` replays these against a new policy version before it is activated.
 */
@Entity('labelled_cases')
export class LabelledCase {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index({ unique: true })
  @Column({ name: 'finding_id', type: 'uuid' })
  findingId: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @Column({ name: 'policy_id', type: 'varchar', length: 64 })
  policyId: string;

  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion: number;

  @Column({ name: 'rule_id', type: 'varchar', length: 64 })
  ruleId: string;

  @Column({ type: 'varchar', length: 8 })
  expected: 'pass' | 'fail';

  @Column({ type: 'varchar', length: 16 })
  source: ReviewState;

  @Column({ name: 'labelled_by', type: 'varchar', length: 128 })
  labelledBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
