import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The systemd units the installer renders (installer/render-units.sh) pass `systemd-analyze verify` without a single
 * warning, and their sandboxing scores at most 2.0 ("OK") in `systemd-analyze security --offline`.
 */
const INSTALLER = path.resolve(__dirname, '..', '..', '..', 'installer');

function render(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'units-'));
  const prefix = path.join(root, 'opt');
  fs.mkdirSync(path.join(prefix, 'node', 'bin'), { recursive: true });
  fs.symlinkSync(process.execPath, path.join(prefix, 'node', 'bin', 'node'));
  fs.symlinkSync(path.resolve(__dirname, '..', '..'), path.join(prefix, 'server'));
  const out = path.join(root, 'units');
  const r = spawnSync('bash', [path.join(INSTALLER, 'render-units.sh'), prefix, path.join(root, 'state'), out], {
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return out;
}

describe('systemd units', () => {
  it('render with every placeholder filled and verify without a warning', () => {
    const out = render();
    const units = fs.readdirSync(out).sort();
    expect(units).toEqual([
      'hotline-api.service',
      'hotline-checkpoint.service',
      'hotline-checkpoint.timer',
      'hotline-migrate.service',
      'hotline-worker@.service',
    ]);
    for (const u of units) expect(fs.readFileSync(path.join(out, u), 'utf8')).not.toMatch(/@[A-Z]+@/);
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { cwd: out, encoding: 'utf8' });
    expect(v.stderr + v.stdout).toBe('');
    expect(v.status).toBe(0);
  });

  it('a misspelt setting is caught (the check can fail)', () => {
    const out = render();
    const f = path.join(out, 'hotline-api.service');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'));
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', 'hotline-api.service'], {
      cwd: out,
      encoding: 'utf8',
    });
    expect(v.stderr).toMatch(/Unknown key 'NoNewPrivilege'/);
  });

  it('the services are sandboxed: exposure at most 2.0 of 10 for each, by systemd-analyze security', () => {
    const out = render();
    for (const u of ['hotline-api.service', 'hotline-migrate.service', 'hotline-checkpoint.service']) {
      const s = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', u], {
        cwd: out,
        encoding: 'utf8',
      });
      const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(s.stdout)?.[1]);
      console.log(`systemd-analyze security ${u}: ${score}`);
      expect(score, u).toBeLessThanOrEqual(2);
    }
  });
});
