import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import { DecryptError } from '../protection/cipher';
import { ZodError } from 'zod';
import { DomainError, HttpError, STATUS_OF } from '../lib/errors';
import { isInfrastructureError } from '../lib/infrastructure';
import type { Logger } from '../lib/logger';
import { describeZodError } from '../ingest/schema';
import { AudioFormatError } from '../speech/audio/errors';

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
  }
}

export function requestContext(log: Logger) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = /^[\w.-]{8,128}$/.test(incoming) ? incoming : crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ requestId });
    ctx.set('x-request-id', requestId);
    const t0 = performance.now();
    try {
      await next();
    } finally {
      // method, route and status only: never the query string, bodies or headers
      ctx.state.log.info(
        {
          method: ctx.method,
          route: (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? ctx.path.split('?')[0],
          status: ctx.status,
          ms: Math.round(performance.now() - t0),
        },
        'request',
      );
    }
  };
}

export function errorHandler() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined)
        throw new HttpError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
    } catch (e) {
      let status = 500;
      let code = 'internal';
      let message = 'internal error';
      let details: unknown;
      if (e instanceof HttpError) ({ status, code, message, details } = e);
      else if (e instanceof DomainError) {
        ({ code, message, details } = e);
        status = STATUS_OF[e.kind];
        const retry = (e.details as { retryAfterS?: number } | undefined)?.retryAfterS;
        if (e.kind === 'too_many' && retry) ctx.set('retry-after', String(retry));
      } else if (e instanceof AudioFormatError) ({ status, code, message } = e);
      else if (e instanceof DecryptError) {
        // stored ciphertext failed authentication: tampering or a value moved between rows; never served
        code = 'integrity_error';
        message = 'stored data failed its integrity check and was not returned; the event is logged for investigation';
        ctx.state.log?.error(
          { err: { name: (e as Error).name, message: (e as Error).message } },
          'stored ciphertext failed authentication',
        );
      } else if (e instanceof ZodError) {
        status = 422;
        code = 'invalid_request';
        message = describeZodError(e);
      } else if (isInfrastructureError(e)) {
        // the database or the queue is down or restarting: nothing was lost, ask the client to come back
        status = 503;
        code = 'unavailable';
        message = 'a service the appliance depends on is unavailable; try again shortly';
        ctx.set('retry-after', '5');
        ctx.state.log?.warn({ err: { message: (e as Error).message } }, 'dependency unavailable');
      } else if ((e as { status?: number }).status && (e as { expose?: boolean }).expose) {
        status = (e as { status: number }).status;
        code = 'bad_request';
        message = (e as Error).message;
      } else {
        ctx.state.log?.error({ err: { message: (e as Error).message, stack: (e as Error).stack } }, 'unhandled error');
      }
      ctx.status = status;
      ctx.body = { error: { code, message, ...(details ? { details } : {}), requestId: ctx.state.requestId } };
    }
  };
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}

/** JSON bodies only, with a size limit and a precise error for malformed JSON. */
export function jsonBody(limitBytes = 5 * 1024 * 1024) {
  return async (ctx: Context, next: Next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method) || !ctx.is('application/json')) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > limitBytes) throw new HttpError(413, 'too_large', `JSON body exceeds ${limitBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    try {
      ctx.request.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
    }
    return next();
  };
}
