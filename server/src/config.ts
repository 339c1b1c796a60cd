import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one typed configuration of the appliance, validated at boot.
 * A missing or bad value stops the process with one line naming the variable and what is expected.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOTLINE_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  HOTLINE_HOST: z.string().default('127.0.0.1'),
  HOTLINE_PORT: intIn(0, 65535).default(8080),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/hotline'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
  /** the role the application's queries run as (the login user must be a member); `none` = the login user itself */
  HOTLINE_DB_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('hotline_app'),
  /**
   * `on`: the process creates and migrates the database at start (development; one login for everything). `off`: the
   * installed split — only `hotline migrate`, run as the migration owner, changes the schema; the application logs in
   * as a role that cannot, and refuses to start while a migration is pending.
   */
  HOTLINE_DB_MIGRATE: z.enum(['on', 'off']).default('on'),
  /** the Keycloak realm's issuer URL, e.g. https://keycloak.bank.internal/realms/hotline (required to serve the API) */
  HOTLINE_OIDC_ISSUER: z.string().url().optional(),
  HOTLINE_OIDC_AUDIENCE: z.string().default('hotline-api'),
  /** the realm's clients whose tokens the API accepts (`azp`), comma-separated */
  HOTLINE_OIDC_CLIENTS: z.string().default('hotline-console,hotline-recorder'),
  /** the Keycloak group whose subgroups are the teams supervisors see (membership from the token's `groups`) */
  HOTLINE_OIDC_TEAM_GROUP: z
    .string()
    .regex(/^\/[^\s]*$/)
    .default('/teams'),
  HOTLINE_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .default('hotline'),
  HOTLINE_VAR_DIR: z.string().default(path.join(repoRoot, 'var')),
  HOTLINE_OBJECT_DIR: z.string().optional(),
  HOTLINE_DATA_DIR: z.string().default(path.resolve(repoRoot, '..', 'shared')),
  HOTLINE_MODEL_DIR: z.string().optional(),
  HOTLINE_ASR_ENGINE: z.enum(['auto', 'pocketsphinx', 'vosk', 'sherpa']).default('auto'),
  /** sherpa: the streaming transducer's directory (default: the offline model bundle's, else ../shared/models) */
  HOTLINE_SHERPA_MODEL: z.string().optional(),
  /** the Mandarin streaming model (pinyin) for `language: zh` conversations (default: the bundle's, else ../shared/models); `none` = off */
  HOTLINE_SHERPA_MODEL_ZH: z.string().optional(),
  HOTLINE_SHERPA_DECODING: z.enum(['greedy_search', 'modified_beam_search']).default('greedy_search'),
  /**
   * sherpa (English): each speech segment decoded this many times, shifted across one encoder chunk, and the words
   * voted (ROVER); costs that many times the decoding CPU. 1 = decode once.
   */
  HOTLINE_SHERPA_PHASES: intIn(1, 9).default(5),
  /** sherpa: PocketSphinx beside it for keyphrase spotting and digit-dense segments (`none`: sherpa alone) */
  HOTLINE_ASR_SECOND_PASS: z.enum(['pocketsphinx', 'none']).default('pocketsphinx'),
  /**
   * sherpa: contextual biasing towards the keyphrase list's and active policies' phrases (beam search); 0 = off. At 3
   * it pulled out-of-domain speech towards the phrases (shared real clips, 8 kHz: 29 errors vs 25 at 2 or off).
   */
  HOTLINE_SHERPA_HOTWORDS_SCORE: z.coerce.number().min(0).max(10).default(2),
  /** sherpa: the Silero VAD directory (default beside the speech model); `none` keeps the energy VAD */
  HOTLINE_VAD_MODEL: z.string().optional(),
  HOTLINE_ASR_CONCURRENCY: intIn(1, 64).default(1),
  /** text ingest: PII detection and masking run in this many threads of the API process, never on its event loop */
  HOTLINE_PROTECT_THREADS: intIn(1, 64).default(2),
  /** text ingest: a conversation whose masking takes longer is refused (422 too_complex) and its thread replaced */
  HOTLINE_PROTECT_DEADLINE_MS: intIn(100, 600_000).default(15_000),
  /** live monitoring of calls in progress (WebSocket ingest, alerts over SSE): on where the sherpa model is present */
  HOTLINE_LIVE: z.enum(['auto', 'off']).default('auto'),
  /** threads of streaming recognition in the API process (each holds one model and many calls' channels) */
  HOTLINE_LIVE_THREADS: intIn(1, 64).default(1),
  /** calls in progress taken at once; more are refused with "try again later" */
  HOTLINE_LIVE_MAX_CALLS: intIn(1, 10_000).default(40),
  /** how long a call whose recorder dropped the connection waits to be resumed before it enters the pipeline as is */
  HOTLINE_LIVE_RESUME_S: intIn(1, 86_400).default(120),
  /** live recognition biased towards the active policies' phrases and the keyphrase list (beam search); 0 = off */
  HOTLINE_LIVE_HOTWORDS_SCORE: z.coerce.number().min(0).max(10).default(3),
  HOTLINE_POCKETSPHINX_MODEL: z.string().default('/usr/share/pocketsphinx/model/en-us'),
  HOTLINE_POCKETSPHINX_LM: z.string().optional(),
  /** domain ARPA model interpolated with the general one (built by `npm run lm:build`); unset = general model only */
  HOTLINE_ASR_DOMAIN_LM: z.string().optional(),
  HOTLINE_ASR_DOMAIN_WEIGHT: z.coerce.number().min(0).max(0.9).default(0.1),
  /** keyphrase list (phrase /threshold/ per line) spotted phonetically in every segment; unset = none */
  HOTLINE_ASR_KEYPHRASES: z.string().optional(),
  HOTLINE_STEREO_MAP: z.enum(['agent-left', 'agent-right']).default('agent-left'),
  HOTLINE_MONO_SPEAKER: z.enum(['agent', 'customer', 'unknown']).default('unknown'),
  HOTLINE_MAX_UPLOAD_BYTES: intIn(1024, 2 ** 31).default(200 * 1024 * 1024),
  /** call uploads read at once by one API process (each is held in memory up to HOTLINE_MAX_UPLOAD_BYTES); more: 429 */
  HOTLINE_UPLOAD_CONCURRENCY: intIn(1, 256).default(4),
  HOTLINE_MAX_DURATION_SECONDS: intIn(1, 6 * 3600).default(2 * 3600),
  HOTLINE_JOB_ATTEMPTS: intIn(1, 20).default(3),
  HOTLINE_JOB_BACKOFF_MS: intIn(0, 600_000).default(2_000),
  HOTLINE_JOB_LOCK_MS: intIn(1000, 600_000).default(30_000),
  /** how often a job whose worker died mid-job (SIGKILL, out of memory) is redelivered before it counts as failed */
  HOTLINE_JOB_MAX_STALLED: intIn(1, 1000).default(20),
  HOTLINE_RECONCILE_INTERVAL_MS: intIn(500, 3_600_000).default(60_000),
  /** how often the worker signs the audit trail's head into the checkpoint file (0 = only by `hotline audit checkpoint`) */
  HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS: intIn(0, 86_400_000).default(3_600_000),
  HOTLINE_DROP_DIR: z.string().optional(),
  /** how the drop folder knows a recording is complete: unchanged for HOTLINE_DROP_SETTLE_MS, or a <name>.done marker */
  HOTLINE_DROP_COMPLETION: z.enum(['settle', 'done-marker']).default('settle'),
  HOTLINE_DROP_SETTLE_MS: intIn(0, 3_600_000).default(10_000),
  /** a complete recording whose sidecar has not appeared after this long is rejected */
  HOTLINE_DROP_SIDECAR_WAIT_MS: intIn(0, 86_400_000).default(60_000),
  /** the key-encryption keys (0600 file); default <var>/keys/keyring.json */
  HOTLINE_KEYRING_FILE: z.string().optional(),
  /** where the KEKs live: the 0600 keyring file, or an HSM through its PKCS#11 module */
  HOTLINE_KEK_PROVIDER: z.enum(['file', 'pkcs11']).default('file'),
  HOTLINE_PKCS11_MODULE: z.string().default('/usr/lib/softhsm/libsofthsm2.so'),
  /** the token's label */
  HOTLINE_PKCS11_TOKEN: z.string().default('hotline'),
  /** the token user's PIN (a credential: prefer HOTLINE_PKCS11_PIN_FILE) */
  HOTLINE_PKCS11_PIN: z.string().optional(),
  /** encrypts the internal CA's private key (`hotline pki init`) and opens it to issue or renew (prefer _FILE) */
  HOTLINE_PKI_PASSPHRASE: z.string().min(12).optional(),
  /** KEK objects are labelled <label>-v<N>; the index key <label>-index */
  HOTLINE_PKCS11_LABEL: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,48}$/)
    .default('hotline-kek'),
  /** field and object encryption: AES-256-GCM, or SM4-CTR + HMAC-SM3 for GM/T (密评) deployments */
  HOTLINE_CIPHER: z.enum(['aes-256-gcm', 'sm4-ctr-hmac-sm3']).default('aes-256-gcm'),
  HOTLINE_MASKING_POLICY: z.string().default(path.join(repoRoot, 'policies', 'masking.yaml')),
  HOTLINE_RETENTION_POLICY: z.string().default(path.join(repoRoot, 'policies', 'retention.yaml')),
  /** QA policy packs imported at worker start (new versions as drafts; a policy's first version is activated) */
  HOTLINE_QA_POLICY_DIR: z.string().default(path.join(repoRoot, 'policies', 'qa')),
  /** which pack inspects which conversation (routes by channel, queue, team; a default); `none`: the packs decide */
  HOTLINE_QA_ROUTING: z.string().default(path.join(repoRoot, 'policies', 'routing.yaml')),
  /** the project's language models (intent, sentiment): one folder each with model.onnx, vocab.json and a manifest */
  HOTLINE_MODELS_DIR: z.string().default(path.join(repoRoot, 'models')),
  /** a conversation waiting for its verdict longer than this raises the coverage alarm */
  HOTLINE_INSPECTION_SLA_S: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 3600),
  /** how long after a verdict an agent may dispute it */
  HOTLINE_DISPUTE_WINDOW_DAYS: z.coerce.number().int().positive().default(14),
  /** how often the worker applies the retention policy (0 = only by `hotline retention run`) */
  HOTLINE_RETENTION_INTERVAL_MS: intIn(0, 7 * 86_400_000).default(86_400_000),
  /** audit checkpoints signed with a signer certificate from the internal PKI (`hotline pki issue-signer`); both or neither */
  HOTLINE_AUDIT_SIGNING_CERT: z.string().optional(),
  HOTLINE_AUDIT_SIGNING_KEY: z.string().optional(),
  /** every signed audit checkpoint is also sent here: tcp://host:port or tls://host:port (RFC 5424 syslog, a SIEM) */
  HOTLINE_AUDIT_SYSLOG: z
    .string()
    .regex(/^(tcp|tls):\/\/[^/\s]+:\d+$/, 'tcp://host:port or tls://host:port')
    .optional(),
  /** the CA that signs a TLS log collector's certificate (default: the system's) */
  HOTLINE_AUDIT_SYSLOG_CA: z.string().optional(),
  /**
   * evidence packs signed with this signer certificate and key (PEM); both or neither. Neither: the appliance's
   * internal PKI in <HOTLINE_VAR_DIR>/pki issues `report-signer` on first use (and creates the CA if there is none).
   */
  HOTLINE_REPORT_SIGNING_CERT: z.string().optional(),
  HOTLINE_REPORT_SIGNING_KEY: z.string().optional(),
  /** where Noto Sans CJK (Debian's fonts-noto-cjk) lives: reports embed it, for English and Chinese alike */
  HOTLINE_REPORT_FONT_DIR: z.string().default('/usr/share/fonts/opentype/noto'),
  /** the built web console the API serves at / (absent directory: API only) */
  HOTLINE_CONSOLE_DIR: z.string().default(path.join(repoRoot, 'console', 'dist')),
  /** the appliance's origin as people's browsers reach it (https://hotline.bank.internal); default: each request's */
  HOTLINE_PUBLIC_URL: z.url().optional(),
  /** a console session ends after this long without a request, and after HOTLINE_CONSOLE_SESSION_S in any case */
  HOTLINE_CONSOLE_IDLE_S: intIn(60, 86_400).default(1800),
  HOTLINE_CONSOLE_SESSION_S: intIn(300, 7 * 86_400).default(10 * 3600),
  /** serve HTTPS with these (PEM files from `hotline pki`); both or neither */
  HOTLINE_TLS_CERT: z.string().optional(),
  HOTLINE_TLS_KEY: z.string().optional(),
  /**
   * the runtime egress guard: connections and name lookups only to the database, Redis, the identity provider,
   * loopback and the hosts listed in HOTLINE_EGRESS_ALLOW (comma-separated); `off` only for diagnosis
   */
  /**
   * how many times one person may unmask a transcript, and search by a customer identifier, per hour (across api
   * processes); beyond: 429, an audit row `denied`, a warning in the log and hotline_rate_limited_total
   */
  HOTLINE_UNMASK_PER_HOUR: intIn(1, 10_000).default(30),
  /** two-person: every unmask needs another person's approval (break-glass), given within the last 15 minutes */
  HOTLINE_UNMASK_APPROVAL: z.enum(['off', 'two-person']).default('off'),
  HOTLINE_IDENTIFIER_SEARCH_PER_HOUR: intIn(1, 10_000).default(60),
  HOTLINE_EGRESS_GUARD: z.enum(['on', 'off']).default('on'),
  /**
   * Prometheus scrapes /metrics with `Authorization: Bearer <this>` (at least 24 characters); unset, /metrics answers
   * only to loopback (a collector on the host itself)
   */
  HOTLINE_METRICS_TOKEN: z.string().min(24).optional(),
  HOTLINE_EGRESS_ALLOW: z.string().default(''),
  /** exit when this process is gone (test harnesses, the demo) */
  HOTLINE_PARENT_PID: intIn(1, 2 ** 22).optional(),
  HOTLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema> & { objectDir: string; keyringFile: string };

