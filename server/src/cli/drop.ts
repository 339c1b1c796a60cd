import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { rejectedContext } from '../ingest/drop-folder';
import { createLogger } from '../lib/logger';
import { openSealedFile } from '../repositories/sealed-file';
import { closeServices, createServices } from '../services';
import { operator } from './operator';

/**
 * `hotline drop list | release <name> --to <dir>` — the drop folder's rejected recordings are kept sealed; an
 * operator lists them (name and reason) and releases one to a directory to mend it and drop it again. Audited.
 */
export async function runDropCli(args: string[]): Promise<number> {
  const config = loadConfig();
  const [cmd, name] = args;
  const to = args.indexOf('--to') >= 0 ? args[args.indexOf('--to') + 1] : undefined;
  if (!config.HOTLINE_DROP_DIR) {
    console.error('drop: HOTLINE_DROP_DIR is not set');
    return 2;
  }
  const rejected = path.join(config.HOTLINE_DROP_DIR, 'rejected');
  if (cmd === 'list') {
    for (const f of fs.existsSync(rejected) ? fs.readdirSync(rejected).sort() : [])
      if (f.endsWith('.reason.txt'))
        console.log(`${f.slice(0, -'.reason.txt'.length)}\t${fs.readFileSync(path.join(rejected, f), 'utf8').trim()}`);
    return 0;
  }
  if (cmd !== 'release' || !name || !to || /[/\\]/.test(name)) {
    console.error('usage: hotline drop list | release <name> --to <dir>');
    return 2;
  }
  const s = await createServices(config, createLogger('warn'));
  try {
    const out: string[] = [];
    for (const ext of ['wav', 'json']) {
      const f = path.join(rejected, `${name}.${ext}.sealed`);
      if (!fs.existsSync(f)) continue;
      fs.mkdirSync(to, { recursive: true, mode: 0o700 });
      const dest = path.join(to, `${name}.${ext}`);
      fs.writeFileSync(dest, openSealedFile(s.vault.kek, rejectedContext(name, ext), fs.readFileSync(f)), {
        mode: 0o600,
      });
      out.push(dest);
    }
    await s.audit.append({
      ...operator(),
      action: 'drop.release',
      objectType: 'rejected_recording',
      objectId: name,
      reason: null,
      outcome: out.length ? 'allowed' : 'denied',
      details: { files: out.length },
    });
    if (!out.length) {
      console.error(`drop: no sealed rejected recording named ${name}`);
      return 1;
    }
    for (const f of out) console.log(f);
    return 0;
  } finally {
    await closeServices(s);
  }
}
