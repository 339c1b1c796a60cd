import { createRemoteJWKSet, errors, JWTPayload, jwtVerify } from 'jose';

export const REALM_ROLES = ['agent', 'supervisor', 'qa_analyst', 'compliance_officer', 'auditor', 'admin'] as const;
export type RealmRole = (typeof REALM_ROLES)[number];

/** Who is calling, from a verified Keycloak access token. */
export interface Principal {
  sub: string;
  username: string;
  roles: RealmRole[];
  /** client roles of the API (fine permissions such as transcript:unmask) */
  permissions: string[];
  teams: string[];
  tokenId: string | null;
  /** the SSO session (Keycloak `sid`, formerly `session_state`); absent for service accounts */
  sessionId: string | null;
  /** the client the person signed in through (`azp`) */
  client: string | null;
  /** when the token expires (epoch ms): long-lived answers (an event stream) end there */
  expiresAt?: number;
  /**
   * agents: the agent ids bound to this account (`sub`), resolved by the app after verification; an agent's scope is
   * these, never the username (absent: none)
   */
  agentIds?: string[];
}

export class AuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 401 | 503 = 401,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface VerifierOptions {
  /** e.g. https://keycloak.bank.internal/realms/hotline — pinned: tokens from any other issuer are refused */
  issuer: string;
  /** the API's client id, which the audience mapper puts in `aud` */
  audience?: string;
  /**
   * The clients whose tokens the API accepts (`azp`): the console and the recorder. Any other client of the realm
   * gets `hotline-api` in its audience through the realm's mapper when its user has the roles; its tokens are refused.
   */
  clients?: string[];
  jwksUri?: string;
  algorithms?: string[];
  clockToleranceSeconds?: number;
  /** an unknown `kid` triggers at most one JWKS refetch per this many ms (key rotation without a refetch storm) */
  jwksCooldownMs?: number;
  /** the group whose subgroups are teams (default /teams) */
  teamGroupPath?: string;
}

/**
 * Verifies Keycloak access tokens with jose against the realm's JWKS: issuer pinned, audience required, algorithm
 * allow-list (no `none`, no HMAC), small clock skew, and Keycloak's `typ: Bearer` so ID and refresh tokens are refused.
 */
export class TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly audience: string;
  private readonly algorithms: string[];
  private readonly tolerance: number;
  /** the group path under which each subgroup is a team (`/teams/team-cards` → team-cards) */
  private readonly teamGroups: string;

  constructor(private readonly o: VerifierOptions) {
    this.audience = o.audience ?? 'hotline-api';
    this.algorithms = o.algorithms ?? ['RS256', 'PS256', 'ES256'];
    if (this.algorithms.some((a) => a === 'none' || a.startsWith('HS')))
      throw new Error('token verifier: only asymmetric algorithms may be allowed');
    this.tolerance = o.clockToleranceSeconds ?? 30;
    this.teamGroups = `${(o.teamGroupPath ?? '/teams').replace(/\/$/, '')}/`;
    this.jwks = createRemoteJWKSet(new URL(o.jwksUri ?? `${o.issuer}/protocol/openid-connect/certs`), {
      cooldownDuration: o.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  async verify(token: string | undefined): Promise<Principal> {
    if (!token) throw new AuthError('missing_token', 'no bearer token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.o.issuer,
        audience: this.audience,
        algorithms: this.algorithms,
        clockTolerance: this.tolerance,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (e) {
      throw mapJoseError(e);
    }
    const clients = this.o.clients ?? ['hotline-console', 'hotline-recorder'];
    if (typeof payload.azp !== 'string' || !clients.includes(payload.azp))
      throw new AuthError(
        'client_not_allowed',
        `tokens issued to ${typeof payload.azp === 'string' ? `client ${payload.azp}` : 'no named client'} are not accepted`,
      );
    if (payload.typ !== 'Bearer')
      throw new AuthError(
        'not_access_token',
        `token type ${JSON.stringify(payload.typ ?? null)} is not an access token (Bearer)`,
      );
    const realm = (payload.realm_access as { roles?: unknown } | undefined)?.roles;
    const client = (payload.resource_access as Record<string, { roles?: unknown }> | undefined)?.[this.audience]?.roles;
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return {
      sub: payload.sub!,
      username: typeof payload.preferred_username === 'string' ? payload.preferred_username : payload.sub!,
      roles: strings(realm).filter((r): r is RealmRole => (REALM_ROLES as readonly string[]).includes(r)),
      permissions: strings(client),
      // teams from group membership (the `groups` claim, full paths), never from an attribute a user could edit
      teams: strings(payload.groups)
        .filter((g) => g.startsWith(this.teamGroups) && g.length > this.teamGroups.length)
        .map((g) => g.slice(this.teamGroups.length).split('/')[0]),
      tokenId: typeof payload.jti === 'string' ? payload.jti : null,
      sessionId:
        typeof payload.sid === 'string'
          ? payload.sid
          : typeof payload.session_state === 'string'
            ? payload.session_state
            : null,
      client: typeof payload.azp === 'string' ? payload.azp : null,
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
  }
}

function mapJoseError(e: unknown): AuthError {
  if (e instanceof errors.JWTExpired) return new AuthError('token_expired', 'token expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    const claim = e.claim;
    if (claim === 'iss') return new AuthError('wrong_issuer', 'token issued by another issuer');
    if (claim === 'aud') return new AuthError('wrong_audience', 'token is not meant for this API (audience)');
    if (claim === 'nbf' || claim === 'iat') return new AuthError('token_not_yet_valid', 'token is not valid yet');
    return new AuthError('invalid_claims', `token claim ${claim} is invalid`);
  }
  if (e instanceof errors.JOSEAlgNotAllowed)
    return new AuthError('algorithm_not_allowed', 'token algorithm is not allowed');
  if (e instanceof errors.JWKSNoMatchingKey) return new AuthError('unknown_key', 'token signed by an unknown key');
  if (e instanceof errors.JWSSignatureVerificationFailed)
    return new AuthError('bad_signature', 'token signature is invalid');
  // anything that is not a JOSE verdict on the token (connection refused, DNS, timeout) is the issuer's side
  if (e instanceof errors.JWKSTimeout || !(e instanceof errors.JOSEError))
    return new AuthError('issuer_unreachable', "the identity provider's keys could not be fetched", 503);
  return new AuthError('malformed_token', 'token is malformed');
}
