import crypto from 'node:crypto';
import forge from 'node-forge';
import zlib from 'node:zlib';
import { strFromU8, strToU8, unzipSync } from 'fflate';

/**
 * The signed evidence pack: one zip an auditor can check without trusting the appliance or its code.
 *
 *   report-en.pdf, report-zh.pdf, *.csv, manifest.json, README.txt   the evidence
 *   SHA256SUMS        every file above with its SHA-256, in `sha256sum` format
 *   SHA256SUMS.p7s    a detached CMS (PKCS#7) signature over SHA256SUMS, DER, by the appliance's report signer
 *                     certificate (included in the signature), which chains to the appliance's internal CA
 *
 * The manifest (period, scope, policy and model hashes, audit checkpoint, every file's hash) is one of the files
 * SHA256SUMS covers, so the signature covers it too. Verified by `verifyPack` below (`hotline evidence verify`) and,
 * independently, by `openssl cms -verify` + `sha256sum -c` (the README in the pack says how).
 */
export const SUMS = 'SHA256SUMS';
export const SIGNATURE = 'SHA256SUMS.p7s';
/** every entry is dated 2000-01-01 00:00 (DOS time 0, date 20<<9 | 1<<5 | 1): identical inputs give identical zips */
const DOS_TIME = 0;
const DOS_DATE = (20 << 9) | (1 << 5) | 1;

/**
 * A plain zip (deflate, UTF-8 names, no zip64) with Node's own zlib: a month's ledger is a hundred megabytes, and
 * native deflate is several times faster than one in JavaScript. Any unzip and the verifier below read it.
 */
export function writeZip(entries: Array<[string, Uint8Array]>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    if (data.length >= 0xffffffff) throw new Error(`${name}: a file of 4 GiB or more needs zip64`);
    const n = Buffer.from(name, 'utf8');
    // a month's ledger is large and repetitive: the fastest level packs it nearly as well, in a third of the time
    const packed = zlib.deflateRawSync(data, { level: data.length > 4_000_000 ? 1 : 6 });
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt16LE(DOS_TIME, 12);
    cd.writeUInt16LE(DOS_DATE, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(n.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, n);
    parts.push(local, n, packed);
    offset += local.length + n.length + packed.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

export interface PackSigner {
  certPem: string;
  keyPem: string;
}

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
/** Names an auditor's shell handles without surprises: no directories, no dot files, nothing to escape. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function verifyInstructions(packName = 'pack.zip'): string {
  return [
    'Hotline Appliance evidence pack',
    '',
    'What is here: the compliance report (PDF per language), its figures as CSV, manifest.json (period, scope,',
    'policy and model hashes, the audit checkpoint, every file with its SHA-256), SHA256SUMS (the same hashes in',
    'sha256sum format) and SHA256SUMS.p7s (a detached CMS signature over SHA256SUMS by the appliance).',
    '',
    'Verify with openssl and coreutils alone (ca.cert.pem: the appliance CA certificate, obtained from the bank',
    'through a channel you trust, not from this pack):',
    '',
    `  unzip ${packName} -d pack && cd pack`,
    '  openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS -CAfile ca.cert.pem -out /dev/null',
    '  sha256sum -c --strict SHA256SUMS',
    '  ls | grep -vxF -e SHA256SUMS -e SHA256SUMS.p7s | sort | diff - <(cut -c67- SHA256SUMS | sort)',
    '',
    'The first command proves SHA256SUMS was signed by a certificate of that CA and not changed since; the second',
    'that every file matches it; the third that no file was added or taken away. Any changed byte fails one of them.',
    '',
    `With the appliance's tool: hotline evidence verify ${packName} --ca ca.cert.pem`,
    '',
  ].join('\n');
}

/** Signs `content` as a detached CMS SignedData (SHA-256, signed attributes: content type, digest, signing time). */
export function signDetached(content: Uint8Array, signer: PackSigner, at = new Date()): Buffer {
  const cert = forge.pki.certificateFromPem(signer.certPem);
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(Buffer.from(content).toString('binary'));
  p7.addCertificate(cert);
  p7.addSigner({
    key: forge.pki.privateKeyFromPem(signer.keyPem),
    certificate: cert,
    digestAlgorithm: forge.pki.oids.sha256,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
      { type: forge.pki.oids.messageDigest },
      // forge's types want a string; it encodes a Date as UTCTime
      { type: forge.pki.oids.signingTime, value: at as unknown as string },
    ],
  });
  p7.sign({ detached: true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

/** Builds the pack from the evidence files and the manifest (its `files` are filled in here). */
export function buildPack(
  files: Record<string, Buffer>,
  manifest: Record<string, unknown>,
  signer: PackSigner,
  at = new Date(),
): { zip: Buffer; sha256: string; manifest: Record<string, unknown> } {
  for (const name of Object.keys(files))
    if (!SAFE_NAME.test(name) || name === SUMS || name === SIGNATURE || name === 'manifest.json')
      throw new Error(`evidence pack: "${name}" cannot be a file name in the pack`);
  const hashes = new Map(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)]));
  const fullManifest = {
    ...manifest,
    signer: {
      subject: new crypto.X509Certificate(signer.certPem).subject,
      fingerprint256: new crypto.X509Certificate(signer.certPem).fingerprint256,
    },
    files: Object.entries(files)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, bytes]) => ({ name, sha256: hashes.get(name)!, bytes: bytes.length })),
  };
  const all: Record<string, Uint8Array> = {
    ...files,
    'manifest.json': strToU8(JSON.stringify(fullManifest, null, 2) + '\n'),
  };
  const sums = Object.keys(all)
    .sort()
    .map((n) => `${hashes.get(n) ?? sha256(all[n])}  ${n}\n`)
    .join('');
  const sumsBytes = strToU8(sums);
  const zip = writeZip(Object.entries({ ...all, [SUMS]: sumsBytes, [SIGNATURE]: signDetached(sumsBytes, signer, at) }));
  return { zip, sha256: sha256(zip), manifest: fullManifest };
}

