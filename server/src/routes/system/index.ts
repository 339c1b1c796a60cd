import { z } from 'zod';
import { defineRoute, RouteDef } from '../route';
import { liveSpeechModels, Services } from '../../services';
import { verifyLanguageModels } from '../../understanding/classifier';
import { pingDatabase } from '../../repositories/database';

export interface SpeechStatus {
  /** in-process pool (role all/worker), if any */
  local?: () => { engine: string; modelId: string } | undefined;
  /** the in-process worker's language models (role all/worker), if any */
  nlu?: () => { ok: true; models: Record<string, string> } | { ok: false; error: string } | undefined;
}

const readySchema = z
  .object({
    ready: z.boolean(),
    checks: z.object({
      database: z.object({ ok: z.boolean(), error: z.string().optional() }),
      redis: z.object({ ok: z.boolean(), error: z.string().optional() }),
      speech: z.object({ ok: z.boolean(), models: z.array(z.string()), error: z.string().optional() }),
      understanding: z.object({
        ok: z.boolean(),
        models: z.record(z.string(), z.string()),
        error: z.string().optional(),
      }),
    }),
  })
  .meta({ id: 'Readiness' });

async function check<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return {
      ok: true,
      value: await Promise.race([
        fn(),
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out after 2 s')), 2000)),
      ]),
    };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export function systemRoutes(
  s: Pick<Services, 'config' | 'db' | 'redis'>,
  speech: SpeechStatus,
  openapi: () => unknown,
): RouteDef[] {
  // the model folders' manifests and hashes, checked at most every 10 s (a worker loaded what it verified at start;
  // a file changed since then shows here)
  let cached: { at: number; value: { ok: boolean; models: Record<string, string>; error?: string } } | undefined;
  const understandingStatus = () => {
    if (cached && Date.now() - cached.at < 10_000) return cached.value;
    let value: { ok: boolean; models: Record<string, string>; error?: string };
    try {
      value = { ok: true, models: verifyLanguageModels(s.config.HOTLINE_MODELS_DIR) };
    } catch (e) {
      value = { ok: false, models: {}, error: (e as Error).message };
    }
    const local = speech.nlu?.();
    if (value.ok && local && !local.ok) value = { ok: false, models: value.models, error: `worker: ${local.error}` };
    cached = { at: Date.now(), value };
    return value;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tags: ['system'],
      auth: 'public',
      responses: { 200: { description: 'alive', schema: z.object({ status: z.literal('ok') }) } },
      handler: async (ctx) => {
        ctx.body = { status: 'ok' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database, Redis, a loaded speech model and verified language models',
      tags: ['system'],
      auth: 'public',
      responses: {
        200: { description: 'ready', schema: readySchema },
        503: { description: 'not ready', schema: readySchema },
      },
      handler: async (ctx) => {
        const db = await check(() => pingDatabase(s.db));
        const redis = await check(() => s.redis.ping());
        const speechCheck = await check(async () => {
          const models = new Set<string>();
          const local = speech.local?.();
          if (local) models.add(local.modelId);
          for (const m of await liveSpeechModels(s.redis, s.config.HOTLINE_QUEUE_PREFIX)) models.add(m);
          return [...models];
        });
        if (!db.ok) ctx.state.log.warn({ err: db.error }, 'readiness: database unavailable');
        if (!redis.ok) ctx.state.log.warn({ err: redis.error }, 'readiness: redis unavailable');
        const speechOk = speechCheck.ok && speechCheck.value.length > 0;
        const understanding = understandingStatus();
        const body = {
          ready: db.ok && redis.ok && speechOk && understanding.ok,
          checks: {
            // readiness is public: connection errors (hosts, ports, driver messages) go to the log, not the answer
            database: db.ok ? { ok: true } : { ok: false, error: 'unavailable' },
            redis: redis.ok ? { ok: true } : { ok: false, error: 'unavailable' },
            speech: speechCheck.ok
              ? {
                  ok: speechOk,
                  models: speechCheck.value,
                  ...(speechOk ? {} : { error: 'no speech worker has a model loaded' }),
                }
              : { ok: false, models: [], error: 'unavailable' },
            understanding,
          },
        };
        ctx.status = body.ready ? 200 : 503;
        ctx.body = body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      summary: 'This API as OpenAPI 3.1',
      tags: ['system'],
      auth: 'public',
      responses: { 200: { description: 'the OpenAPI document' } },
      handler: async (ctx) => {
        ctx.body = openapi();
      },
    }),
  ];
}
