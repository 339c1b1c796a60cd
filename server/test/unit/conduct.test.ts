import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanguageModels } from '../../src/understanding/classifier';
import { loadModelDir } from '../../src/understanding/manifest';
import { tone } from '../../src/understanding/tone';
import { CONDUCT, conductConversations } from '../../src/understanding/train/conduct';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MODELS = path.join(ROOT, 'models');
const VERDICTS = path.join(ROOT, 'server', 'eval-data', 'verdicts');

describe('conduct-en, the agent-conduct model', () => {
  let nlu: LanguageModels;
  beforeAll(async () => {
    nlu = await LanguageModels.load(MODELS);
  });
  afterAll(async () => {
    await nlu?.release();
  });

  it('is trained on the sets it names, and the verdict sets it does not name are the newer held-out ones', () => {
    const m = loadModelDir(path.join(MODELS, CONDUCT.name)).manifest;
    expect(m.task).toBe('conduct');
    expect(m.training.data.map((d) => path.basename(d.path))).toEqual(CONDUCT.sets);
    const n = (f: string) => Number(/-(\d+)\.txt$/.exec(f)?.[1] ?? 1);
    const newest = Math.max(...CONDUCT.sets.filter((f) => f.startsWith('holdout')).map(n));
    const untrained = fs.readdirSync(VERDICTS).filter((f) => f.endsWith('.txt') && !CONDUCT.sets.includes(f));
    expect(untrained.length).toBeGreaterThan(0);
    for (const f of untrained) expect(f.startsWith('holdout') && n(f) > newest, f).toBe(true);
    // both kinds are there to learn from, and the figure for a set it never saw is what the card says
    const convs = conductConversations();
    expect(convs.filter((c) => c.fail).length).toBeGreaterThan(100);
    expect(convs.filter((c) => !c.fail).length).toBeGreaterThan(100);
    expect(m.metrics.conversations).toBe(convs.length);
    expect(m.metrics.leave_one_set_out_agreement).toBeGreaterThanOrEqual(90);
    expect(m.thresholds.dismissive).toBeGreaterThan(0.2);
    expect(m.thresholds.dismissive).toBeLessThan(0.8);
  });

  it("reads the agent's turns only, and its reading is the tone signal's attitude", async () => {
    const us = [
      { seq: 0, speaker: 'customer' as const, text: 'my card was declined at the shop and I was so embarrassed' },
      {
        seq: 1,
        speaker: 'agent' as const,
        text: "I'm sorry, that's embarrassing. I've lifted the block and sent you a text to confirm.",
      },
      { seq: 2, speaker: 'customer' as const, text: 'why was it blocked in the first place?' },
      { seq: 3, speaker: 'agent' as const, text: 'Not my department.' },
    ];
    const c = await nlu.agentConduct(us);
    expect(c[0]).toBeUndefined();
    expect(c[2]).toBeUndefined();
    expect(c[1]).toMatchObject({ dismissive: false });
    expect(c[3]?.p).toBeGreaterThan(c[1]!.p);
    // the model's reading alone decides a turn no phrase of the signal's lists
    const bare = [{ seq: 0, speaker: 'agent' as const, text: "That's what the system shows." }];
    const plain = [{ label: 'neutral' as const, score: 0 }];
    expect(tone(bare, plain, [{ dismissive: true, p: 0.9 }])[0]).toMatchObject({ label: 'negative', cue: 'attitude' });
    expect(tone(bare, plain, [{ dismissive: false, p: 0.1 }])[0].label).toBe('neutral');
    expect(tone(bare, plain, [])[0].label).toBe('neutral');
    // understanding shown and acted on is redress, whatever the model reads; understanding taken back is not
    const agent = (text: string) => [{ seq: 0, speaker: 'agent' as const, text }];
    const read = (text: string) =>
      tone(agent(text), [{ label: 'neutral', score: 0 }], [{ dismissive: true, p: 0.9 }])[0];
    expect(
      read("I'm sorry, that shouldn't have happened. I'm calling you now myself, and I've made a note of it.").label,
    ).toBe('neutral');
    expect(read('I understand, but the fee stays.').cue).toBe('attitude');
    expect(read('Happens. They are short-staffed.').cue).toBe('attitude');
    // a customer's turn is never the agent's attitude, whatever is passed for it
    expect(
      tone(
        us,
        us.map(() => plain[0]),
        [{ dismissive: true, p: 1 }],
      )[0].label,
    ).toBe('neutral');
  });
});
