/** An error that maps to an HTTP answer with a stable machine code and a precise human message (routes and app only). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** What a use case can refuse with; the HTTP layer maps each kind to one status (app/middleware.ts), the CLI prints it. */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'gone' | 'too_many';

/** The one table that turns a refusal's kind into an HTTP status (the app's error handler; the CLI prints it too). */
export const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 422,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_many: 429,
};

/**
 * A refusal by a command or repository: a kind, a stable machine code and a precise human message. Commands never
 * speak HTTP; `app/middleware.ts` is the one place that turns a kind into a status.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what = 'resource') => new DomainError('not_found', 'not_found', `${what} not found`);
export const invalid = (code: string, message: string, details?: unknown) =>
  new DomainError('invalid', code, message, details);
export const conflict = (code: string, message: string, details?: unknown) =>
  new DomainError('conflict', code, message, details);
