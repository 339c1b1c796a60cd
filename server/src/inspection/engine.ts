import crypto from 'node:crypto';
import { canonicalJson } from '../lib/canonical';
import { allRules, Policy, selectPolicy } from './qa-policy';
import type { PolicyRouting } from './routing';
import { Lexicon } from './match';
import { compileRule, CompiledRule, Evidence, RuleResult, Segments } from './rules';
import { lexicalPhonetic, SimilarityModel } from './similarity';
import { InspectionTranscript, transcriptHash } from './transcript';

export interface Finding {
  ruleId: string;
  sectionId: string;
  type: string;
  title: string;
  result: RuleResult;
  fatal: boolean;
  weight: number;
  message: string;
  evidence: Evidence[];
  measured?: Record<string, number>;
}

export type NotApplicableReason = 'no_policy' | 'no_agent_channel' | 'too_short' | 'no_speech';

export interface Verdict {
  outcome: 'inspected' | 'not_applicable';
  reasonCode?: NotApplicableReason;
  reason?: string;
  policy?: { id: string; version: number; hash: string };
  transcriptHash: string;
  /** what produced the inputs and the matching: speech engine, similarity model, understanding models */
  models: Record<string, string>;
  score?: number;
  passed?: boolean;
  /** ids of fatal rules that failed */
  fatal: string[];
  sections: Array<{ id: string; title: string; weight: number; score: number | null }>;
  findings: Finding[];
  /** sha256 over everything above: the same policy and transcript give the same hash */
  hash: string;
}

export interface CompiledPolicy {
  policy: Policy;
  rules: Array<CompiledRule & { sectionId: string }>;
  semanticRules: number;
}

const compiled = new Map<string, CompiledPolicy>();

/** Compiles a policy's rules once (per content hash and similarity model). */
export function compilePolicy(policy: Policy, model: SimilarityModel = lexicalPhonetic): CompiledPolicy {
  const key = `${policy.hash}:${model.id}`;
  let c = compiled.get(key);
  if (!c) {
    const lexicon = new Lexicon();
    const rules = allRules(policy.doc).map(({ section, rule }) => ({
      ...compileRule(rule, model, lexicon),
      sectionId: section.id,
    }));
    c = { policy, rules, semanticRules: rules.filter((r) => r.semantic).length };
    compiled.set(key, c);
  }
  return c;
}

/** Section and overall scores: weighted share of passed rules among those that passed or failed. */
export function score(
  policy: Policy,
  findings: Array<Pick<Finding, 'sectionId' | 'result' | 'weight' | 'fatal' | 'ruleId'>>,
) {
  const sections = policy.doc.sections.map((s) => {
    const fs = findings.filter((f) => f.sectionId === s.id && (f.result === 'pass' || f.result === 'fail'));
    const total = fs.reduce((a, f) => a + f.weight, 0);
    const got = fs.filter((f) => f.result === 'pass').reduce((a, f) => a + f.weight, 0);
    return {
      id: s.id,
      title: s.title,
      weight: s.weight,
      score: total ? Math.round((got / total) * 10_000) / 100 : null,
    };
  });
  const scored = sections.filter((s) => s.score !== null);
  const w = scored.reduce((a, s) => a + s.weight, 0);
  const overall = w
    ? Math.round((scored.reduce((a, s) => a + s.weight * (s.score as number), 0) / w) * 100) / 100
    : 100;
  const fatal = findings.filter((f) => f.fatal && f.result === 'fail').map((f) => f.ruleId);
  return { sections, score: overall, fatal, passed: fatal.length === 0 && overall >= policy.doc.pass_score };
}

/**
 * The verdict's hash over its whole content, built as one compact string (unit separators between fields): the
 * same policy and transcript always give the same bytes. Cheap enough to be computed for every verdict.
 */
