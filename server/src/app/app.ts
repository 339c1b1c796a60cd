import Router from '@koa/router';
import Koa from 'koa';
import { HttpError } from '../lib/errors';
import { conversationRoutes } from '../routes/conversations';
import { SpeechStatus, systemRoutes } from '../routes/system';
import { protectionRoutes } from '../routes/protection';
import { callMetadataSchema, describeZodError } from '../schemas/ingest';
import type { Services } from '../services';
import { TokenVerifier } from '../auth/token-verifier';
import { auditFor, authorizeRoute } from './auth';
import { errorHandler, jsonBody, requestContext } from './middleware';
import { buildOpenApi } from './openapi';
import type { RouteDef } from './route';

export function routeTable(s: Services, speech: SpeechStatus = {}): RouteDef[] {
  const holder: { doc?: unknown } = {};
  const routes: RouteDef[] = [...conversationRoutes(s), ...protectionRoutes(s), ...systemRoutes(s, speech, () => holder.doc)];
  holder.doc = buildOpenApi(routes, { title: 'Hotline Appliance API', version: '1' }, [callMetadataSchema]);
  return routes;
}

export function createApp(s: Services, speech: SpeechStatus = {}, verifier?: TokenVerifier): Koa {
  const app = new Koa();
  app.proxy = false;
  const router = new Router();
  for (const r of routeTable(s, speech)) {
    router[r.method](r.path, async (ctx) => {
      await authorizeRoute(ctx, r.auth, verifier);
      const parse = (schema: RouteDef['params'], value: unknown, where: string) => {
        if (!schema) return value;
        const res = schema.safeParse(value);
        if (!res.success) {
          if (where === 'path') throw new HttpError(404, 'not_found', 'not found');
          throw new HttpError(422, 'invalid_request', `invalid ${where}: ${describeZodError(res.error)}`);
        }
        return res.data;
      };
      const params = parse(r.params, ctx.params, 'path');
      const query = parse(r.query, ctx.query, 'query');
      const body = parse(r.body, ctx.request.body, 'body');
      await r.handler(ctx, { params, query, body });
    });
  }
  app.use(requestContext(s.log));
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    ctx.state.audit = auditFor(ctx, s.audit);
    await next();
  });
  app.use(jsonBody());
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