export class ConfigError extends Error {}

/** The role the application's queries run as, or undefined for the login user itself (HOTLINE_DB_APP_ROLE=none). */
export function dbAppRole(c: Pick<Config, 'HOTLINE_DB_APP_ROLE'>): string | undefined {
  return c.HOTLINE_DB_APP_ROLE === 'none' ? undefined : c.HOTLINE_DB_APP_ROLE;
}

/** variables that hold credentials: their values never appear in a message */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'HOTLINE_METRICS_TOKEN',
  'HOTLINE_PKCS11_PIN',
  'HOTLINE_PKI_PASSPHRASE',
]);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(configSchema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
    else if (env[`${key}_FILE`]) {
      // <NAME>_FILE: the value from a file (container and systemd secrets), without its final newline
      const file = env[`${key}_FILE`]!;
      try {
        input[key] = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        throw new ConfigError(
          `config: ${key}_FILE names a file that cannot be read (${(e as NodeJS.ErrnoException).code})`,
        );
      }
    }
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    // a secret's value is never printed, not even when it is wrong
    const got = SECRET_VARIABLES.has(variable) ? 'a value, hidden' : JSON.stringify(input[variable] ?? null);
    throw new ConfigError(`config: ${variable} is invalid (got ${got}): ${issue.message}`);
  }
  const c = parsed.data;
  if (!!c.HOTLINE_AUDIT_SIGNING_CERT !== !!c.HOTLINE_AUDIT_SIGNING_KEY)
    throw new ConfigError(
      'config: HOTLINE_AUDIT_SIGNING_CERT and HOTLINE_AUDIT_SIGNING_KEY go together (set both or neither)',
    );
  if (!!c.HOTLINE_REPORT_SIGNING_CERT !== !!c.HOTLINE_REPORT_SIGNING_KEY)
    throw new ConfigError(
      'config: HOTLINE_REPORT_SIGNING_CERT and HOTLINE_REPORT_SIGNING_KEY go together (set both or neither)',
    );
  if (!!c.HOTLINE_TLS_CERT !== !!c.HOTLINE_TLS_KEY)
    throw new ConfigError('config: HOTLINE_TLS_CERT and HOTLINE_TLS_KEY go together (set both or neither)');
  return {
    ...c,
    objectDir: c.HOTLINE_OBJECT_DIR ?? path.join(c.HOTLINE_VAR_DIR, 'objects'),
    keyringFile: c.HOTLINE_KEYRING_FILE ?? path.join(c.HOTLINE_VAR_DIR, 'keys', 'keyring.json'),
  };
}
