import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/lib/csv';
import { numberToWords, spellNumbers } from '../../src/lib/numbers';
import { buildArpa, sentencesToTokens } from '../../src/speech/lm/arpa';

function readArpa(text: string) {
  const grams: Array<Map<string, { lp: number; bo: number }>> = [new Map(), new Map(), new Map()];
  let n = 0;
  for (const line of text.split('\n')) {
    const m = /^\\(\d)-grams:$/.exec(line);
    if (m) {
      n = Number(m[1]);
      continue;
    }
    if (!n || !line.trim() || line.startsWith('\\')) continue;
    const [lp, words, bo] = line.split('\t');
    grams[n - 1].set(words, { lp: Number(lp), bo: bo === undefined ? 0 : Number(bo) });
  }
  const prob = (ws: string[]): number => {
    const g = grams[ws.length - 1].get(ws.join(' '));
    if (g) return 10 ** g.lp;
    const bo = grams[ws.length - 2].get(ws.slice(0, -1).join(' '))?.bo ?? 0;
    return 10 ** bo * prob(ws.slice(1));
  };
  return { grams, prob };
}

const corpus = [
  'please block my card',
  'my card was stolen',
  'please block the card now',
  'can you block my account',
  'my account is locked',
];
const vocab = new Set(corpus.flatMap((s) => s.split(' ')));

describe('domain language model (ARPA)', () => {
  it('every history gives a proper distribution over the vocabulary (back-off weights are right)', () => {
    const { arpa, counts } = buildArpa(corpus, { vocabulary: vocab });
    expect(counts[0]).toBe(vocab.size + 2); // + <s>, </s>
    const { prob } = readArpa(arpa);
    const next = [...vocab, '</s>'];
    for (const h of [
      ['<s>'],
      ['my'],
      ['block'],
      ['card'],
      ['<s>', 'please'],
      ['please', 'block'],
      ['block', 'my'],
      ['is', 'locked'],
      ['stolen', 'card'],
    ]) {
      const total = next.reduce((a, w) => a + prob([...h, w]), 0);
      expect(total, h.join(' ')).toBeCloseTo(1, 3);
    }
    // seen continuations beat unseen ones
    expect(prob(['please', 'block'])).toBeGreaterThan(prob(['please', 'stolen']));
  });

  it('splits sentences at words the recognizer cannot pronounce', () => {
    expect(sentencesToTokens(['please zzqx block my card'], vocab)).toEqual([['please'], ['block', 'my', 'card']]);
  });

  it('is deterministic and readable by sphinxbase', () => {
    const a = buildArpa(corpus, { vocabulary: vocab }).arpa;
    expect(buildArpa(corpus, { vocabulary: vocab }).arpa).toBe(a);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arpa-'));
    fs.writeFileSync(path.join(dir, 'x.arpa'), a);
    const r = spawnSync('sphinx_lm_convert', ['-i', path.join(dir, 'x.arpa'), '-o', path.join(dir, 'x.lm.bin')], {
      encoding: 'utf8',
    });
    expect(
      r.error,
      'sphinx_lm_convert (Debian sphinxbase-utils) must be installed: scripts/setup.sh does it',
    ).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('text helpers', () => {
  it('numbers as a recognizer writes them', () => {
    expect(numberToWords(0)).toBe('zero');
    expect(numberToWords(42)).toBe('forty two');
    expect(numberToWords(310)).toBe('three hundred ten');
    expect(numberToWords(2026)).toBe('two thousand twenty six');
    expect(spellNumbers('after 2 weeks')).toMatch(/after +two +weeks/);
    expect(spellNumbers('card 4111111111111111').replace(/\s+/g, ' ').trim()).toBe(
      `card ${Array(15).fill('one').join(' ').replace(/^/, 'four ')}`,
    );
  });

  it('CSV with quotes, doubled quotes and commas', () => {
    expect(parseCsv('text,category\n"Hi, it\'s ""me""",card\nplain,x\n')).toEqual([
      ['text', 'category'],
      ['Hi, it\'s "me"', 'card'],
      ['plain', 'x'],
    ]);
  });
});
