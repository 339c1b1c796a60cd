import type { Principal } from '../auth/token-verifier';
import type { Conversation } from '../entities/conversation';

/**
 * Who may do what, in one place. Actions need a permission (a client role of hotline-api that the realm bundles
 * into the realm roles); conversations are further limited to the caller's data scope, applied in SQL.
 */
export const ACTIONS = {
  'conversation.ingest': 'conversation:ingest',
  'conversation.list': 'conversation:list',
  'conversation.read': 'transcript:read',
  'recording.play': 'recording:play',
  'transcript.unmask': 'transcript:unmask',
  'audit.read': 'audit:read',
  'system.admin': 'system:admin',
  'subject.erase': 'retention:manage',
  'verdict.read': 'transcript:read',
  'verdict.review': 'verdict:review',
  'verdict.dispute': 'verdict:dispute',
  'coverage.read': 'report:read',
  'report.read': 'report:read',
  'report.generate': 'report:read',
  'report.schedule': 'report:schedule',
  'policy.read': 'report:read',
  'policy.draft': 'policy:draft',
  'policy.approve': 'policy:approve',
  'live.monitor': 'live:monitor',
} as const;
export type Action = keyof typeof ACTIONS;

/** actions that concern one conversation, listed per conversation so the console can hide what is not allowed */
export const CONVERSATION_ACTIONS: Action[] = ['conversation.read', 'recording.play', 'transcript.unmask'];

export function can(p: Principal, action: Action): boolean {
  return p.permissions.includes(ACTIONS[action]);
}

/**
 * The conversations a person may see, as a SQL condition on alias `c`: agent → the agent ids bound to their account
 * (`sub`), supervisor → their teams (group membership),
 * QA analyst and compliance officer → all (masked), everyone else → none. Several roles: the union.
 */
export function conversationScope(p: Principal): { sql: string; params: Record<string, unknown> } {
  if (p.roles.includes('qa_analyst') || p.roles.includes('compliance_officer')) return { sql: 'TRUE', params: {} };
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (p.roles.includes('agent') && p.agentIds?.length) {
    parts.push('c.agent_id IN (:...scopeAgents)');
    params.scopeAgents = p.agentIds;
  }
  if (p.roles.includes('supervisor') && p.teams.length) {
    parts.push('c.team_id IN (:...scopeTeams)');
    params.scopeTeams = p.teams;
  }
  return parts.length ? { sql: `(${parts.join(' OR ')})`, params } : { sql: 'FALSE', params: {} };
}

/**
 * Which calls in progress a person may watch: the same scope as conversations (QA analysts and compliance officers
 * all, a supervisor their teams, an agent their own), applied to each event as it passes.
 */
export function liveScope(p: Principal): (call: { teamId: string | null; agentId: string | null }) => boolean {
  if (p.roles.includes('qa_analyst') || p.roles.includes('compliance_officer')) return () => true;
  const teams = p.roles.includes('supervisor') ? new Set(p.teams) : new Set<string>();
  const own = new Set(p.roles.includes('agent') ? (p.agentIds ?? []) : []);
  return (c) => (c.teamId !== null && teams.has(c.teamId)) || (c.agentId !== null && own.has(c.agentId));
}

/**
 * Whose figures a person's reports and KPIs cover: QA analysts, compliance officers and auditors all (aggregates,
 * masked), a supervisor their teams, an agent their own, anyone else nothing. `teams`/`agents` are a union.
 */
export type ReportScope = 'all' | { teams: string[]; agents: string[] };

export function reportScope(p: Principal): ReportScope {
  if (p.roles.some((r) => r === 'qa_analyst' || r === 'compliance_officer' || r === 'auditor')) return 'all';
  return {
    teams: p.roles.includes('supervisor') ? p.teams : [],
    agents: p.roles.includes('agent') ? (p.agentIds ?? []) : [],
  };
}

export function allowedActions(p: Principal, _c?: Pick<Conversation, 'id'>): Action[] {
  return CONVERSATION_ACTIONS.filter((a) => can(p, a));
}
