import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { protectTranscript } from '../../src/protection/protect-transcript';
import { loadMaskingPolicy, remaskOriginal, typesHiddenFrom } from '../../src/protection/pii/mask';

/**
 * Per-type unmask rights: the original shown to someone whose roles may not see a type has that type masked again,
 * exactly where it stands — also after a redacted security code changed the text's length before it.
 */
const policy = loadMaskingPolicy(path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml'));

describe('per-type unmask', () => {
  it('the shipped policy shows full card numbers to compliance officers only', () => {
    expect([...typesHiddenFrom(policy, ['qa_analyst'])]).toEqual(['card_number']);
    expect([...typesHiddenFrom(policy, ['compliance_officer'])]).toEqual([]);
    expect([...typesHiddenFrom(policy, ['qa_analyst', 'compliance_officer'])]).toEqual([]);
  });

  it('masks the hidden type in the stored original, shifted past redacted codes, words by time', () => {
    const text = 'cvv 123 and card 4111 1111 1111 1111 and phone 13800138000 ok';
    const words = text.split(' ').map((w, i) => ({ w, s: i * 1000, e: i * 1000 + 900, c: 0.9 }));
    const p = protectTranscript(
      [{ speaker: 'customer', startMs: 0, endMs: words.length * 1000, confidence: 0.9, text, words, keyphrases: [] }],
      policy,
    ).utterances[0];
    expect(p.original.text).toBe('cvv [REDACTED] and card 4111 1111 1111 1111 and phone 13800138000 ok');
    const shown = remaskOriginal(p.original, p.pii, policy, typesHiddenFrom(policy, ['qa_analyst']));
    expect(shown.text).toBe('cvv [REDACTED] and card 411111******1111 and phone 13800138000 ok');
    // the card's four spoken groups are masked as words too; the phone stays
    expect(shown.words.map((w) => w.w).join(' ')).toBe(
      'cvv [REDACTED] and card [card_number] [card_number] [card_number] [card_number] and phone 13800138000 ok',
    );
    // several hidden types, and none hidden: the original as stored
    const both = remaskOriginal(p.original, p.pii, policy, new Set(['card_number', 'phone']));
    expect(both.text).toBe('cvv [REDACTED] and card 411111******1111 and phone 138****8000 ok');
    expect(remaskOriginal(p.original, p.pii, policy, new Set())).toBe(p.original);
  });

  it('a card number read out in words is hidden whole, no letter of it shown', () => {
    const text = 'my card is four one one one one one one one one one one one one one one one thanks';
    const words = text.split(' ').map((w, i) => ({ w, s: i * 500, e: i * 500 + 400, c: 0.9 }));
    const p = protectTranscript(
      [{ speaker: 'customer', startMs: 0, endMs: words.length * 500, confidence: 0.9, text, words, keyphrases: [] }],
      policy,
    ).utterances[0];
    expect(p.pii.map((x) => x.type)).toEqual(['card_number']);
    const shown = remaskOriginal(p.original, p.pii, policy, typesHiddenFrom(policy, ['qa_analyst']));
    expect(shown.text).toBe('my card is [card_number] thanks');
    expect(shown.words.filter((w) => w.w !== '[card_number]').map((w) => w.w)).toEqual(['my', 'card', 'is', 'thanks']);
  });
});
