import type { Principal } from '../auth/token-verifier';
import type { Conversation } from '../entities/conversation';
import { notFound } from '../lib/errors';
import type { AuditLog } from '../repositories/audit-log';
import type { ConversationRepository } from '../repositories/conversations';
import { conversationScope } from './permissions';

/** Appends an audit event for the request at hand (who, roles, request id are the request's). */
export type RequestAudit = (
  action: string,
  object: { type?: string; id?: string } | null,
  outcome: 'allowed' | 'denied' | 'error',
  extra?: { reason?: string; details?: Record<string, unknown> },
) => Promise<void>;

/** The person acting in a request, and how their actions are audited. */
export interface Caller {
  principal: Principal;
  audit: RequestAudit;
}

/**
 * The conversation if it lies in the caller's data scope. Otherwise the denial is audited (with the reason given,
 * if any) and the answer is the same "not found" as for a conversation that does not exist: what is out of scope
 * does not exist for the caller.
 */
export async function loadVisibleConversation(
  conversations: Pick<ConversationRepository, 'findVisible'>,
  caller: Caller,
  id: string,
  action: string,
  reason?: string,
): Promise<Conversation> {
  const c = await conversations.findVisible(id, conversationScope(caller.principal));
  if (!c) {
    await caller.audit(action, { type: 'conversation', id }, 'denied', {
      ...(reason ? { reason } : {}),
      details: { why: 'missing or outside scope' },
    });
    throw notFound('conversation');
  }
  return c;
}

/**
 * A caller that is not a signed-in person (the operator at the command line, a report schedule): no roles of its
 * own, named in the audit trail as `actorId` / `actorName`, acting under `username` (whose reports it makes).
 */
export function systemCaller(
  audit: Pick<AuditLog, 'append'>,
  who: { actorId: string; actorName: string; username: string; roles?: string[] },
): Caller {
  return {
    principal: {
      sub: who.actorId,
      username: who.username,
      roles: [],
      permissions: [],
      teams: [],
      tokenId: null,
      sessionId: null,
      client: null,
    },
    audit: async (action, object, outcome, extra = {}) => {
      await audit.append({
        actorId: who.actorId,
        actorName: who.actorName,
        roles: who.roles ?? [],
        action,
        objectType: object?.type ?? null,
        objectId: object?.id ?? null,
        reason: extra.reason ?? null,
        outcome,
        requestId: null,
        details: extra.details ?? null,
      });
    },
  };
}
