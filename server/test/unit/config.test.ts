import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  it('reads <NAME>_FILE (container and systemd secrets); a secret is never printed, even when wrong', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-'));
    const url = path.join(dir, 'database_url');
    fs.writeFileSync(url, 'postgres://hotline_app:s3cret-Pa55@db.bank.internal:5432/hotline\n');
    expect(loadConfig({ DATABASE_URL_FILE: url }).DATABASE_URL).toBe(
      'postgres://hotline_app:s3cret-Pa55@db.bank.internal:5432/hotline',
    );
    // the variable itself wins over its file
    expect(loadConfig({ DATABASE_URL_FILE: url, DATABASE_URL: 'postgres://x@h/db' }).DATABASE_URL).toBe(
      'postgres://x@h/db',
    );
    expect(() => loadConfig({ DATABASE_URL_FILE: path.join(dir, 'missing') })).toThrow(
      /^config: DATABASE_URL_FILE names a file that cannot be read \(ENOENT\)$/,
    );
    fs.writeFileSync(url, 'hotline_app:s3cret-Pa55 not a url');
    let message = '';
    try {
      loadConfig({ DATABASE_URL_FILE: url });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^config: DATABASE_URL is invalid \(got a value, hidden\)/);
    expect(message).not.toContain('s3cret');
  });
});
