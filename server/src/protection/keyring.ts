import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CipherId, CipherSuite, DecryptError, SUITES, wrapSuiteOf } from './cipher';

/**
 * Key-encryption keys. A data key is only ever stored wrapped by a KEK version; the wrapped form names the KEK id
 * and version. Implementations: a 0600 file for on-prem installs (below); an HSM (PKCS#11) or an external KMS
 * implements the same interface.
 */
export interface WrappedKey {
  kekId: string;
  version: number;
  wrapped: Buffer;
}

export interface KekProvider {
  readonly kekId: string;
  activeVersion(): number;
  wrap(dataKey: Buffer, context: string): WrappedKey;
  unwrap(w: WrappedKey, context: string): Buffer;
}

/** A KEK store the appliance manages: rotation, retirement, and the root key of the blind indexes. */
export interface ManagedKek extends KekProvider {
  /** the suite that wraps keys (and whose digest the indexes and audit chain use) */
  readonly suite: CipherSuite;
  readonly minDecryptVersion: number;
  rotate(): number;
  retireBelow(version: number): void;
  indexKey(): Buffer;
}

interface KeyringFile {
  kekId: string;
  /** versions below this may no longer decrypt anything (retired) */
  minDecryptVersion: number;
  versions: Array<{ version: number; key: string; createdAt: string }>;
  /** root key of the blind indexes; not rotated with the KEK (rotating it means re-indexing) */
  indexKey?: string;
  /**
   * the installation's cryptographic suite, fixed when the keyring is made: it wraps every key and chooses the
   * digest of blind indexes and the audit chain, so it cannot change under existing data (absent: aes-256-gcm)
   */
  suite?: CipherId;
}

export class KeyringError extends Error {}

/** A keyring in a file only its owner can read. Rotation adds a version; retiring raises the minimum version. */
export class FileKeyring implements ManagedKek {
  private data: KeyringFile;
  private constructor(private readonly file: string) {
    const st = fs.statSync(file);
    if ((st.mode & 0o077) !== 0)
      throw new KeyringError(
        `keyring ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); it must be 0600`,
      );
    this.data = this.read();
    if (!this.data.indexKey) {
      this.data.indexKey = crypto.randomBytes(32).toString('base64');
      this.save();
    }
  }

  private read(): KeyringFile {
    return JSON.parse(fs.readFileSync(this.file, 'utf8')) as KeyringFile;
  }

  private mtimeMs = 0;
  /** Picks up versions another process added (rotation runs as a CLI while the api and workers keep running). */
  private refreshIfChanged(): void {
    const m = fs.statSync(this.file).mtimeMs;
    if (m !== this.mtimeMs) {
      this.data = this.read();
      this.mtimeMs = m;
    }
  }

  indexKey(): Buffer {
    return Buffer.from(this.data.indexKey!, 'base64');
  }

  /**
   * Opens the keyring, or makes one for `suite`. Given a suite, an existing keyring made for another one is refused:
   * blind indexes, dedupe keys and the audit chain were computed with its digest.
   */
  static openOrCreate(file: string, o: { kekId?: string; suite?: CipherId } = {}): FileKeyring {
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const init: KeyringFile = {
        kekId: o.kekId ?? 'hotline-kek',
        suite: o.suite ?? 'aes-256-gcm',
        minDecryptVersion: 1,
        versions: [{ version: 1, key: crypto.randomBytes(32).toString('base64'), createdAt: new Date().toISOString() }],
        indexKey: crypto.randomBytes(32).toString('base64'),
      };
      try {
        fs.writeFileSync(file, JSON.stringify(init, null, 2), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process created it first
      }
    }
    const ring = new FileKeyring(file);
    if (o.suite && o.suite !== ring.suite.id)
      throw new KeyringError(
        `keyring ${file} was made for ${ring.suite.id}; HOTLINE_CIPHER=${o.suite} cannot apply to data already protected (blind indexes and the audit chain use its digest)`,
      );
    return ring;
  }

  /** The suite that wraps this installation's keys (and whose digest its indexes and audit chain use). */
  get suite(): CipherSuite {
    return SUITES[this.data.suite ?? 'aes-256-gcm'];
  }

  get kekId() {
    return this.data.kekId;
  }

  activeVersion(): number {
    this.refreshIfChanged();
    return Math.max(...this.data.versions.map((v) => v.version));
  }

  get minDecryptVersion() {
    return this.data.minDecryptVersion;
  }

  private save() {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  private keyOf(version: number): Buffer {
    if (!this.data.versions.some((x) => x.version === version) || version < this.data.minDecryptVersion)
      this.refreshIfChanged();
    if (version < this.data.minDecryptVersion)
      throw new KeyringError(
        `key version ${version} of ${this.kekId} is retired (minimum ${this.data.minDecryptVersion})`,
      );
    const v = this.data.versions.find((x) => x.version === version);
    if (!v) throw new KeyringError(`key version ${version} of ${this.kekId} is not in the keyring`);
    return Buffer.from(v.key, 'base64');
  }

  wrap(dataKey: Buffer, context: string): WrappedKey {
    const version = this.activeVersion();
    const aad = Buffer.from(`kek|${this.kekId}|${version}|${context}`);
    return { kekId: this.kekId, version, wrapped: this.suite.seal(this.keyOf(version), dataKey, aad) };
  }

  unwrap(w: WrappedKey, context: string): Buffer {
    if (w.kekId !== this.kekId) throw new KeyringError(`data key wrapped by unknown key ${w.kekId}`);
    try {
      // the wrapped form says which suite made it (keys wrapped before SM wrapping existed are AES-GCM)
      return wrapSuiteOf(w.wrapped).open(
        this.keyOf(w.version),
        w.wrapped,
        Buffer.from(`kek|${w.kekId}|${w.version}|${context}`),
      );
    } catch (e) {
      if (e instanceof DecryptError)
        throw new DecryptError(`wrapped data key failed authentication (context ${context})`);
      throw e;
    }
  }

  /** A new active version; older versions still unwrap until retired. */
  rotate(): number {
    const version = this.activeVersion() + 1;
    this.data.versions.push({
      version,
      key: crypto.randomBytes(32).toString('base64'),
      createdAt: new Date().toISOString(),
    });
    this.save();
    return version;
  }

  /** Nothing below `version` may decrypt any more; their key material is deleted from the file. */
  retireBelow(version: number): void {
    if (version > this.activeVersion()) throw new KeyringError('cannot retire the active version');
    this.data.minDecryptVersion = Math.max(this.data.minDecryptVersion, version);
    this.data.versions = this.data.versions.filter((v) => v.version >= this.data.minDecryptVersion);
    this.save();
  }
}
