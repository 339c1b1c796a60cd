import { loadConfig } from '../config';
import { createLogger } from '../lib/logger';
import { closeServices, createServices } from '../services';
import { operator } from './operator';

/**
 * `hotline agents list | bind <agentId> --sub <sub> [--username U] | unbind <agentId>` — which sign-in account is
 * which agent. Used when a username was reused (the new account's first sign-in bound nothing: see the trail's
 * denied `agent.bind`) or an agent's id at the switch differs from their username. Audited under the operator.
 */
export async function runAgentsCli(args: string[]): Promise<number> {
  const [cmd, agentId] = args;
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (!['list', 'bind', 'unbind'].includes(cmd) || (cmd !== 'list' && !agentId) || (cmd === 'bind' && !opt('--sub'))) {
    console.error('usage: hotline agents list | bind <agentId> --sub <sub> [--username U] | unbind <agentId>');
    return 2;
  }
  const config = loadConfig();
  const s = await createServices(config, createLogger('warn'));
  try {
    if (cmd === 'list') {
      for (const r of await s.agents.list())
        console.log(`${r.agent_id}\t${r.sub}\t${r.username}\t${r.bound_at.toISOString()}\t${r.bound_by}`);
      return 0;
    }
    const op = operator();
    if (cmd === 'bind') {
      const sub = opt('--sub')!;
      const previous = await s.agents.bind(agentId, sub, opt('--username') ?? agentId, op.actorName);
      await s.audit.append({
        ...op,
        action: 'agent.bind',
        objectType: 'agent',
        objectId: agentId,
        reason: null,
        outcome: 'allowed',
        details: { sub, previous },
      });
      console.log(`${agentId} is now bound to ${sub}${previous && previous !== sub ? ` (was ${previous})` : ''}`);
      return 0;
    }
    const removed = await s.agents.unbind(agentId);
    await s.audit.append({
      ...op,
      action: 'agent.unbind',
      objectType: 'agent',
      objectId: agentId,
      reason: null,
      outcome: removed ? 'allowed' : 'denied',
      details: null,
    });
    console.log(removed ? `${agentId} unbound` : `${agentId} was not bound`);
    return removed ? 0 : 1;
  } finally {
    await closeServices(s);
  }
}