export interface PackVerification {
  ok: boolean;
  /** every reason the pack fails, in plain words */
  problems: string[];
  signer?: { subject: string; signedAt?: string };
  manifest?: Record<string, unknown>;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
};

type Asn1 = forge.asn1.Asn1;
const kids = (n: Asn1) => (Array.isArray(n.value) ? (n.value as Asn1[]) : []);
const oidOf = (n: Asn1 | undefined) => (n && typeof n.value === 'string' ? forge.asn1.derToOid(n.value) : undefined);
const der = (n: Asn1) => Buffer.from(forge.asn1.toDer(n).getBytes(), 'binary');

/**
 * Checks a detached CMS signature over `content` against a trusted CA certificate: the signer certificate in the
 * signature was issued and signed by that CA and was valid at signing time, the signed digest is the content's
 * SHA-256, and the RSA signature over the signed attributes holds. Returns the problems (none: valid).
 */
export function verifyDetached(
  signature: Uint8Array,
  content: Uint8Array,
  caPem: string,
): { problems: string[]; subject?: string; signedAt?: string } {
  let ci: Asn1;
  try {
    ci = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(signature).toString('binary')), true);
  } catch (e) {
    return { problems: [`the signature file is not DER-encoded CMS (${(e as Error).message})`] };
  }
  const [typeNode, explicit] = kids(ci);
  if (oidOf(typeNode) !== OID.signedData) return { problems: ['the signature is not CMS SignedData'] };
  const sd = kids(explicit)[0];
  const parts = kids(sd);
  const encap = parts[2];
  if (kids(encap).length > 1) return { problems: ['the signature is not detached: it carries its own content'] };
  if (oidOf(kids(encap)[0]) !== OID.data) return { problems: ['the signed content type is not data'] };
  const certsNode = parts.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0);
  const signerInfos = kids(parts[parts.length - 1]);
  if (signerInfos.length !== 1) return { problems: [`expected one signer, found ${signerInfos.length}`] };
  const si = kids(signerInfos[0]);
  // SignerInfo: version, issuerAndSerialNumber, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature
  const [, sid, digestAlg, attrs, , sigValue] = si;
  if (!attrs || attrs.tagClass !== forge.asn1.Class.CONTEXT_SPECIFIC || attrs.type !== 0 || !sigValue)
    return { problems: ['the signer has no signed attributes'] };
  if (oidOf(kids(digestAlg)[0]) !== OID.sha256) return { problems: ['the digest algorithm is not SHA-256'] };
  const serial = Buffer.from(String(kids(sid)[1]?.value ?? ''), 'binary').toString('hex');
  const certs = kids(certsNode ?? ({ value: [] } as unknown as Asn1)).map((c) => new crypto.X509Certificate(der(c)));
  const strip = (h: string) => h.replace(/^0+/, '').toLowerCase();
  const cert = certs.find((c) => strip(c.serialNumber) === strip(serial));
  if (!cert) return { problems: ['the signer certificate is not in the signature'] };
  const problems: string[] = [];
  const ca = new crypto.X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    problems.push(`the signer certificate (${cert.subject.replace(/\n/g, ', ')}) was not issued by the given CA`);
  let digest: string | undefined;
  let signedAt: string | undefined;
  for (const a of kids(attrs)) {
    const [t, set] = kids(a);
    const v = kids(set)[0];
    if (oidOf(t) === OID.messageDigest) digest = Buffer.from(String(v.value), 'binary').toString('hex');
    if (oidOf(t) === OID.signingTime) signedAt = forge.asn1.utcTimeToDate(String(v.value)).toISOString();
  }
  if (digest !== sha256(content))
    problems.push('SHA256SUMS does not match the digest that was signed (it was changed)');
  // the signature covers the signed attributes encoded as a SET (tag 0x31), not as the [0] they are sent with
  const signed = der(attrs);
  signed[0] = 0x31;
  const sig = Buffer.from(String(sigValue.value), 'binary');
  if (!crypto.verify('sha256', signed, cert.publicKey, sig)) problems.push('the signature does not verify');
  if (signedAt) {
    const t = Date.parse(signedAt);
    if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo))
      problems.push(`the signer certificate was not valid when the pack was signed (${signedAt})`);
  }
  return { problems, subject: cert.subject.replace(/\n/g, ', '), signedAt };
}

