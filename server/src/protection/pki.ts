import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/**
 * The appliance's internal PKI: a root CA that issues server certificates (the API's HTTPS), client certificates
 * (recorders, integrations) and a signing certificate (audit checkpoints). Keys are generated with node:crypto
 * (fast, OpenSSL); certificates are built and signed with node-forge. Everything lives in one directory with
 * private keys at mode 0600; nothing here ever leaves the building.
 *
 * Layout: ca.key.pem, ca.cert.pem, <name>.key.pem, <name>.cert.pem, <name>.json (kind, SANs, days: how to renew).
 */
export type CertKind = 'server' | 'client' | 'signer';

export interface IssuedMeta {
  name: string;
  kind: CertKind;
  sans: string[];
  days: number;
}

export class PkiError extends Error {}

/** CRLReason codes (RFC 5280 §5.3.1) an operator may give */
export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
} as const;

const RSA_BITS = 3072;

function newKeyPair(): { privateKeyPem: string; publicKey: forge.pki.PublicKey } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

const serial = () => '01' + crypto.randomBytes(15).toString('hex'); // positive, 128 bits of randomness

function validity(cert: forge.pki.Certificate, days: number, now = new Date()) {
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000); // small clock skew
  cert.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
}

function parseSan(s: string): { type: number; value?: string; ip?: string } {
  const [kind, ...rest] = s.split(':');
  const v = rest.join(':');
  if (kind === 'DNS' && /^[a-zA-Z0-9*.-]+$/.test(v)) return { type: 2, value: v };
  if (kind === 'IP' && (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || v.includes(':'))) return { type: 7, ip: v };
  throw new PkiError(`subject alternative name "${s}": write DNS:<name> or IP:<address>`);
}

const write = (file: string, data: string, mode: number) => {
  fs.writeFileSync(`${file}.tmp`, data, { mode });
  fs.renameSync(`${file}.tmp`, file);
};

/** One line of the PKI's journal (journal.jsonl): every CA creation and issuance, carried into the audit trail. */
export interface PkiJournalEntry {
  id: string;
  at: string;
  op: 'init' | 'issue' | 'revoke';
  name: string;
  kind: CertKind | 'ca';
  serial: string;
  /** SHA-256 of the certificate (DER) */
  sha256: string;
  notAfter: string;
  /** who ran it: the operator at the command line, or system:<job> */
  by: string;
}

/** The journal's entries (an absent journal: none). */
export function readPkiJournal(dir: string): PkiJournalEntry[] {
  const f = path.join(dir, 'journal.jsonl');
  if (!fs.existsSync(f)) return [];
  return fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PkiJournalEntry);
}

export class Pki {
  /** `by`: who the journal names for what this instance does (the operator, or system:<job>) */
  constructor(
    readonly dir: string,
    private readonly by = 'system:pki',
    /** encrypts the CA's private key at rest (PKCS#8 PBES2: PBKDF2 + AES-256-CBC); needed to issue with it */
    private readonly passphrase?: string,
  ) {}

  private journal(op: PkiJournalEntry['op'], name: string, kind: PkiJournalEntry['kind'], cert: forge.pki.Certificate) {
    const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
    const e: PkiJournalEntry = {
      id: crypto.randomUUID(),
      at: new Date().toISOString(),
      op,
      name,
      kind,
      serial: cert.serialNumber,
      sha256: crypto.createHash('sha256').update(der).digest('hex'),
      notAfter: cert.validity.notAfter.toISOString(),
      by: this.by,
    };
    fs.appendFileSync(path.join(this.dir, 'journal.jsonl'), `${JSON.stringify(e)}\n`, { mode: 0o600 });
  }

  private p(name: string, ext: string) {
    if (!/^[a-z0-9][a-z0-9_.-]{0,62}$/i.test(name))
      throw new PkiError(`certificate name "${name}": letters, digits, . _ - only`);
    // the CA's own files: a certificate named "ca" would overwrite the CA's key
    if (/^(ca|crl|revoked|journal)$/i.test(name))
      throw new PkiError(`the name "${name}" is reserved for the CA's own files`);
    return path.join(this.dir, `${name}.${ext}`);
  }

  get caCertFile() {
    return path.join(this.dir, 'ca.cert.pem');
  }

