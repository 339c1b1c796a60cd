/**
 * The roles × routes matrix the access test walks: the expected answer of every route to every caller. Kept apart
 * from the test's mechanics: a new route adds a row here (the test fails on a route of the table without one).
 */

/** Who the access matrix asks as: the development realm's users, the recorder, and callers with no valid token. */
export const USERS = ['anna', 'bob', 'carl', 'sara', 'quinn', 'cora', 'otto', 'adam'] as const;
export type Caller = (typeof USERS)[number] | 'recorder' | 'anonymous' | 'wrong_audience' | 'garbage';
export const CALLERS: Caller[] = [...USERS, 'recorder', 'anonymous', 'wrong_audience', 'garbage'];

/** what every route answers a caller without a valid token */
export const ALL401 = { anonymous: 401, wrong_audience: 401, garbage: 401 };

/**
 * One route's row: what the callers with a valid token get (`byDefault`, and the exceptions named), and 401 for the
 * callers without one.
 */
export function answers(byDefault: number, except: Partial<Record<Caller, number>> = {}): Record<Caller, number> {
  return {
    ...ALL401,
    ...Object.fromEntries([...USERS, 'recorder'].map((c) => [c, byDefault])),
    ...except,
  } as Record<Caller, number>;
}

/** A public route's row: every caller, with a token or without, gets `code`. */
const everyone = (code: number) => Object.fromEntries(CALLERS.map((c) => [c, code])) as Record<Caller, number>;

// the expected answer per route and caller; `anna-conv` is a conversation of anna in team-cards. Here the casework
// routes (calls and conversations, unmasking, live monitoring, failed jobs, keys, subjects, verdicts and disputes);
// the oversight routes follow
const EXPECT_CASEWORK: Record<string, Record<Caller, number>> = {
  'POST /api/v1/calls': answers(403, { recorder: 422 }),
  'POST /api/v1/conversations': answers(403, { recorder: 200 }),
  'GET /api/v1/conversations': answers(200, { recorder: 403, otto: 403, adam: 403 }),
  'GET /api/v1/conversations/:id': answers(404, { anna: 200, sara: 200, quinn: 200, cora: 200 }),
  'GET /api/v1/conversations/:id/audio': answers(404),
  'POST /api/v1/conversations/:id/unmask': answers(404, { sara: 200, quinn: 200, cora: 200 }),
  'POST /api/v1/conversations/:id/unmask/approvals': answers(404, { sara: 201, quinn: 201, cora: 201 }),
  // who may unmask sees the list (their own requests and others' to decide); nobody else learns it exists
  'GET /api/v1/unmask-approvals': answers(404, { sara: 200, quinn: 200, cora: 200 }),
  // an approval that does not exist: not found for those who may decide, and for those who may not
  'POST /api/v1/unmask-approvals/:approvalId/decision': answers(404),
  'POST /api/v1/conversations/search/identifier': answers(200, { recorder: 403, otto: 403, adam: 403 }),
  'GET /api/v1/live/events': answers(403, { sara: 200, quinn: 200, cora: 200 }),
  'GET /api/v1/system/jobs/failed': answers(403, { adam: 200 }),
  'POST /api/v1/system/jobs/retry': answers(403, { adam: 409 }),
  'GET /api/v1/system/keys': answers(403, { adam: 200 }),
  'POST /api/v1/subjects/erase': answers(403, { cora: 404 }),
  'PUT /api/v1/subjects/legal-hold': answers(403, { cora: 404 }),
  'PUT /api/v1/conversations/:id/legal-hold': answers(404, { cora: 200 }),
  'GET /api/v1/conversations/:id/verdicts': answers(404, { anna: 200, sara: 200, quinn: 200, cora: 200 }),
  'POST /api/v1/findings/:id/review': answers(403, { sara: 404, quinn: 404 }),
  'POST /api/v1/verdicts/:id/disputes': answers(403, { anna: 404, bob: 404, carl: 404 }),
  'POST /api/v1/disputes/:id/decision': answers(403, { sara: 404, quinn: 404 }),
};

// the oversight routes: reports and their schedules, the review queue, the audit trail, coverage, QA policies and
// re-inspection, system status, and the public endpoints
const EXPECT_OVERSIGHT: Record<string, Record<Caller, number>> = {
  'GET /api/v1/reports/kpis': answers(403, { sara: 422, quinn: 422, cora: 422, otto: 422 }),
  'POST /api/v1/reports': answers(403, { sara: 422, quinn: 422, cora: 422, otto: 422 }),
  'GET /api/v1/reports': answers(403, { sara: 200, quinn: 200, cora: 200, otto: 200 }),
  'GET /api/v1/reports/:id': answers(404),
  'GET /api/v1/reports/:id/pack': answers(404),
  'POST /api/v1/reports/verify': answers(403, { sara: 415, quinn: 415, cora: 415, otto: 415 }),
  'GET /api/v1/reports/schedules': answers(403, { sara: 200, quinn: 200, cora: 200, otto: 200 }),
  'POST /api/v1/reports/schedules': answers(403, { cora: 422 }),
  'DELETE /api/v1/reports/schedules/:scheduleId': answers(403, { cora: 404 }),
  'POST /api/v1/reports/schedules/:scheduleId/run': answers(403, { cora: 404 }),
  'GET /api/v1/findings/review-queue': answers(403, { sara: 200, quinn: 200 }),
  'GET /api/v1/audit/events': answers(403, { cora: 200, otto: 200 }),
  'POST /api/v1/audit/verify': answers(403, { cora: 200, otto: 200 }),
  'GET /api/v1/audit/checkpoints': answers(403, { cora: 200, otto: 200 }),
  'GET /api/v1/inspection/coverage': answers(403, { sara: 200, quinn: 200, cora: 200, otto: 200 }),
  'GET /api/v1/policies': answers(403, { sara: 200, quinn: 200, cora: 200, otto: 200 }),
  'POST /api/v1/policies/validate': answers(403, { quinn: 200 }),
  'POST /api/v1/policies': answers(403, { quinn: 422 }),
  'GET /api/v1/policies/:policyId/versions/:version': answers(403, { sara: 404, quinn: 404, cora: 404, otto: 404 }),
  'POST /api/v1/policies/:policyId/versions/:version/regress': answers(403, { quinn: 404 }),
  'POST /api/v1/policies/:policyId/versions/:version/activate': answers(403, { cora: 404 }),
  'POST /api/v1/inspection/reinspect': answers(403, { cora: 422 }),
  'GET /api/v1/inspection/reinspect/:jobId': answers(403, { cora: 404 }),
  'GET /api/v1/system/status': answers(403, { adam: 200 }),
  // from loopback with no HOTLINE_METRICS_TOKEN configured: figures only, for the host's own collector
  'GET /metrics': everyone(200),
  'GET /healthz': everyone(200),
  'GET /readyz': everyone(503),
  'GET /api/v1/openapi.json': everyone(200),
};

export const EXPECT: Record<string, Record<Caller, number>> = { ...EXPECT_CASEWORK, ...EXPECT_OVERSIGHT };
