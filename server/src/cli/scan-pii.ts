import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { Finding, scanDatabase, scanFiles, scanRedis } from '../pii-scan/scan-at-rest';

/**
 * `hotline scan-pii [--extra DIR ...]` (`npm run scan:pii`): scans what the appliance keeps at rest (database dump, Redis, the object
 * store, audit checkpoints and every *.log file in the var directory) and exits 1 on any finding.
 */
export async function runScanPiiCli(args: string[]): Promise<number> {
  const c = loadConfig();
  const extra = args.flatMap((a, i) => (a === '--extra' && args[i + 1] ? [args[i + 1]] : []));
  const findings: Finding[] = [];
  const dbBytes = await scanDatabase(c.DATABASE_URL, findings);
  const keys = await scanRedis(c.REDIS_URL, findings);
  const logs = fs.existsSync(c.HOTLINE_VAR_DIR)
    ? fs
        .readdirSync(c.HOTLINE_VAR_DIR)
        .filter((f) => f.endsWith('.log'))
        .map((f) => path.join(c.HOTLINE_VAR_DIR, f))
    : [];
  const files = scanFiles([c.objectDir, path.join(c.HOTLINE_VAR_DIR, 'audit'), ...logs, ...extra], findings);
  console.log(
    `scanned: database dump ${(dbBytes / 1e6).toFixed(1)} MB, ${keys} Redis keys, ${files} files (object store, audit checkpoints, ${logs.length} log file(s)${extra.length ? `, ${extra.join(', ')}` : ''})`,
  );
  const byKind = new Map<string, number>();
  for (const f of findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  for (const f of findings.slice(0, 20)) console.log(`  ${f.kind}: ${f.sample} in ${f.source}`);
  console.log(
    `scan:pii: ${findings.length} finding(s)${findings.length ? ` (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
  );
  return findings.length ? 1 : 0;
}
