import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/inspection/qa-policy';
import { enableLinearRegexpFallback, linearTimePattern } from '../../src/lib/linear-regexp';
import { loadMaskingPolicy } from '../../src/protection/pii/mask';
import { ProtectionDeadlineError, ProtectionPool } from '../../src/protection/protect-pool';
import { PlainUtterance, protectTranscript } from '../../src/protection/protect-transcript';
import { requireBuild } from '../helpers/stack';

/**
 * Detection off the event loop, with a deadline (the bank review's ReDoS finding: text ingest ran detection on the
 * API's event loop), and QA policy patterns that cannot backtrack without bound.
 */
const masking = loadMaskingPolicy(path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml'));
const utter = (speaker: string, i: number, text: string): PlainUtterance => ({
  speaker,
  startMs: i * 1000,
  endMs: i * 1000,
  text,
  words: [],
  keyphrases: [],
  confidence: null,
});
const chat = [
  utter('agent', 0, 'Could you give me the three digits on the back of the card?'),
  utter('customer', 1, '731'),
  utter('customer', 2, 'and my card is 4111 1111 1111 1111, e-mail jane.doe@example.org'),
];

describe('masking threads', () => {
  requireBuild(); // the threads run the compiled module

  it('mask exactly as the in-process function does, and keep the event loop free while they work', async () => {
    const pool = new ProtectionPool(masking, { threads: 2, deadlineMs: 60_000, maxQueue: 8 });
    try {
      expect(await pool.protect(chat)).toEqual(protectTranscript(chat, masking));
      // a 4 MiB conversation (the size one request body may carry): the caller's loop keeps ticking meanwhile
      const big = Array.from({ length: 2000 }, (_, i) =>
        utter(
          i % 2 ? 'agent' : 'customer',
          i,
          `${'a dot '.repeat(150)}call me on 07700 900${String(i % 1000).padStart(3, '0')} ${'x@'.repeat(500)}`,
        ),
      );
      let ticks = 0;
      let worstGap = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
        ticks++;
      }, 10);
      const t0 = performance.now();
      const r = await pool.protect(big);
      const ms = performance.now() - t0;
      clearInterval(timer);
      expect(r.utterances).toHaveLength(2000);
      expect(r.counts.phone).toBe(2000);
      if (ms > 200) {
        // only meaningful when the work took a while: the loop was never blocked for long
        expect(ticks).toBeGreaterThan(ms / 50);
        expect(worstGap).toBeLessThan(150);
      }
    } finally {
      await pool.close();
    }
  });

  it('a conversation past the deadline is refused, its thread replaced, and the pool goes on', async () => {
    const pool = new ProtectionPool(masking, { threads: 1, deadlineMs: 1, maxQueue: 8 });
    try {
      const e = await pool.protect(chat).catch((x: Error) => x);
      expect(e).toBeInstanceOf(ProtectionDeadlineError);
      expect((e as Error).message).toBe('masking did not finish within 1 ms');
    } finally {
      await pool.close();
    }
    const ok = new ProtectionPool(masking, { threads: 1, deadlineMs: 30_000, maxQueue: 1 });
    try {
      const [a, b, c] = await Promise.allSettled([ok.protect(chat), ok.protect(chat), ok.protect(chat)]);
      expect(a.status).toBe('fulfilled');
      // one waits in the queue (maxQueue 1), the third is turned away: busy, come back
      expect(b.status).toBe('fulfilled');
      expect(c.status === 'rejected' && (c.reason as Error).name).toBe('ProtectionBusyError');
    } finally {
      await ok.close();
    }
  });
});

describe('QA policy patterns run in linear time', () => {
  const sms = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'policies', 'qa', 'bank-sms.yaml'), 'utf8');
  // the shipped SMS pack with one rule's keywords and patterns replaced by a pattern
  const pack = (pattern: string) => {
    const text = sms.replace(
      /^( +)keywords: \[security code.*\n(?:\1patterns:\n(?:\1 +(?:- |# ).*\n)+)?/m,
      `$1patterns: ['${pattern}']\n`,
    );
    expect(text).not.toBe(sms);
    return text;
  };

  it('a pattern with a backreference or lookaround is refused before it can be activated', () => {
    for (const p of ['(a)\\1', 'thank(?= you)', '(?<!not )recorded'])
      expect(() => parsePolicy(pack(p))).toThrow(/must run in linear time/);
    expect(linearTimePattern('\\b(gong dan|shou li)( \\d+)+')).toBe(true);
  });

  it('a pattern that would backtrack for hours finishes in milliseconds', () => {
    enableLinearRegexpFallback();
    const re = new RegExp('(a+)+$');
    const t0 = performance.now();
    expect(re.test(`${'a'.repeat(50_000)}!`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});
