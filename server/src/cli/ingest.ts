import { RunReport } from '../repositories/run-report';
import fs from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { ingestCall } from '../ingest/ingest-call';
import { operator } from './operator';
import { dbAppRole, loadConfig } from '../config';
import { DomainError, STATUS_OF } from '../lib/errors';
import { createLogger, setProcessRole } from '../lib/logger';
import { closeServices, createServices } from '../services';
import { AudioFormatError } from '../speech/audio/errors';

/** `hotline ingest <file|dir> [--meta file.json] [--wait]` — writes straight to the store and queue like the API does. */
export async function runIngestCli(args: string[]): Promise<number> {
  const target = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--meta');
  const metaIdx = args.indexOf('--meta');
  const metaFile = metaIdx >= 0 ? args[metaIdx + 1] : undefined;
  const wait = args.includes('--wait');
  if (!target) {
    console.error('usage: hotline ingest <file|dir> [--meta file.json] [--wait]');
    return 2;
  }
  if (!fs.existsSync(target)) {
    console.error(`hotline ingest: ${target} does not exist`);
    return 2;
  }
  let sharedMeta: unknown;
  if (metaFile) {
    try {
      sharedMeta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    } catch (e) {
      console.error(`hotline ingest: --meta ${metaFile}: ${(e as Error).message}`);
      return 2;
    }
  }
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => f.toLowerCase().endsWith('.wav'))
        .sort()
        .map((f) => path.join(target, f))
    : [target];
  setProcessRole('ingest');
  const config = loadConfig();
  const s = await createServices(
    config,
    createLogger(config.HOTLINE_LOG_LEVEL === 'info' ? 'warn' : config.HOTLINE_LOG_LEVEL),
  );
  const bar =
    files.length > 1
      ? new SingleBar({ format: 'ingest [{bar}] {value}/{total} {file}', hideCursor: true }, Presets.shades_classic)
      : undefined;
  bar?.start(files.length, 0, { file: '' });
  const ids: string[] = [];
  let rejected = 0;
  const op = operator();
  try {
    for (const f of files) {
      bar?.update({ file: path.basename(f) });
      const sidecar = f.replace(/\.wav$/i, '.json');
      let metadata = sharedMeta;
      if (metadata === undefined && fs.existsSync(sidecar)) metadata = JSON.parse(fs.readFileSync(sidecar, 'utf8'));
      try {
        const r = await ingestCall(s, {
          audio: fs.readFileSync(f),
          metadata,
          source: 'cli',
          originalName: path.basename(f),
        });
        ids.push(r.conversation.id);
        await s.audit.append({
          ...op,
          action: 'conversation.ingest',
          objectType: 'conversation',
          objectId: r.conversation.id,
          reason: null,
          outcome: 'allowed',
          details: { source: 'cli', channel: 'call', duplicate: r.duplicate },
        });
        if (!bar) console.log(`${path.basename(f)}\t${r.conversation.id}\t${r.duplicate ? 'duplicate' : 'received'}`);
      } catch (e) {
        if (!(e instanceof DomainError || e instanceof AudioFormatError)) throw e;
        rejected++;
        await s.audit.append({
          ...op,
          action: 'conversation.ingest',
          objectType: null,
          objectId: null,
          reason: e.code,
          outcome: 'denied',
          details: { source: 'cli', channel: 'call' },
        });
        bar?.stop();
        console.error(
          `${path.basename(f)}: rejected (${e instanceof DomainError ? STATUS_OF[e.kind] : e.status}): ${e.message}`,
        );
        bar?.start(files.length, ids.length + rejected, { file: '' });
      }
      bar?.increment();
    }
    bar?.stop();
    if (wait && ids.length) {
      const wbar = new SingleBar(
        { format: 'process [{bar}] {value}/{total}', hideCursor: true },
        Presets.shades_classic,
      );
      wbar.start(ids.length, 0);
      const report = await RunReport.open(s.config.DATABASE_URL, dbAppRole(s.config));
      for (;;) {
        const finished = await report.finished(ids);
        wbar.update(finished);
        if (finished === ids.length) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      await report.close();
      wbar.stop();
    }
    console.log(`ingested ${ids.length}, rejected ${rejected}`);
    return rejected ? 1 : 0;
  } finally {
    await closeServices(s);
  }
}