/** Verifies a pack: signature, every hash, no file added or missing, and the manifest agreeing with SHA256SUMS. */
export function verifyPack(zip: Uint8Array, caPem: string): PackVerification {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (e) {
    return { ok: false, problems: [`not a readable zip file (${(e as Error).message})`] };
  }
  const problems: string[] = [];
  for (const need of [SUMS, SIGNATURE, 'manifest.json'])
    if (!files[need]) problems.push(`${need} is missing from the pack`);
  if (problems.length) return { ok: false, problems };
  const sig = verifyDetached(files[SIGNATURE], files[SUMS], caPem);
  problems.push(...sig.problems);
  const listed = new Map<string, string>();
  for (const [i, line] of strFromU8(files[SUMS]).split('\n').entries()) {
    if (!line) continue;
    const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (!m) {
      problems.push(`SHA256SUMS line ${i + 1} is not "<sha256>  <name>"`);
      continue;
    }
    listed.set(m[2], m[1]);
  }
  for (const [name, hash] of listed) {
    if (!files[name]) problems.push(`${name} is listed in SHA256SUMS but missing from the pack`);
    else if (sha256(files[name]) !== hash) problems.push(`${name} was changed (its SHA-256 does not match SHA256SUMS)`);
  }
  for (const name of Object.keys(files))
    if (name !== SUMS && name !== SIGNATURE && !listed.has(name))
      problems.push(`${name} is in the pack but not in SHA256SUMS (added)`);
  let manifest: Record<string, unknown> | undefined;
  try {
    manifest = JSON.parse(strFromU8(files['manifest.json'])) as Record<string, unknown>;
    const entries = (manifest.files ?? []) as Array<{ name: string; sha256: string }>;
    for (const e of entries)
      if (listed.get(e.name) !== e.sha256) problems.push(`manifest.json and SHA256SUMS disagree about ${e.name}`);
    for (const name of listed.keys())
      if (name !== 'manifest.json' && !entries.some((e) => e.name === name))
        problems.push(`${name} is not in manifest.json`);
  } catch {
    problems.push('manifest.json is not JSON');
  }
  return {
    ok: problems.length === 0,
    problems,
    signer: sig.subject ? { subject: sig.subject, signedAt: sig.signedAt } : undefined,
    manifest,
  };
}
