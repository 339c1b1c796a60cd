import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('config', () => {
  it('fills defaults', () => {
    const c = loadConfig({});
    expect(c.HOTLINE_PORT).toBe(8080);
    expect(c.HOTLINE_ASR_ENGINE).toBe('auto');
    expect(c.objectDir).toMatch(/objects$/);
  });
  it('stops on a bad value with one line naming the variable and what is expected', () => {
    expect(() => loadConfig({ HOTLINE_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOTLINE_PORT: 'eighty' })).toThrow(
      /^config: HOTLINE_PORT is invalid \(got "eighty"\): .*number/,
    );
    expect(() => loadConfig({ HOTLINE_ASR_ENGINE: 'whisper' })).toThrow(/HOTLINE_ASR_ENGINE .*"pocketsphinx"/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
  });
});
