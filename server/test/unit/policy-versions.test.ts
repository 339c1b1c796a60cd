import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/inspection/qa-policy';

/**
 * A shipped QA pack's text is fixed once its version is recorded in policies/qa/versions.lock.json. An installed
 * appliance refuses the same id and version with other text (verdicts keep meaning what they said), so a pack changed
 * without raising its version would never reach a customer who upgrades: the worker logs the conflict and keeps the old
 * text. This check makes that mistake fail here instead of in the field.
 */
const DIR = path.resolve(__dirname, '../../../policies/qa');
const LOCK = path.join(DIR, 'versions.lock.json');

describe('shipped QA pack versions', () => {
  const lock = JSON.parse(fs.readFileSync(LOCK, 'utf8')) as Record<string, Record<string, string>>;
  const packs = fs
    .readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => ({ file: f, p: loadPolicyFile(path.join(DIR, f)) }));

  it('ships at least the four packs', () => {
    expect(packs.map((x) => x.p.doc.id).sort()).toEqual(
      expect.arrayContaining(['bank-retail', 'bank-sms', 'gov-hotline', 'gov-hotline-zh']),
    );
  });

  it.each(packs.map((x) => [x.file, x] as const))(
    '%s: its text is the one recorded for its version',
    (_f, { file, p }) => {
      const recorded = lock[p.doc.id]?.[String(p.doc.version)];
      const hint =
        `policies/qa/${file} (${p.doc.id} version ${p.doc.version}) has sha256 ${p.hash}; ` +
        (recorded
          ? `version ${p.doc.version} was recorded with ${recorded}: raise its version and record the new hash`
          : `record it in versions.lock.json`);
      expect(recorded, hint).toBe(p.hash);
      // a pack never goes back to an older version than one already recorded
      const newest = Math.max(...Object.keys(lock[p.doc.id]!).map(Number));
      expect(p.doc.version, `${file}: version ${newest} is already recorded`).toBe(newest);
    },
  );

  it('records only packs that ship', () => {
    const ids = new Set(packs.map((x) => x.p.doc.id));
    expect(Object.keys(lock).filter((id) => !ids.has(id))).toEqual([]);
  });
});
