import path from 'node:path';
import { loadConfig } from '../config';
import { CRL_REASONS, Pki, PkiError } from '../protection/pki';
import { operator } from './operator';

const USAGE = `usage: hotline pki <command> [--dir D]   (default directory: <HOTLINE_VAR_DIR>/pki)
  init [--cn NAME] [--days N]                       create the appliance's root CA
  issue-server --name N --san DNS:host --san IP:a   a TLS server certificate (default 397 days)
  issue-client --name N [--days N]                  a TLS client certificate (recorders, integrations)
  issue-signer --name N [--days N]                  a signing certificate (e.g. audit checkpoints)
  renew --name N [--days N] [--reuse-key]           re-issue with the same name, kind and SANs
  revoke --name N [--reason keyCompromise|superseded|…]  revoke a certificate and write a new CRL
  crl [--days N]                                    write crl.pem (X.509 v2 CRL signed by the CA, default 7 days)
  list [--warn-days N]                              every certificate and its expiry (exit 1 if one expires soon)
  encrypt-key                                       encrypt a CA key stored in the clear under the passphrase
The CA key is encrypted under HOTLINE_PKI_PASSPHRASE(_FILE) when set.`;

export async function runPkiCli(args: string[]): Promise<number> {
  const all = (flag: string) => args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]] : []));
  const one = (flag: string) => all(flag)[0];
  const days = (d: number) => (one('--days') ? Number(one('--days')) : d);
  const config = loadConfig();
  const dir = one('--dir') ?? path.join(config.HOTLINE_VAR_DIR, 'pki');
  const pki = new Pki(dir, operator().actorId, config.HOTLINE_PKI_PASSPHRASE);
  try {
    switch (args[0]) {
      case 'init': {
        const r = pki.init(one('--cn'), days(3650));
        console.log(`root CA created: ${r.certFile} (distribute this certificate to clients; the key stays in ${dir})`);
        if (!config.HOTLINE_PKI_PASSPHRASE)
          console.error('pki: the CA key is stored unencrypted; set HOTLINE_PKI_PASSPHRASE(_FILE) to encrypt it');
        return 0;
      }
      case 'issue-server':
      case 'issue-client':
      case 'issue-signer': {
        const name = one('--name');
        if (!name) throw new PkiError('--name is required');
        const kind = args[0].slice('issue-'.length) as 'server' | 'client' | 'signer';
        const r = pki.issue({ name, kind, sans: all('--san'), days: days(397) });
        console.log(`${kind} certificate ${r.certFile} (key ${r.keyFile}), valid until ${r.notAfter.toISOString()}`);
        return 0;
      }
      case 'renew': {
        const name = one('--name');
        if (!name) throw new PkiError('--name is required');
        const r = pki.renew(name, {
          days: one('--days') ? Number(one('--days')) : undefined,
          reuseKey: args.includes('--reuse-key'),
        });
        console.log(`renewed ${r.certFile}, valid until ${r.notAfter.toISOString()}`);
        return 0;
      }
      case 'revoke': {
        const name = one('--name');
        const reason = (one('--reason') ?? 'unspecified') as keyof typeof CRL_REASONS;
        if (!name || !(reason in CRL_REASONS))
          throw new PkiError(`--name is required; --reason one of ${Object.keys(CRL_REASONS).join(', ')}`);
        const r = pki.revoke(name, reason);
        const crl = pki.crl();
        console.log(`revoked ${name} (serial ${r.serial}); ${crl.file} now lists ${crl.revoked} certificate(s)`);
        return 0;
      }
      case 'crl': {
        const r = pki.crl(days(7));
        console.log(
          `${r.file}: CRL number ${r.number}, ${r.revoked} revoked certificate(s), next update in ${days(7)} days`,
        );
        return 0;
      }
      case 'encrypt-key': {
        const changed = pki.encryptKey();
        console.log(changed ? `the CA key in ${dir} is now encrypted` : `the CA key in ${dir} was already encrypted`);
        return 0;
      }
      case 'list': {
        const warn = Number(one('--warn-days') ?? 30);
        const rows = pki.list();
        for (const r of rows) {
          console.log(
            `${r.name.padEnd(24)} ${r.kind.padEnd(7)} ${r.notAfter.toISOString()}  ${String(r.daysLeft).padStart(5)} days${r.daysLeft < warn ? '  EXPIRES SOON' : ''}  ${r.sans.join(',')}`,
          );
        }
        return rows.some((r) => r.daysLeft < warn) ? 1 : 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof PkiError) {
      console.error(`pki: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
