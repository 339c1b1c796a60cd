import crypto from 'node:crypto';
import koffi from 'koffi';
import { AES_256_GCM, CipherSuite, DecryptError } from './cipher';
import { KeyringError, type ManagedKek, type WrappedKey } from './keyring';

/**
 * Key-encryption keys held in a hardware security module, through its PKCS#11 module (SoftHSM2 from Debian for
 * tests; a bank's HSM vendor module in production). The KEKs are AES-256 secret-key objects on the token, created
 * there as sensitive and non-extractable: they never exist in the appliance's memory or on its disks. A data key is
 * wrapped by CKM_AES_GCM in the HSM (random 96-bit IV, 128-bit tag, the same additional data as the file keyring),
 * stored as IV ‖ ciphertext ‖ tag. Versions are objects labelled `<label>-v<N>`; rotation generates the next one;
 * retiring destroys the objects below a version. The blind-index root key is derived in the HSM by AES-CMAC under
 * its own non-extractable key (`<label>-index`), never stored.
 *
 * Bound with koffi (already a dependency) to the module's exported C_* functions (PKCS#11 2.40, CK_ULONG 64-bit).
 */
const UL = 'unsigned long';
koffi.struct('HOTLINE_CK_ATTRIBUTE', { type: UL, pValue: 'void *', ulValueLen: UL });
koffi.struct('HOTLINE_CK_MECHANISM', { mechanism: UL, pParameter: 'void *', ulParameterLen: UL });
const CK_GCM_PARAMS = koffi.struct('HOTLINE_CK_GCM_PARAMS', {
  pIv: 'void *',
  ulIvLen: UL,
  ulIvBits: UL,
  pAAD: 'void *',
  ulAADLen: UL,
  ulTagBits: UL,
});

const CKR_OK = 0;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
const CKA = {
  CLASS: 0x0,
  TOKEN: 0x1,
  LABEL: 0x3,
  KEY_TYPE: 0x100,
  SENSITIVE: 0x103,
  ENCRYPT: 0x104,
  DECRYPT: 0x105,
  SIGN: 0x108,
  VALUE_LEN: 0x161,
  EXTRACTABLE: 0x162,
};
const CKO_SECRET_KEY = 4;
const CKK_AES = 0x1f;
const CKM = { AES_KEY_GEN: 0x1080, AES_GCM: 0x1087, AES_CMAC: 0x108a };
const CKF_RW_SERIAL = 0x2 | 0x4;
const CKU_USER = 1;

type Attr = { type: number; pValue: Buffer | null; ulValueLen: number };
const ulong = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const bool = (v: boolean) => Buffer.from([v ? 1 : 0]);

interface Module {
  C_Initialize(args: null): number;
  C_GetSlotList(present: number, list: number[] | null, count: number[]): number;
  C_GetTokenInfo(slot: number, info: Buffer): number;
  C_OpenSession(slot: number, flags: number, app: null, notify: null, session: number[]): number;
  C_Login(session: number, user: number, pin: string, len: number): number;
  C_FindObjectsInit(session: number, tmpl: Attr[], count: number): number;
  C_FindObjects(session: number, handles: number[], max: number, count: number[]): number;
  C_FindObjectsFinal(session: number): number;
  C_GetAttributeValue(session: number, obj: number, tmpl: Attr[], count: number): number;
  C_GenerateKey(session: number, mech: unknown, tmpl: Attr[], count: number, key: number[]): number;
  C_EncryptInit(session: number, mech: unknown, key: number): number;
  C_Encrypt(session: number, data: Buffer, len: number, out: Buffer, outLen: number[]): number;
  C_DecryptInit(session: number, mech: unknown, key: number): number;
  C_Decrypt(session: number, data: Buffer, len: number, out: Buffer, outLen: number[]): number;
  C_SignInit(session: number, mech: unknown, key: number): number;
  C_Sign(session: number, data: Buffer, len: number, out: Buffer, outLen: number[]): number;
  C_DestroyObject(session: number, obj: number): number;
}

