import { describe, expect, it } from 'vitest';
import { resources } from '../../../console/src/locales';

/** The console's English and Simplified Chinese texts: the same keys, none empty, the same placeholders. */
describe('console locales', () => {
  const en = resources.en.translation as Record<string, string>;
  const zh = resources.zh.translation as Record<string, string>;
  it('zh has every key en has, and no other', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });
  it('no text is empty, Chinese texts are Chinese where English has words, placeholders match', () => {
    for (const [k, v] of Object.entries(en)) {
      expect(v.trim(), k).not.toBe('');
      expect(zh[k].trim(), k).not.toBe('');
      const vars = (s: string) => [...s.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort();
      expect(vars(zh[k]), k).toEqual(vars(v));
      if (/[a-z]{3,}/i.test(v) && k !== 'appName') expect(zh[k], k).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
