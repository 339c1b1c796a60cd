import path from 'node:path';
import { loadConfig } from '../config';
import { Pki, PkiError } from '../protection/pki';
import { operator } from './operator';

const USAGE = `usage: hotline pki <command> [--dir D]   (default directory: <HOTLINE_VAR_DIR>/pki)
  init [--cn NAME] [--days N]                       create the appliance's root CA
  issue-server --name N --san DNS:host --san IP:a   a TLS server certificate (default 397 days)
  issue-client --name N [--days N]                  a TLS client certificate (recorders, integrations)
  issue-signer --name N [--days N]                  a signing certificate (e.g. audit checkpoints)
  renew --name N [--days N] [--reuse-key]           re-issue with the same name, kind and SANs
  list [--warn-days N]                              every certificate and its expiry (exit 1 if one expires soon)`;

export async function runPkiCli(args: string[]): Promise<number> {
  const all = (flag: string) => args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]] : []));
  const one = (flag: string) => all(flag)[0];
  const days = (d: number) => (one('--days') ? Number(one('--days')) : d);
  const dir = one('--dir') ?? path.join(loadConfig().HOTLINE_VAR_DIR, 'pki');
  const pki = new Pki(dir, operator().actorId);
  try {
    switch (args[0]) {
      case 'init': {
        const r = pki.init(one('--cn'), days(3650));
        console.log(`root CA created: ${r.certFile} (distribute this certificate to clients; the key stays in ${dir})`);
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