const modules = new Map<string, Module>();
function load(file: string): Module {
  let m = modules.get(file);
  if (m) return m;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(file);
  } catch (e) {
    throw new KeyringError(`PKCS#11 module ${file} cannot be loaded: ${(e as Error).message}`);
  }
  const fn = (sig: string) => lib.func(sig) as (...a: unknown[]) => number;
  m = {
    C_Initialize: fn('unsigned long C_Initialize(void *args)'),
    C_GetSlotList: fn(
      'unsigned long C_GetSlotList(uint8_t present, _Out_ unsigned long *list, _Inout_ unsigned long *count)',
    ),
    C_GetTokenInfo: fn('unsigned long C_GetTokenInfo(unsigned long slot, _Out_ uint8_t *info)'),
    C_OpenSession: fn(
      'unsigned long C_OpenSession(unsigned long slot, unsigned long flags, void *app, void *notify, _Out_ unsigned long *session)',
    ),
    C_Login: fn('unsigned long C_Login(unsigned long session, unsigned long user, const char *pin, unsigned long len)'),
    C_FindObjectsInit: fn(
      'unsigned long C_FindObjectsInit(unsigned long session, HOTLINE_CK_ATTRIBUTE *tmpl, unsigned long count)',
    ),
    C_FindObjects: fn(
      'unsigned long C_FindObjects(unsigned long session, _Out_ unsigned long *handles, unsigned long max, _Out_ unsigned long *count)',
    ),
    C_FindObjectsFinal: fn('unsigned long C_FindObjectsFinal(unsigned long session)'),
    C_GetAttributeValue: fn(
      'unsigned long C_GetAttributeValue(unsigned long session, unsigned long obj, _Inout_ HOTLINE_CK_ATTRIBUTE *tmpl, unsigned long count)',
    ),
    C_GenerateKey: fn(
      'unsigned long C_GenerateKey(unsigned long session, HOTLINE_CK_MECHANISM *mech, HOTLINE_CK_ATTRIBUTE *tmpl, unsigned long count, _Out_ unsigned long *key)',
    ),
    C_EncryptInit: fn(
      'unsigned long C_EncryptInit(unsigned long session, HOTLINE_CK_MECHANISM *mech, unsigned long key)',
    ),
    C_Encrypt: fn(
      'unsigned long C_Encrypt(unsigned long session, const uint8_t *data, unsigned long len, _Out_ uint8_t *out, _Inout_ unsigned long *outLen)',
    ),
    C_DecryptInit: fn(
      'unsigned long C_DecryptInit(unsigned long session, HOTLINE_CK_MECHANISM *mech, unsigned long key)',
    ),
    C_Decrypt: fn(
      'unsigned long C_Decrypt(unsigned long session, const uint8_t *data, unsigned long len, _Out_ uint8_t *out, _Inout_ unsigned long *outLen)',
    ),
    C_SignInit: fn('unsigned long C_SignInit(unsigned long session, HOTLINE_CK_MECHANISM *mech, unsigned long key)'),
    C_Sign: fn(
      'unsigned long C_Sign(unsigned long session, const uint8_t *data, unsigned long len, _Out_ uint8_t *out, _Inout_ unsigned long *outLen)',
    ),
    C_DestroyObject: fn('unsigned long C_DestroyObject(unsigned long session, unsigned long obj)'),
  } as unknown as Module;
  modules.set(file, m);
  return m;
}

export interface Pkcs11Options {
  /** the vendor's PKCS#11 module (.so) */
  module: string;
  /** the token's label */
  token: string;
  /** the user PIN */
  pin: string;
  /** KEK objects are `<label>-v<N>`, the index key `<label>-index` */
  label: string;
}

export class Pkcs11Kek implements ManagedKek {
  readonly suite: CipherSuite = AES_256_GCM;
  readonly kekId: string;
  private readonly m: Module;
  private readonly session: number;
  private keys = new Map<number, number>();

  private constructor(private readonly o: Pkcs11Options) {
    this.m = load(o.module);
    this.kekId = o.label;
    const rv = this.m.C_Initialize(null);
    if (rv !== CKR_OK && rv !== CKR_CRYPTOKI_ALREADY_INITIALIZED) this.fail('C_Initialize', rv);
    const slot = this.slotOf(o.token);
    const s = [0];
    this.check('C_OpenSession', this.m.C_OpenSession(slot, CKF_RW_SERIAL, null, null, s));
    this.session = s[0];
    const login = this.m.C_Login(this.session, CKU_USER, o.pin, Buffer.byteLength(o.pin));
    if (login !== CKR_OK && login !== CKR_USER_ALREADY_LOGGED_IN) this.fail('C_Login (check the PIN)', login);
    this.refresh();
  }

