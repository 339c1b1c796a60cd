import os from 'node:os';
import path from 'node:path';
import { compilePolicy, inspect } from '../inspection/engine';
import { loadPolicyFile, parsePolicy, Policy, selectPolicy } from '../inspection/qa-policy';
import { Segments } from '../inspection/rules';
import { InspectionTranscript, InspectUtterance, tokenize } from '../inspection/transcript';
import { stringify, parse } from 'yaml';
import { CALL_SCRIPTS } from '../synth/scripts';

/**
 * `npm run bench:inspect`: conversations per second on one core, inspecting stored transcripts (in memory, as the
 * inspect stage holds them after decryption), in one run:
 *   keyword/timing — the shipped packs with the `similar` examples removed (keywords, patterns, timing, PII rules);
 *   with semantic   — the packs as shipped (example sentences matched by the similarity model);
 * each producing a whole verdict (transcript hash, findings, scores, verdict hash); and, for reference, the
 * keyword/timing rules' evaluation alone;
 * for the scripted calls (~8 utterances) and for 5-minute calls (~60 utterances, scripts joined).
 * Each conversation gets fresh objects, so per-conversation work (joining tokens, speech segments, hashes) counts.
 */
const POLICY_DIR = path.resolve(__dirname, '..', '..', '..', 'policies', 'qa');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function scriptTranscript(ids: string[], n: number): InspectionTranscript {
  const utterances: InspectUtterance[] = [];
  let t = 500;
  let seq = 0;
  for (const id of ids) {
    const s = CALL_SCRIPTS.find((x) => x.id === id)!;
    for (const turn of s.turns) {
      const tokens = tokenize(turn.text);
      const start = Math.max(0, t + (turn.gapMs ?? 500));
      const per = 60_000 / 165; // flite speaks about 165 words per minute
      const times = tokens.map(
        (_, i) => [Math.round(start + i * per), Math.round(start + (i + 1) * per - 40)] as [number, number],
      );
      utterances.push({
        id: `u${n}-${seq}`,
        seq: seq++,
        speaker: turn.speaker,
        startMs: start,
        endMs: times[times.length - 1][1],
        tokens,
        times,
        pii: [],
      });
      t = times[times.length - 1][1];
    }
  }
  const first = CALL_SCRIPTS.find((x) => x.id === ids[0])!;
  return {
    conversationId: `c${n}`,
    channel: 'call',
    queue: first.queue,
    language: 'en',
    durationMs: t + 500,
    utterances,
  };
}

/** The same pack without example sentences: what keyword, pattern and timing rules alone cost. */
function withoutSemantic(p: Policy): Policy {
  const doc = parse(p.source) as { sections: Array<{ rules: Array<Record<string, unknown>> }> };
  for (const s of doc.sections) {
    for (const r of s.rules) {
      for (const k of ['match', 'except_after', 'announce'])
        delete (r[k] as { similar?: unknown } | undefined)?.similar;
      delete ((r.before as { match?: { similar?: unknown } } | undefined)?.match ?? {}).similar;
    }
  }
  return parsePolicy(stringify(doc), `${p.doc.id} (no similar)`);
}

function run(
  policies: Policy[],
  corpus: InspectionTranscript[],
  rulesOnly = false,
): { perSecond: number; n: number; usPerConv: number } {
  for (const p of policies) compilePolicy(p);
  const fresh = (t: InspectionTranscript): InspectionTranscript => ({
    ...t,
    utterances: t.utterances.map((u) => ({ ...u })),
  });
  const once = rulesOnly
    ? (t: InspectionTranscript) => {
        const c = compilePolicy(selectPolicy(policies, t)!);
        const seg = new Segments(t);
        for (const r of c.rules) r.evaluate(t, seg);
      }
    : (t: InspectionTranscript) => inspect(policies, t, { asr: 'bench' });
  for (let i = 0; i < 200; i++) once(fresh(corpus[i % corpus.length])); // warm-up
  let n = 0;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) once(fresh(corpus[(n + i) % corpus.length]));
    n += 100;
  }
  const ms = performance.now() - t0;
  return { perSecond: Math.round((n / ms) * 1000), n, usPerConv: Math.round((ms / n) * 1000 * 10) / 10 };
}

function main() {
  const shipped = ['bank-retail.yaml', 'gov-hotline.yaml'].map((f) => loadPolicyFile(path.join(POLICY_DIR, f)));
  const plain = shipped.map(withoutSemantic);
  const semanticRules = shipped.map((p) => compilePolicy(p).semanticRules).reduce((a, b) => a + b, 0);
  const rules = shipped.map((p) => compilePolicy(p).rules.length).reduce((a, b) => a + b, 0);
  const ids = CALL_SCRIPTS.map((s) => s.id);
  const short = ids.map((id, n) => scriptTranscript([id], n));
  const long = ids.map((id, n) =>
    scriptTranscript(
      [
        id,
        ...ids.filter((x) => x !== id && !x.startsWith('gov')),
        ...ids.filter((x) => x !== id && !x.startsWith('gov')),
      ],
      n,
    ),
  );
  const avg = (c: InspectionTranscript[], f: (t: InspectionTranscript) => number) =>
    Math.round(c.reduce((a, t) => a + f(t), 0) / c.length);
  console.log(
    `policies: bank-retail + gov-hotline, ${rules} rules (${semanticRules} with example sentences); one core (${os.cpus()[0]?.model ?? 'cpu'}), ${SECONDS} s per figure`,
  );
  for (const [name, corpus] of [
    ['scripted calls', short],
    ['5-minute calls', long],
  ] as const) {
    const u = avg(corpus, (t) => t.utterances.length);
    const min = Math.round(avg(corpus, (t) => t.durationMs) / 600) / 100;
    const r = run(plain, corpus, true);
    const a = run(plain, corpus);
    const b = run(shipped, corpus);
    console.log(`${name} (${u} utterances, ${min} min):`);
    console.log(
      `  keyword/timing, rule evaluation only (no hashes, no verdict): ${r.perSecond.toLocaleString('en')} conversations/s/core (${r.usPerConv} µs each)`,
    );
    console.log(
      `  keyword/timing rules alone : ${a.perSecond.toLocaleString('en')} conversations/s/core (${a.usPerConv} µs each)`,
    );
    console.log(
      `  with semantic rules        : ${b.perSecond.toLocaleString('en')} conversations/s/core (${b.usPerConv} µs each)`,
    );
  }
}

main();
