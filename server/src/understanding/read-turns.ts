import type { LanguageModels } from './classifier';
import { tone, type ToneResult } from './tone';
import { intentCandidates, pickIntent, type UnderstandInput } from './understand';

/**
 * The models' reading of a conversation's masked turns, in one batch each: the intent of the customer's opening
 * request (`pickIntent`), and each turn's tone — the sentiment model's answer corrected by the tone signal, with the
 * conduct model's reading of the agent's replies. The understand stage and `eval:verdicts` both read turns this way,
 * so an evaluation reads them as the worker does.
 */
export async function readTurns(
  nlu: Pick<LanguageModels, 'intents' | 'sentiments' | 'agentConduct'>,
  turns: UnderstandInput[],
): Promise<{ picked: ReturnType<typeof pickIntent>; toned: ToneResult[] }> {
  const cands = intentCandidates(turns);
  const [intents, sentiments, conduct] = await Promise.all([
    nlu.intents(cands.map((c) => c.text)),
    nlu.sentiments(turns.map((u) => u.text)),
    nlu.agentConduct(turns),
  ]);
  return { picked: pickIntent(cands, intents), toned: tone(turns, sentiments, conduct) };
}