  /** Opens the token; on first use creates version 1 of the KEK and the index key there. */
  static open(o: Pkcs11Options): Pkcs11Kek {
    const k = new Pkcs11Kek(o);
    if (!k.keys.size) k.generate(`${o.label}-v1`, { encrypt: true });
    if (!k.find(`${o.label}-index`).length) k.generate(`${o.label}-index`, { sign: true });
    k.refresh();
    return k;
  }

  private fail(what: string, rv: number): never {
    throw new KeyringError(`PKCS#11 ${what} failed: CKR 0x${rv.toString(16)}`);
  }
  private check(what: string, rv: number) {
    if (rv !== CKR_OK) this.fail(what, rv);
  }

  private slotOf(token: string): number {
    const n = [0];
    this.check('C_GetSlotList', this.m.C_GetSlotList(1, null, n));
    const slots = new Array<number>(n[0]).fill(0);
    this.check('C_GetSlotList', this.m.C_GetSlotList(1, slots, n));
    for (const slot of slots.slice(0, n[0])) {
      const info = Buffer.alloc(512);
      this.check('C_GetTokenInfo', this.m.C_GetTokenInfo(slot, info));
      if (info.subarray(0, 32).toString('utf8').trimEnd() === token) return slot;
    }
    throw new KeyringError(`no PKCS#11 token labelled "${token}" in ${this.o.module}`);
  }

  /** Secret-key objects with this label (or every one, to list versions). */
  private find(label?: string): number[] {
    const tmpl: Attr[] = [{ type: CKA.CLASS, pValue: ulong(CKO_SECRET_KEY), ulValueLen: 8 }];
    if (label) tmpl.push({ type: CKA.LABEL, pValue: Buffer.from(label), ulValueLen: Buffer.byteLength(label) });
    this.check('C_FindObjectsInit', this.m.C_FindObjectsInit(this.session, tmpl, tmpl.length));
    const out: number[] = [];
    try {
      for (;;) {
        const h = new Array<number>(64).fill(0);
        const n = [0];
        this.check('C_FindObjects', this.m.C_FindObjects(this.session, h, 64, n));
        out.push(...h.slice(0, n[0]));
        if (n[0] < 64) return out;
      }
    } finally {
      this.m.C_FindObjectsFinal(this.session);
    }
  }

  private labelOf(obj: number): string {
    const probe: Attr[] = [{ type: CKA.LABEL, pValue: null, ulValueLen: 0 }];
    this.check('C_GetAttributeValue', this.m.C_GetAttributeValue(this.session, obj, probe, 1));
    const buf = Buffer.alloc(probe[0].ulValueLen);
    const tmpl: Attr[] = [{ type: CKA.LABEL, pValue: buf, ulValueLen: buf.length }];
    this.check('C_GetAttributeValue', this.m.C_GetAttributeValue(this.session, obj, tmpl, 1));
    return buf.toString('utf8');
  }

  /** The KEK versions on the token (label → version). */
  private refresh() {
    const re = new RegExp(`^${this.o.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-v(\\d+)$`);
    this.keys = new Map();
    for (const obj of this.find()) {
      const m = re.exec(this.labelOf(obj));
      if (m) this.keys.set(Number(m[1]), obj);
    }
  }

  private generate(label: string, use: { encrypt?: boolean; sign?: boolean }): number {
    const tmpl: Attr[] = [
      { type: CKA.CLASS, pValue: ulong(CKO_SECRET_KEY), ulValueLen: 8 },
      { type: CKA.KEY_TYPE, pValue: ulong(CKK_AES), ulValueLen: 8 },
      { type: CKA.VALUE_LEN, pValue: ulong(32), ulValueLen: 8 },
      { type: CKA.LABEL, pValue: Buffer.from(label), ulValueLen: Buffer.byteLength(label) },
      { type: CKA.TOKEN, pValue: bool(true), ulValueLen: 1 },
      { type: CKA.SENSITIVE, pValue: bool(true), ulValueLen: 1 },
      { type: CKA.EXTRACTABLE, pValue: bool(false), ulValueLen: 1 },
      { type: CKA.ENCRYPT, pValue: bool(!!use.encrypt), ulValueLen: 1 },
      { type: CKA.DECRYPT, pValue: bool(!!use.encrypt), ulValueLen: 1 },
      { type: CKA.SIGN, pValue: bool(!!use.sign), ulValueLen: 1 },
    ];
    const key = [0];
    this.check(
      'C_GenerateKey',
      this.m.C_GenerateKey(
        this.session,
        { mechanism: CKM.AES_KEY_GEN, pParameter: null, ulParameterLen: 0 },
        tmpl,
        tmpl.length,
        key,
      ),
    );
    return key[0];
  }

