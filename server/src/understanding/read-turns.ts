import type { Reading } from '../entities/utterance';
import type { LanguageModels, ReadResult } from './classifier';
import { tone, type ToneResult } from './tone';
import { intentCandidates, pickIntent, type UnderstandInput } from './understand';

/**
 * The models' reading of a conversation's masked turns, in one batch each: the intent of the customer's opening
 * request (`pickIntent`), and each turn's tone — the sentiment model's answer corrected by the tone signal, with the
 * conduct model's reading of the agent's replies; and what the reply models read each agent reply as (`reads`).
 * The understand stage and `eval:verdicts` both read turns this way, so an evaluation reads them as the worker does.
 */
export async function readTurns(
  nlu: Pick<LanguageModels, 'intents' | 'sentiments' | 'agentConduct' | 'agentReads'>,
  turns: UnderstandInput[],
): Promise<{ picked: ReturnType<typeof pickIntent>; toned: ToneResult[]; reads: Reading[][] }> {
  const cands = intentCandidates(turns);
  const [intents, sentiments, conduct, read] = await Promise.all([
    nlu.intents(cands.map((c) => c.text)),
    nlu.sentiments(turns.map((u) => u.text)),
    nlu.agentConduct(turns),
    nlu.agentReads(turns),
  ]);
  return {
    picked: pickIntent(cands, intents),
    toned: tone(turns, sentiments, conduct),
    reads: readsByTurn(turns, read),
  };
}

/** what the reply models read, per utterance: each utterance of a reply they read carries the reading */
export function readsByTurn(turns: ReadonlyArray<unknown>, read: ReadonlyArray<ReadResult>): Reading[][] {
  const reads: Reading[][] = turns.map(() => []);
  for (const r of read) for (const i of r.at) if (!reads[i].includes(r.read)) reads[i].push(r.read);
  return reads;
}
