import type { Config } from '../config';
import { FileKeyring, KeyringError, type ManagedKek } from './keyring';
import { Pkcs11Kek } from './pkcs11';

/**
 * The configured KEK store: the 0600 keyring file (default), or an HSM through PKCS#11 (HOTLINE_KEK_PROVIDER=pkcs11),
 * where the KEKs are non-extractable token objects. SM mode needs SM4 in the HSM, which this provider does not drive
 * (its wrapping is AES-GCM): that combination is refused rather than silently weakened.
 */
export function openKek(
  c: Pick<
    Config,
    | 'keyringFile'
    | 'HOTLINE_CIPHER'
    | 'HOTLINE_KEK_PROVIDER'
    | 'HOTLINE_PKCS11_MODULE'
    | 'HOTLINE_PKCS11_TOKEN'
    | 'HOTLINE_PKCS11_PIN'
    | 'HOTLINE_PKCS11_LABEL'
  >,
): ManagedKek {
  if (c.HOTLINE_KEK_PROVIDER === 'file') return FileKeyring.openOrCreate(c.keyringFile, { suite: c.HOTLINE_CIPHER });
  if (c.HOTLINE_CIPHER !== 'aes-256-gcm')
    throw new KeyringError(
      'HOTLINE_KEK_PROVIDER=pkcs11 wraps keys with AES-GCM in the HSM; SM mode (HOTLINE_CIPHER=sm4-ctr-hmac-sm3) needs the keyring file or an SM4-capable module',
    );
  if (!c.HOTLINE_PKCS11_PIN) throw new KeyringError('HOTLINE_KEK_PROVIDER=pkcs11 needs HOTLINE_PKCS11_PIN (or _FILE)');
  return Pkcs11Kek.open({
    module: c.HOTLINE_PKCS11_MODULE,
    token: c.HOTLINE_PKCS11_TOKEN,
    pin: c.HOTLINE_PKCS11_PIN,
    label: c.HOTLINE_PKCS11_LABEL,
  });
}
