import { listFailed, retryFailed } from '../commands/jobs';
import { loadConfig } from '../config';
import { DomainError } from '../lib/errors';
import { createLogger } from '../lib/logger';
import { operator } from './operator';
import { closeServices, createServices } from '../services';

const USAGE = 'usage: hotline jobs list --failed | retry --all | retry <conversation-id>…';

/** `hotline jobs list --failed` and `hotline jobs retry --all | <id>…`: failed conversations back into the pipeline. */
export async function runJobsCli(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const ids = rest.filter((a) => !a.startsWith('--'));
  if (!((cmd === 'list' && rest.includes('--failed')) || (cmd === 'retry' && (rest.includes('--all') || ids.length)))) {
    console.error(USAGE);
    return 2;
  }
  const bad = ids.filter((i) => !/^[0-9a-f-]{36}$/i.test(i));
  if (bad.length) {
    console.error(`not a conversation id: ${bad.join(', ')}`);
    return 2;
  }
  const s = await createServices(loadConfig(), createLogger('warn'));
  try {
    if (cmd === 'list') {
      const failed = await listFailed(s);
      for (const f of failed) console.log(`${f.id}\t${f.stage ?? '-'}\t${f.since.toISOString()}\t${f.reason ?? ''}`);
      console.log(`${failed.length} failed conversation(s)`);
      return 0;
    }
    try {
      const r = await retryFailed(s, operator(), rest.includes('--all') ? undefined : ids);
      for (const sk of r.skipped) console.error(`${sk.id}: skipped (${sk.why})`);
      console.log(`retried ${r.retried.length} conversation(s)`);
      return 0;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      console.error(e.message);
      return 1;
    }
  } finally {
    await closeServices(s);
  }
}
