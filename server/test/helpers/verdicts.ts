import { expect } from 'vitest';

/** A conversation's verdicts as the API returns them (GET /api/v1/conversations/:id/verdicts), for the tests. */
export interface FindingOut {
  id: string;
  ruleId: string;
  result: string;
  fatal: boolean;
  message: string;
  evidence: Array<{ startMs: number; endMs: number; text?: string | null }>;
}
export interface VerdictOut {
  id: string;
  current: boolean;
  outcome: string;
  reasonCode: string | null;
  reason: string | null;
  policy: { id: string; version: number; hash: string } | null;
  score: number | null;
  passed: boolean | null;
  finalScore: number | null;
  finalPassed: boolean | null;
  fatalRules: string[];
  verdictHash: string;
  transcriptHash: string;
  models: Record<string, string>;
  findings: FindingOut[];
}

type Ask = (user: string, method: string, path: string) => Promise<{ status: number; body: { items: VerdictOut[] } }>;

/** The verdicts of a conversation as `user` reads them (asserting 200). */
export async function readVerdicts(as: Ask, id: string, user: string): Promise<VerdictOut[]> {
  const r = await as(user, 'GET', `/api/v1/conversations/${id}/verdicts`);
  expect(r.status).toBe(200);
  return r.body.items;
}

/** One rule's finding in a verdict. */
export const rule = (v: VerdictOut, ruleId: string) => v.findings.find((f) => f.ruleId === ruleId)!;