  exists(): boolean {
    return fs.existsSync(this.caCertFile);
  }

  /** Creates the root CA (refuses to overwrite an existing one). */
  init(commonName = 'Hotline Appliance Root CA', days = 3650): { certFile: string } {
    if (this.exists()) throw new PkiError(`a CA already exists in ${this.dir}; it is never overwritten`);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const { privateKeyPem, publicKey } = newKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    validity(cert, days);
    const attrs = [
      { name: 'commonName', value: commonName },
      { name: 'organizationName', value: 'Hotline Appliance' },
    ];
    cert.setSubject(attrs);
    cert.setIssuer(attrs);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
    // with a passphrase the key is stored encrypted: a copy of the directory alone cannot issue certificates
    const stored = this.passphrase
      ? crypto
          .createPrivateKey(privateKeyPem)
          .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: this.passphrase })
          .toString()
      : privateKeyPem;
    write(path.join(this.dir, 'ca.key.pem'), stored, 0o600);
    write(this.caCertFile, forge.pki.certificateToPem(cert), 0o644);
    this.journal('init', 'ca', 'ca', cert);
    return { certFile: this.caCertFile };
  }

  /** Whether the CA's key is stored encrypted (under HOTLINE_PKI_PASSPHRASE). */
  caKeyEncrypted(): boolean {
    return fs.readFileSync(path.join(this.dir, 'ca.key.pem'), 'utf8').includes('ENCRYPTED');
  }

  /**
   * Encrypts a CA key stored in the clear under this instance's passphrase, in place (an appliance installed before
   * the installer made a passphrase). False when it was already encrypted: it is never re-encrypted here.
   */
  encryptKey(): boolean {
    if (!this.passphrase) throw new PkiError('set HOTLINE_PKI_PASSPHRASE (or _FILE) to encrypt the CA key');
    if (!this.exists()) throw new PkiError(`no CA in ${this.dir}`);
    if (this.caKeyEncrypted()) return false;
    const stored = crypto
      .createPrivateKey(this.caKeyPem())
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: this.passphrase })
      .toString();
    write(path.join(this.dir, 'ca.key.pem'), stored, 0o600);
    return true;
  }

  private caKeyPem(): string {
    const pem = fs.readFileSync(path.join(this.dir, 'ca.key.pem'), 'utf8');
    if (!pem.includes('ENCRYPTED')) return pem;
    if (!this.passphrase) throw new PkiError('the CA key is encrypted: set HOTLINE_PKI_PASSPHRASE (or _FILE)');
    try {
      return crypto
        .createPrivateKey({ key: pem, passphrase: this.passphrase })
        .export({ type: 'pkcs8', format: 'pem' })
        .toString();
    } catch {
      throw new PkiError('the CA key does not open with this passphrase');
    }
  }

  private ca() {
    if (!this.exists()) throw new PkiError(`no CA in ${this.dir}: run \`hotline pki init\` first`);
    return {
      cert: forge.pki.certificateFromPem(fs.readFileSync(this.caCertFile, 'utf8')),
      key: forge.pki.privateKeyFromPem(this.caKeyPem()),
    };
  }

  private revokedFile() {
    return path.join(this.dir, 'revoked.json');
  }

  /** Certificates revoked here: serial, name, when, why. */
  revoked(): Array<{ serial: string; name: string; at: string; reason: string }> {
    return fs.existsSync(this.revokedFile()) ? JSON.parse(fs.readFileSync(this.revokedFile(), 'utf8')) : [];
  }

  /** Revokes the certificate issued under `name` (its current serial); the next CRL lists it. */
  revoke(name: string, reason: keyof typeof CRL_REASONS = 'unspecified'): { serial: string } {
    const file = this.p(name, 'cert.pem');
    if (!fs.existsSync(file)) throw new PkiError(`no certificate named "${name}" was issued here`);
    const cert = forge.pki.certificateFromPem(fs.readFileSync(file, 'utf8'));
    const list = this.revoked();
    if (!list.some((r) => r.serial === cert.serialNumber))
      list.push({ serial: cert.serialNumber, name, at: new Date().toISOString(), reason });
    write(this.revokedFile(), JSON.stringify(list, null, 2), 0o644);
    const meta = fs.existsSync(this.p(name, 'json'))
      ? (JSON.parse(fs.readFileSync(this.p(name, 'json'), 'utf8')) as IssuedMeta)
      : undefined;
    this.journal('revoke', name, meta?.kind ?? 'client', cert);
    return { serial: cert.serialNumber };
  }

  /**
   * A certificate revocation list (X.509 v2 CRL, RFC 5280 §5) of everything revoked here, signed by the CA with
   * SHA-256, valid `days`, with a CRL number and the CA's key identifier; written to crl.pem (what relying parties
   * fetch from the bank's distribution point).
   */
  crl(days = 7, now = new Date()): { file: string; revoked: number; number: number } {
    const ca = this.ca();
    const A = forge.asn1;
    const time = (d: Date) =>
      d.getUTCFullYear() < 2050
        ? A.create(A.Class.UNIVERSAL, A.Type.UTCTIME, false, A.dateToUtcTime(d))
        : A.create(A.Class.UNIVERSAL, A.Type.GENERALIZEDTIME, false, A.dateToGeneralizedTime(d));
    const int = (hex: string) =>
      A.create(A.Class.UNIVERSAL, A.Type.INTEGER, false, forge.util.hexToBytes(hex.length % 2 ? `0${hex}` : hex));
    const alg = A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
      A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(forge.pki.oids.sha256WithRSAEncryption).getBytes()),
      A.create(A.Class.UNIVERSAL, A.Type.NULL, false, ''),
    ]);
    const numberFile = path.join(this.dir, 'crl.number');
    const number = (fs.existsSync(numberFile) ? Number(fs.readFileSync(numberFile, 'utf8')) : 0) + 1;
    const list = this.revoked();
    const ext = (oid: string, value: forge.asn1.Asn1) =>
      A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
        A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(oid).getBytes()),
        A.create(A.Class.UNIVERSAL, A.Type.OCTETSTRING, false, A.toDer(value).getBytes()),
      ]);
    const tbs = A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
      A.create(A.Class.UNIVERSAL, A.Type.INTEGER, false, A.integerToDer(1).getBytes()), // v2
      alg,
      forge.pki.distinguishedNameToAsn1(ca.cert.subject),
      time(now),
      time(new Date(now.getTime() + days * 86_400_000)),
      ...(list.length
        ? [
            A.create(
              A.Class.UNIVERSAL,
              A.Type.SEQUENCE,
              true,
              list.map((r) =>
                A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
                  int(r.serial),
                  time(new Date(r.at)),
                  A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
                    ext(
                      '2.5.29.21',
                      A.create(
                        A.Class.UNIVERSAL,
                        A.Type.ENUMERATED,
                        false,
                        String.fromCharCode(CRL_REASONS[r.reason as keyof typeof CRL_REASONS] ?? 0),
                      ),
                    ),
                  ]),
                ]),
              ),
            ),
          ]
        : []),
      A.create(A.Class.CONTEXT_SPECIFIC, 0, true, [
        A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
          ext(
            '2.5.29.35',
            A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
              A.create(A.Class.CONTEXT_SPECIFIC, 0, false, ca.cert.generateSubjectKeyIdentifier().getBytes()),
            ]),
          ),
          ext('2.5.29.20', int(number.toString(16))),
        ]),
      ]),
    ]);
    const tbsDer = Buffer.from(A.toDer(tbs).getBytes(), 'binary');
    const signature = crypto.sign('sha256', tbsDer, this.caKeyPem());
    const crl = A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
      tbs,
      alg,
      A.create(A.Class.UNIVERSAL, A.Type.BITSTRING, false, `\0${signature.toString('binary')}`),
    ]);
    const der = Buffer.from(A.toDer(crl).getBytes(), 'binary');
    const file = path.join(this.dir, 'crl.pem');
    write(
      file,
      `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END X509 CRL-----\n`,
      0o644,
    );
    write(numberFile, String(number), 0o644);
    return { file, revoked: list.length, number };
  }

  /** Issues (or, with an existing key, renews) a certificate signed by the CA. */
  issue(meta: IssuedMeta, opts: { reuseKey?: boolean } = {}): { certFile: string; keyFile: string; notAfter: Date } {
    const ca = this.ca();
    const keyFile = this.p(meta.name, 'key.pem');
    let privateKeyPem: string;
    let publicKey: forge.pki.PublicKey;
    if (opts.reuseKey && fs.existsSync(keyFile)) {
      privateKeyPem = fs.readFileSync(keyFile, 'utf8');
      publicKey = forge.pki.publicKeyFromPem(
        crypto.createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
      );
    } else {
      ({ privateKeyPem, publicKey } = newKeyPair());
    }
    const sans = meta.sans.map(parseSan);
    if (meta.kind === 'server' && !sans.length)
      throw new PkiError(
        'a server certificate needs at least one subject alternative name (--san DNS:host or IP:addr)',
      );
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    validity(cert, meta.days);
    cert.setSubject([
      { name: 'commonName', value: meta.name },
      { name: 'organizationName', value: 'Hotline Appliance' },
    ]);
    cert.setIssuer(ca.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      {
        name: 'keyUsage',
        digitalSignature: true,
        keyEncipherment: meta.kind !== 'signer',
        nonRepudiation: meta.kind === 'signer',
        critical: true,
      },
      ...(meta.kind === 'signer'
        ? []
        : [{ name: 'extKeyUsage', ...(meta.kind === 'server' ? { serverAuth: true } : { clientAuth: true }) }]),
      ...(sans.length ? [{ name: 'subjectAltName', altNames: sans }] : []),
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(ca.key, forge.md.sha256.create());
    write(keyFile, privateKeyPem, 0o600);
    const certFile = this.p(meta.name, 'cert.pem');
    // the chain: leaf then CA, as TLS servers send it
    write(certFile, forge.pki.certificateToPem(cert) + fs.readFileSync(this.caCertFile, 'utf8'), 0o644);
    write(this.p(meta.name, 'json'), JSON.stringify(meta, null, 2), 0o644);
    this.journal('issue', meta.name, meta.kind, cert);
    return { certFile, keyFile, notAfter: cert.validity.notAfter };
  }

  /** Re-issues a certificate with the same name, kind and SANs, a fresh validity period and (by default) a new key. */
  renew(name: string, opts: { days?: number; reuseKey?: boolean } = {}) {
    const file = this.p(name, 'json');
    if (!fs.existsSync(file)) throw new PkiError(`no certificate named "${name}" was issued here`);
    const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as IssuedMeta;
    return this.issue({ ...meta, days: opts.days ?? meta.days }, { reuseKey: opts.reuseKey });
  }

  /**
   * A signer certificate by name, issued on first use and renewed when it has fewer than `renewDays` left; the CA
   * is created when there is none (the appliance's own PKI, as on a fresh install).
   */
  ensureSigner(name: string, opts: { days?: number; renewDays?: number } = {}): { certPem: string; keyPem: string } {
    if (!this.exists()) this.init();
    const certFile = this.p(name, 'cert.pem');
    const keyFile = this.p(name, 'key.pem');
    const fresh = () => this.issue({ name, kind: 'signer', sans: [], days: opts.days ?? 397 });
    if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) fresh();
    else {
      const left = new Date(new crypto.X509Certificate(fs.readFileSync(certFile)).validTo).getTime() - Date.now();
      if (left < (opts.renewDays ?? 30) * 86_400_000) this.renew(name);
    }
    return { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
  }

  /** Every certificate here with its expiry. */
  list(
    now = new Date(),
  ): Array<{ name: string; kind: string; subject: string; sans: string[]; notAfter: Date; daysLeft: number }> {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.cert.pem'))
      .sort()
      .map((f) => {
        const cert = forge.pki.certificateFromPem(fs.readFileSync(path.join(this.dir, f), 'utf8'));
        const name = f.replace(/\.cert\.pem$/, '');
        const metaFile = path.join(this.dir, `${name}.json`);
        const meta = fs.existsSync(metaFile)
          ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as IssuedMeta)
          : undefined;
        return {
          name,
          kind: name === 'ca' ? 'ca' : (meta?.kind ?? 'unknown'),
          subject: String(cert.subject.getField('CN')?.value ?? ''),
          sans: meta?.sans ?? [],
          notAfter: cert.validity.notAfter,
          daysLeft: Math.floor((cert.validity.notAfter.getTime() - now.getTime()) / 86_400_000),
        };
      });
  }
}
