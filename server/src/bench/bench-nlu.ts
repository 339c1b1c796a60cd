import os from 'node:os';
import path from 'node:path';
import { CALL_SCRIPTS } from '../synth/scripts';
import { LanguageModels } from '../understanding/classifier';
import { escalation, intentCandidates, pickIntent } from '../understanding/understand';

/**
 * `npm run bench:nlu`: the shipped language models on onnxruntime-node with one intra-op thread (one core), in one
 * run: utterances per second through intent + sentiment at batch 1 and batch 64 (features computed in TypeScript
 * included), and the time the understand stage adds per conversation (the scripted calls' turns: intent over the
 * customer's turns, sentiment over all, escalation) without the database round trips.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function timeLoop(fn: () => Promise<number>): Promise<{ items: number; ms: number }> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  const t0 = performance.now();
  let items = 0;
  while (performance.now() - t0 < SECONDS * 1000) items += await fn();
  return { items, ms: performance.now() - t0 };
}

async function main() {
  const modelsDir = process.env.HOTLINE_MODELS_DIR ?? path.resolve(__dirname, '..', '..', '..', 'models');
  const nlu = await LanguageModels.load(modelsDir);
  console.log(
    `models: ${JSON.stringify(nlu.ids)}   cpu: ${os.cpus()[0]?.model ?? '?'}, onnxruntime intra-op threads 1`,
  );
  const turns = CALL_SCRIPTS.flatMap((s) => s.turns.map((t) => t.text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ')));
  console.log(
    `${turns.length} utterances from ${CALL_SCRIPTS.length} scripted calls, as a speech engine writes them (lower case, unpunctuated)\n`,
  );
  for (const batch of [1, 64]) {
    let i = 0;
    const r = await timeLoop(async () => {
      const chunk = Array.from({ length: batch }, () => turns[i++ % turns.length]);
      await nlu.intents(chunk, batch);
      await nlu.sentiments(chunk, batch);
      return batch;
    });
    console.log(
      `batch ${String(batch).padStart(2)}: ${((r.items / r.ms) * 1000).toFixed(0).padStart(6)} utterances/s/core (intent + sentiment), ${((r.ms / r.items) * 1000).toFixed(0)} µs per utterance`,
    );
  }
  const convs = CALL_SCRIPTS.map((s) =>
    s.turns.map((t, seq) => ({ seq, speaker: t.speaker, text: t.text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ') })),
  );
  let k = 0;
  const r = await timeLoop(async () => {
    const us = convs[k++ % convs.length];
    const cands = intentCandidates(us);
    const [intents, sentiments] = await Promise.all([
      nlu.intents(cands.map((c) => c.text)),
      nlu.sentiments(us.map((u) => u.text)),
      nlu.agentConduct(us),
      nlu.agentReads(us),
    ]);
    pickIntent(cands, intents);
    escalation(
      us,
      us.map((u, i) => ({ seq: u.seq, ...sentiments[i] })),
    );
    return 1;
  });
  const avgTurns = convs.reduce((s, c) => s + c.length, 0) / convs.length;
  console.log(
    `\nadded per conversation (understand stage: intent, sentiment, conduct, promise and politics readers, ~${avgTurns.toFixed(1)} turns): ${(r.ms / r.items).toFixed(2)} ms   (${((r.items / r.ms) * 1000).toFixed(0)} conversations/s/core)`,
  );
  const mem = process.memoryUsage();
  console.log(`process memory with the five sessions: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`);
  await nlu.release();
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
