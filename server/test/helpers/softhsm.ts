import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A SoftHSM2 token of the test's own (its own token directory and config), with a PIN made now. */
export function softHsmToken(label = 'hotline'): { env: Record<string, string>; pin: string; conf: string } {
  if (!fs.existsSync('/usr/lib/softhsm/libsofthsm2.so'))
    throw new Error('SoftHSM2 is not installed: run scripts/setup.sh (apt-get install softhsm2)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'softhsm-'));
  fs.mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${dir}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const pin = crypto.randomBytes(6).toString('hex');
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', crypto.randomBytes(6).toString('hex')],
    { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' },
  );
  return {
    conf,
    pin,
    env: { SOFTHSM2_CONF: conf, HOTLINE_KEK_PROVIDER: 'pkcs11', HOTLINE_PKCS11_TOKEN: label, HOTLINE_PKCS11_PIN: pin },
  };
}
