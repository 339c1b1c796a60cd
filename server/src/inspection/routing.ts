import { z } from 'zod';
import { CHANNELS } from '../entities/conversation';
import { loadYamlFile } from '../lib/yaml-file';

/**
 * Which QA pack inspects a conversation, as the deployment decides (policies/routing.yaml): routes by channel, queue
 * and team (`*` and `prefix*` patterns), first match wins, then a deployment default; without a file, or where the
 * routed pack is not active for the conversation's language and channel, the packs' own `applies` decide.
 */
const patterns = z.array(z.string().min(1).max(128)).min(1);
export const routingSchema = z
  .object({
    version: z.literal(1),
    routes: z
      .array(
        z
          .object({
            channels: z.array(z.enum(CHANNELS)).min(1).optional(),
            queues: patterns.optional(),
            teams: patterns.optional(),
            policy: z.string().min(1).max(64),
          })
          .strict(),
      )
      .default([]),
    default: z.string().min(1).max(64).optional(),
  })
  .strict();
export type PolicyRouting = z.infer<typeof routingSchema>;

export function loadRouting(file: string): PolicyRouting {
  return loadYamlFile(file, routingSchema);
}

/**
 * `cards` matches `cards`; `gov-*` matches any queue starting with `gov-`; `*` matches every queue, and none (the
 * packs' `applies` and `when`, and the routes, for queues and teams alike); the score ranks exact over prefix over `*`.
 */
export function queueMatches(patterns: string[], queue: string | null | undefined): 0 | 1 | 2 | 3 {
  let best: 0 | 1 | 2 | 3 = 0;
  for (const p of patterns) {
    if (p === '*') best = Math.max(best, 1) as 1;
    else if (queue && p.endsWith('*') && queue.startsWith(p.slice(0, -1))) best = Math.max(best, 2) as 2;
    else if (queue && p === queue) return 3;
  }
  return best;
}

const matches = (pats: string[] | undefined, value: string | null | undefined) =>
  !pats || queueMatches(pats, value) > 0;

/** The pack ids the routing names for a conversation, in the order to try them (routes that match, then the default). */
export function routedPolicyIds(
  r: PolicyRouting,
  c: { channel: string; queue: string | null; teamId?: string | null },
): string[] {
  const out = r.routes
    .filter(
      (x) =>
        (!x.channels || x.channels.includes(c.channel as never)) &&
        matches(x.queues, c.queue) &&
        matches(x.teams, c.teamId),
    )
    .map((x) => x.policy);
  if (r.default) out.push(r.default);
  return out;
}