  private gcm(iv: Buffer, aad: Buffer) {
    const params = koffi.as(
      { pIv: iv, ulIvLen: iv.length, ulIvBits: iv.length * 8, pAAD: aad, ulAADLen: aad.length, ulTagBits: 128 },
      'HOTLINE_CK_GCM_PARAMS *',
    );
    return { mechanism: CKM.AES_GCM, pParameter: params, ulParameterLen: koffi.sizeof(CK_GCM_PARAMS) };
  }

  private keyOf(version: number): number {
    if (!this.keys.has(version)) this.refresh(); // rotated by another process
    const k = this.keys.get(version);
    if (k === undefined)
      throw new KeyringError(`key version ${version} of ${this.kekId} is not on the token (retired?)`);
    return k;
  }

  activeVersion(): number {
    this.refresh();
    return Math.max(...this.keys.keys());
  }

  get minDecryptVersion(): number {
    return Math.min(...this.keys.keys());
  }

  wrap(dataKey: Buffer, context: string): WrappedKey {
    const version = this.activeVersion();
    const iv = crypto.randomBytes(12);
    const aad = Buffer.from(`kek|${this.kekId}|${version}|${context}`);
    this.check('C_EncryptInit', this.m.C_EncryptInit(this.session, this.gcm(iv, aad), this.keyOf(version)));
    const out = Buffer.alloc(dataKey.length + 16);
    const n = [out.length];
    this.check('C_Encrypt', this.m.C_Encrypt(this.session, dataKey, dataKey.length, out, n));
    return { kekId: this.kekId, version, wrapped: Buffer.concat([iv, out.subarray(0, n[0])]) };
  }

  unwrap(w: WrappedKey, context: string): Buffer {
    if (w.kekId !== this.kekId) throw new KeyringError(`data key wrapped by unknown key ${w.kekId}`);
    if (w.wrapped.length < 28) throw new DecryptError('wrapped data key too short');
    const iv = w.wrapped.subarray(0, 12);
    const body = w.wrapped.subarray(12);
    const aad = Buffer.from(`kek|${w.kekId}|${w.version}|${context}`);
    this.check(
      'C_DecryptInit',
      this.m.C_DecryptInit(this.session, this.gcm(Buffer.from(iv), aad), this.keyOf(w.version)),
    );
    const out = Buffer.alloc(body.length);
    const n = [out.length];
    // a tag that does not verify (wrong context, tampering) is CKR_ENCRYPTED_DATA_INVALID or similar
    if (this.m.C_Decrypt(this.session, Buffer.from(body), body.length, out, n) !== CKR_OK)
      throw new DecryptError(`wrapped data key failed authentication (context ${context})`);
    return out.subarray(0, n[0]);
  }

  rotate(): number {
    const version = this.activeVersion() + 1;
    this.generate(`${this.kekId}-v${version}`, { encrypt: true });
    this.refresh();
    return version;
  }

  /** Destroys the KEK objects below `version` on the token: what they wrapped can no longer be opened. */
  retireBelow(version: number): void {
    if (version > this.activeVersion()) throw new KeyringError('cannot retire the active version');
    for (const [v, obj] of this.keys)
      if (v < version) this.check('C_DestroyObject', this.m.C_DestroyObject(this.session, obj));
    this.refresh();
  }

  /** The blind-index root key: AES-CMAC in the HSM over two fixed labels (32 bytes), the same on every call. */
  indexKey(): Buffer {
    const [key] = this.find(`${this.kekId}-index`);
    if (key === undefined) throw new KeyringError(`no ${this.kekId}-index key on the token`);
    const part = (label: string) => {
      this.check(
        'C_SignInit',
        this.m.C_SignInit(this.session, { mechanism: CKM.AES_CMAC, pParameter: null, ulParameterLen: 0 }, key),
      );
      const out = Buffer.alloc(16);
      const n = [16];
      const data = Buffer.from(label);
      this.check('C_Sign', this.m.C_Sign(this.session, data, data.length, out, n));
      return out.subarray(0, n[0]);
    };
    return Buffer.concat([part('hotline/blind-index-root/1'), part('hotline/blind-index-root/2')]);
  }
}