function seal(v: Omit<Verdict, 'hash'>): Verdict {
  let text = `verdict/1\x1f${v.outcome}\x1f${v.reasonCode ?? ''}\x1f${v.reason ?? ''}\x1f${v.policy ? `${v.policy.id}\x1f${v.policy.version}\x1f${v.policy.hash}` : ''}\x1f${v.transcriptHash}\x1f${canonicalJson(v.models)}\x1f${v.score ?? ''}\x1f${v.passed ?? ''}\x1f${v.fatal.join(',')}\x1e`;
  for (const x of v.sections) text += `${x.id}\x1f${x.weight}\x1f${x.score ?? ''}\x1e`;
  for (const f of v.findings) {
    text += `${f.ruleId}\x1f${f.sectionId}\x1f${f.type}\x1f${f.result}\x1f${f.fatal}\x1f${f.weight}\x1f${f.message}\x1f`;
    for (const e of f.evidence)
      text += `${e.utteranceId ?? ''},${e.startMs},${e.endMs},${e.tokens ? `${e.tokens[0]}-${e.tokens[1]}` : ''},${e.spotted ? 1 : 0};`;
    if (f.measured) for (const k of Object.keys(f.measured).sort()) text += `\x1f${k}=${f.measured[k]}`;
    text += '\x1e';
  }
  return { ...v, hash: crypto.createHash('sha256').update(text).digest('hex') };
}

/**
 * Inspects one conversation: picks the policy that applies, runs every rule and scores. Pure and deterministic —
 * no clock, no randomness — so the same policy and transcript always give the same verdict and hash. A
 * conversation that cannot be inspected gets `not_applicable` with the reason, never nothing.
 */
export function inspect(
  active: Policy[],
  t: InspectionTranscript,
  models: Record<string, string>,
  model: SimilarityModel = lexicalPhonetic,
  routing?: PolicyRouting,
): Verdict {
  const base = {
    transcriptHash: transcriptHash(t),
    models: { ...models, similarity: model.id },
    fatal: [],
    sections: [],
    findings: [],
  };
  const policy = selectPolicy(active, t, routing);
  if (!policy) {
    return seal({
      ...base,
      outcome: 'not_applicable',
      reasonCode: 'no_policy',
      reason: `no active policy applies to channel ${t.channel}, queue ${t.queue ?? '(none)'}, language ${t.language}`,
    });
  }
  const p = { id: policy.doc.id, version: policy.doc.version, hash: policy.hash };
  const na = (reasonCode: NotApplicableReason, reason: string) =>
    seal({ ...base, policy: p, outcome: 'not_applicable', reasonCode, reason });
  if (t.channel === 'call' && t.durationMs < policy.doc.min_duration_s * 1000)
    return na('too_short', `shorter than ${policy.doc.min_duration_s} s (${(t.durationMs / 1000).toFixed(1)} s)`);
  if (!t.utterances.some((u) => u.tokens.length)) return na('no_speech', 'no speech or text recognised');
  if (!t.utterances.some((u) => u.speaker === 'agent')) {
    return na(
      'no_agent_channel',
      t.utterances.every((u) => u.speaker === 'unknown')
        ? 'speakers are not separated (mono recording): no agent channel to inspect'
        : 'the agent says nothing',
    );
  }
  const c = compilePolicy(policy, model);
  const seg = new Segments(t);
  const findings: Finding[] = c.rules.map((r) => {
    const o = r.evaluate(t, seg);
    return {
      ruleId: r.rule.id,
      sectionId: r.sectionId,
      type: r.rule.type,
      title: r.rule.title,
      result: o.result,
      fatal: r.rule.fatal,
      weight: r.rule.weight,
      message: o.message,
      evidence: o.evidence,
      measured: o.measured,
    };
  });
  const s = score(policy, findings);
  return seal({
    ...base,
    policy: p,
    outcome: 'inspected',
    score: s.score,
    passed: s.passed,
    fatal: s.fatal,
    sections: s.sections,
    findings,
  });
}
