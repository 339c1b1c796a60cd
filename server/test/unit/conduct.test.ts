import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanguageModels } from '../../src/understanding/classifier';
import { loadModelDir } from '../../src/understanding/manifest';
import { tone } from '../../src/understanding/tone';
import { CONDUCT, replyConversations } from '../../src/understanding/train/reply-models';

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
    const verdictData = m.training.data.filter((d) => d.path.includes('/verdicts/'));
    expect(verdictData.map((d) => path.basename(d.path))).toEqual(CONDUCT.sets);
    // the PII sets kept to measure false alarms are not trained on
    for (const f of CONDUCT.ordinaryHeldOut) expect(m.training.data.map((d) => path.basename(d.path))).not.toContain(f);
    const n = (f: string) => Number(/-(\d+)\.txt$/.exec(f)?.[1] ?? 1);
    const newest = (kind: string) => Math.max(...CONDUCT.sets.filter((f) => f.startsWith(kind)).map(n));
    const untrained = fs.readdirSync(VERDICTS).filter((f) => f.endsWith('.txt') && !CONDUCT.sets.includes(f));
    expect(untrained.length).toBeGreaterThan(0);
    // a set it does not name was written after it (a newer held-out set, or a development set of the reply readers)
    for (const f of untrained)
      expect(
        ['holdout', 'dev'].some((kind) => f.startsWith(kind) && n(f) > newest(kind)),
        f,
      ).toBe(true);
    // both kinds are there to learn from, and the figure for a set it never saw is what the card says
    const convs = replyConversations().filter((c) => !c.passedAll);
    expect(convs.filter((c) => c.fail).length).toBeGreaterThan(100);
    expect(convs.filter((c) => !c.fail).length).toBeGreaterThan(100);
    expect(m.metrics.conversations).toBe(convs.length);
    expect(m.metrics.leave_one_set_out_agreement).toBeGreaterThanOrEqual(90);
    // ordinary service replies it never saw are not read as dismissive
    expect(m.metrics.ordinary_replies_held_out).toBeGreaterThan(50);
    expect(m.metrics.ordinary_replies_read_dismissive / m.metrics.ordinary_replies_held_out).toBeLessThan(0.02);
    expect(m.metrics.passed_all_read_dismissive_leaving_one_set_out / m.metrics.passed_all_conversations).toBeLessThan(
      0.05,
    );
    expect(m.thresholds.dismissive).toBeGreaterThan(0.2);
    expect(m.thresholds.dismissive).toBeLessThan(0.8);
  });

  it("reads the agent's replies with the turn they answer, and its reading is the tone signal's attitude", async () => {
    const us = [
      { seq: 0, speaker: 'customer' as const, text: 'my card was declined at the shop and I was so embarrassed' },
      { seq: 1, speaker: 'agent' as const, text: "I'm sorry, that's embarrassing." },
      { seq: 2, speaker: 'agent' as const, text: "I've lifted the block and sent you a text to confirm." },
      { seq: 3, speaker: 'customer' as const, text: 'why was it blocked in the first place?' },
      { seq: 4, speaker: 'agent' as const, text: 'Not my department, mate.' },
      { seq: 5, speaker: 'customer' as const, text: 'when did the payment go out?' },
      { seq: 6, speaker: 'agent' as const, text: 'It went out on the third.' },
      { seq: 7, speaker: 'customer' as const, text: 'ok' },
      { seq: 8, speaker: 'agent' as const, text: 'Right.' },
    ];
    const c = await nlu.agentConduct(us);
    // consecutive agent turns are one reply; a fact told and a reply of one word are not read
    expect(c.map((r) => r.at)).toEqual([[1, 2], [4]]);
    expect(c[0].dismissive).toBe(false);
    expect(c[1].p).toBeGreaterThan(c[0].p);
    // the model's reading alone decides a reply no phrase of the signal's lists
    const bare = [{ seq: 0, speaker: 'agent' as const, text: "That's what the system shows." }];
    const plain = [{ label: 'neutral' as const, score: 0 }];
    const reading = (dismissive: boolean) => [{ at: [0], text: bare[0].text, dismissive, p: dismissive ? 0.9 : 0.1 }];
    expect(tone(bare, plain, reading(true))[0]).toMatchObject({ label: 'negative', cue: 'attitude' });
    expect(tone(bare, plain, reading(false))[0].label).toBe('neutral');
    expect(tone(bare, plain, [])[0].label).toBe('neutral');
    // a reply of several turns: its most negative turn carries the reading
    const two = [
      { seq: 0, speaker: 'agent' as const, text: 'Hello.' },
      { seq: 1, speaker: 'agent' as const, text: "That's what the system shows." },
    ];
    const read2 = tone(
      two,
      [
        { label: 'positive', score: 0.5 },
        { label: 'neutral', score: -0.1 },
      ],
      [{ at: [0, 1], text: 'Hello. That is what the system shows.', dismissive: true, p: 0.9 }],
    );
    expect(read2.map((t) => t.cue)).toEqual([undefined, 'attitude']);
    // understanding shown and acted on is redress, whatever the model reads; understanding taken back is not
    const read = (text: string) =>
      tone([{ seq: 0, speaker: 'agent', text }], plain, [{ at: [0], text, dismissive: true, p: 0.9 }])[0];
    expect(
      read("I'm sorry, that shouldn't have happened. I'm calling you now myself, and I've made a note of it.").label,
    ).toBe('neutral');
    expect(read('I understand, but the fee stays.').cue).toBe('attitude');
    // an apology with the service question is redress (held-out 81: after a 20-minute wait); the question alone is not
    expect(
      read("I'm really sorry about the wait, that's not good enough. I'm here now, what can I do for you?").label,
    ).toBe('neutral');
    expect(read("I'm sorry, but that's how it is.").cue).toBe('attitude');
    expect(read('Happens. They are short-staffed.').cue).toBe('attitude');
    // a customer's turn is never the agent's attitude, whatever is passed for it
    const cust = [{ seq: 0, speaker: 'customer' as const, text: 'this is taking ages' }];
    expect(tone(cust, plain, [{ at: [0], text: cust[0].text, dismissive: true, p: 1 }])[0].label).toBe('neutral');
  });
});
