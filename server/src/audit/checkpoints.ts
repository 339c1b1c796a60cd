import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Checkpoint } from './chain';

/** Ed25519 signs the message itself; RSA keys (certificates from the internal PKI) sign its SHA-256. */
export const signatureAlgorithm = (k: crypto.KeyObject) => (k.asymmetricKeyType === 'rsa' ? 'sha256' : null);

/**
 * The checkpoint signing key. Preferably a signer certificate from the appliance's internal PKI
 * (`hotline pki issue-signer --name audit-checkpoints`, then HOTLINE_AUDIT_SIGNING_CERT/KEY): a third party verifies
 * checkpoints with that certificate and checks it chains to the appliance CA. Without one, an Ed25519 key in a 0600
 * file is created on first use and its public key written beside it in PEM.
 */
export class CheckpointSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;
  private constructor(
    private readonly key: crypto.KeyObject,
    readonly certificate?: crypto.X509Certificate,
  ) {
    const pub = crypto.createPublicKey(key);
    this.publicKeyPem = pub.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(pub);
  }

  static loadOrCreate(file: string): CheckpointSigner {
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const { privateKey } = crypto.generateKeyPairSync('ed25519');
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    const s = new CheckpointSigner(crypto.createPrivateKey(fs.readFileSync(file)));
    fs.writeFileSync(`${file}.pub.pem`, s.publicKeyPem);
    return s;
  }

  /** A signer certificate and its key from the internal PKI; the key must belong to the certificate. */
  static fromCertificate(certFile: string, keyFile: string): CheckpointSigner {
    const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
    if (!cert.checkPrivateKey(key))
      throw new Error(`audit signing key ${keyFile} does not belong to certificate ${certFile}`);
    if (new Date(cert.validTo).getTime() < Date.now())
      throw new Error(
        `audit signing certificate ${certFile} expired on ${cert.validTo}; renew it with \`hotline pki renew\``,
      );
    return new CheckpointSigner(key, cert);
  }

  /** The configured signer: the PKI certificate when set, else the appliance's own Ed25519 key. */
  static forConfig(c: {
    HOTLINE_AUDIT_SIGNING_CERT?: string;
    HOTLINE_AUDIT_SIGNING_KEY?: string;
    HOTLINE_VAR_DIR: string;
  }): CheckpointSigner {
    if (c.HOTLINE_AUDIT_SIGNING_CERT)
      return CheckpointSigner.fromCertificate(c.HOTLINE_AUDIT_SIGNING_CERT, c.HOTLINE_AUDIT_SIGNING_KEY!);
    return CheckpointSigner.loadOrCreate(auditPaths(c.HOTLINE_VAR_DIR).keyFile);
  }

  sign(payload: Buffer): string {
    return crypto.sign(signatureAlgorithm(this.key), payload, this.key).toString('base64');
  }
}

export const keyIdOf = (pub: crypto.KeyObject) =>
  crypto
    .createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);

export function readCheckpoints(file: string): Checkpoint[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as Checkpoint;
      } catch {
        throw new Error(`${file}:${i + 1}: not a checkpoint line`);
      }
    });
}

/**
 * Verification keys from PEM files: public keys, or certificates. With a CA certificate, every certificate must be
 * issued and signed by it (a checkpoint key that does not chain to the appliance CA is refused).
 */
export function readPublicKeys(files: string[], caFile?: string): Map<string, crypto.KeyObject> {
  const ca = caFile ? new crypto.X509Certificate(fs.readFileSync(caFile)) : undefined;
  const m = new Map<string, crypto.KeyObject>();
  for (const f of files) {
    const pem = fs.readFileSync(f);
    let k: crypto.KeyObject;
    if (pem.includes('BEGIN CERTIFICATE')) {
      const cert = new crypto.X509Certificate(pem);
      if (ca && !(cert.checkIssued(ca) && cert.verify(ca.publicKey)))
        throw new Error(`${f} was not issued by the CA in ${caFile}`);
      k = cert.publicKey;
    } else {
      if (ca) throw new Error(`${f} is a bare public key; with --ca only certificates are accepted`);
      k = crypto.createPublicKey(pem);
    }
    m.set(keyIdOf(k), k);
  }
  return m;
}

/** Where the checkpoint signing key and the exported checkpoint file live on an install. */
export function auditPaths(varDir: string) {
  return {
    keyFile: path.join(varDir, 'keys', 'audit-checkpoint.key'),
    checkpointFile: path.join(varDir, 'audit', 'checkpoints.jsonl'),
  };
}
