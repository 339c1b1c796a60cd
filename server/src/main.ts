#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createApp } from './app/app';
import { TokenVerifier } from './auth/token-verifier';
import { ConfigError, loadConfig } from './config';
import { EgressPolicy, hostsOf, installEgressGuard } from './lib/egress-guard';
import { egressRefused } from './lib/metrics';
import { createLogger, Logger, setProcessRole } from './lib/logger';
import { closeServices, createServices, liveCallsFor } from './services';
import { attachLiveCalls } from './app/live';
import type { LiveCalls } from './live/live-calls';
import { startWorkerRuntime, WorkerRuntime } from './runtime/worker-runtime';
import { enableLinearRegexpFallback } from './lib/linear-regexp';
import { auditProcessStart } from './commands/process-start';

// every regular expression of the process falls back to V8's linear-time engine when it backtracks too much
enableLinearRegexpFallback();

const USAGE = `usage: hotline [command]   (no command: the role in HOTLINE_ROLE, default all)
  api                      serve the HTTP API
  worker                   run the pipeline workers (speech threads, reconciler, drop folder)
  all                      api + worker in one process
  ingest <file|dir> [--meta file.json] [--wait]
                           ingest recordings (a directory: every *.wav, with <name>.json sidecars)
  audit verify|checkpoint  verify the audit trail's hash chain and signed checkpoints / sign the current head
  keys status|rotate|rewrap|retire --below N
                           KEK rotation: new version, online resumable rewrap of data keys, retire old versions
  retention run [--now D]  apply the retention policy once (the worker also runs it daily)
  policy <command>         QA policy packs: validate, list, import, regress, activate
  pki <command>            the appliance's internal CA: init, issue-server, issue-client, renew, list
  agents list|bind|unbind  which sign-in account (sub) is which agent id
  drop list|release <name> --to <dir>
                           the drop folder's rejected recordings (kept sealed): list, or release one to mend
  status [--json]          versions, queues per stage (depth, oldest job, workers), stage times, states, coverage
                           alarm, certificate expiries, keys, object store volume; exit 1 when something needs attention
  backup --out DIR         encrypted backup: database, object store, audit checkpoints (keyring escrowed apart)
  restore --from DIR       into an empty database and object store (the keyring back from escrow first)
  jobs list --failed | retry --all | retry <id>…
                           failed conversations: list them, or put them back into the pipeline (audited)
  report generate|list|download
                           compliance reports and their signed evidence packs (--from --to [--teams|--queues|--policy])
  evidence verify <pack.zip> --ca <ca.cert.pem>
                           check an evidence pack offline: signature, hashes, nothing added or missing
  scan-pii [--extra DIR]   scan what is kept at rest (database dump, Redis, objects, logs) for personal data
  openapi                  print the API's OpenAPI document (the console's typed client is generated from it)
  migrate                  apply database migrations and exit
  reconcile                re-enqueue every unfinished conversation once and exit`;

/**
 * The appliance talks to its database, Redis and identity provider and to nothing else: any other connection or
 * name lookup is refused before a byte leaves, and logged (host and port only).
 */
function guardEgress(config: ReturnType<typeof loadConfig>, log: Logger) {
  if (config.HOTLINE_EGRESS_GUARD === 'off') {
    log.warn('egress guard off (HOTLINE_EGRESS_GUARD=off): outgoing connections are not checked');
    return;
  }
  const policy = new EgressPolicy([
    ...hostsOf([config.DATABASE_URL, config.REDIS_URL, config.HOTLINE_OIDC_ISSUER, config.HOTLINE_AUDIT_SYSLOG]),
    ...config.HOTLINE_EGRESS_ALLOW.split(','),
  ]);
  installEgressGuard(policy, (r) => {
    egressRefused.inc({ via: r.via });
    log.warn({ egress: r }, 'egress refused: not an allowed destination');
  });
  log.info({ allowed: policy.list() }, 'egress guard on');
}

async function serve(role: 'api' | 'worker' | 'all') {
  setProcessRole(role);
  const config = loadConfig();
  if (role !== 'worker' && !config.HOTLINE_OIDC_ISSUER) {
    throw new ConfigError(
      'config: HOTLINE_OIDC_ISSUER is required to serve the API (the Keycloak realm URL, e.g. https://keycloak.bank.internal/realms/hotline)',
    );
  }
  const log = createLogger(config.HOTLINE_LOG_LEVEL);
  guardEgress(config, log);
  const services = await createServices(config, log);
  // the start, any change of settings or policy files since the last one, and PKI operations: into the audit trail
  const started = await auditProcessStart(services, config, role);
  if (started.changedKeys.length || started.changedFiles.length)
    log.warn(
      { changedKeys: started.changedKeys, changedFiles: started.changedFiles },
      'configuration changed since the last start',
    );
  let worker: WorkerRuntime | undefined;
  if (role !== 'api') worker = await startWorkerRuntime(services);
  let server: http.Server | https.Server | undefined;
  let live: LiveCalls | undefined;
  if (role !== 'worker') {
    const verifier = new TokenVerifier({
      issuer: config.HOTLINE_OIDC_ISSUER!,
      audience: config.HOTLINE_OIDC_AUDIENCE,
      clients: config.HOTLINE_OIDC_CLIENTS.split(',').map((x) => x.trim()),
      teamGroupPath: config.HOTLINE_OIDC_TEAM_GROUP,
    });
    const app = createApp(
      services,
      {
        local: () => (worker ? { engine: worker.pool.engine, modelId: worker.pool.modelId } : undefined),
        nlu: () => worker?.nlu,
      },
      verifier,
    );
    // HTTPS with certificates from the internal PKI (`hotline pki issue-server`); plain HTTP only on loopback setups
    server = config.HOTLINE_TLS_CERT
      ? https.createServer(
          {
            cert: fs.readFileSync(config.HOTLINE_TLS_CERT),
            key: fs.readFileSync(config.HOTLINE_TLS_KEY!),
            minVersion: 'TLSv1.2',
          },
          app.callback(),
        )
      : http.createServer(app.callback());
    // idle keep-alive connections stay open longer than clients and proxies keep theirs (Node's 5 s closed sockets a
    // busy client was about to reuse: "other side closed")
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    // calls in progress (recorders' WebSocket); calls a previous process left on disk wait for their recorders
    const l = liveCallsFor(services);
    if (l.live) {
      live = l.live;
      const recovered = await live.recover();
      attachLiveCalls(server, { live, verifier, audit: services.audit, log });
      log.info({ recovered }, 'live monitoring on');
    } else log.info({ reason: l.reason }, 'live monitoring off');
    await new Promise<void>((resolve) => server!.listen(config.HOTLINE_PORT, config.HOTLINE_HOST, resolve));
    const addr = server.address();
    log.info(
      {
        port: typeof addr === 'object' && addr ? addr.port : config.HOTLINE_PORT,
        host: config.HOTLINE_HOST,
        tls: !!config.HOTLINE_TLS_CERT,
      },
      'api listening',
    );
  }
  log.info('hotline started');
  // test harnesses and the demo pass their pid: never outlive them
  const parent = config.HOTLINE_PARENT_PID;
  if (parent) {
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        process.exit(0);
      }
    }, 1000).unref();
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await live?.close();
    // open event streams (live monitoring) would hold the close: they end after a short grace
    setTimeout(() => server?.closeAllConnections(), 2000).unref();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await worker?.stop();
    await closeServices(services);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

type CliRun = (args: string[]) => Promise<number>;
/** The command-line commands: loaded on demand; `role` names the process in logs after the command. */
const COMMANDS: Record<string, { role: boolean; load: () => Promise<CliRun> }> = {
  ingest: { role: false, load: async () => (await import('./cli/ingest')).runIngestCli },
  audit: { role: true, load: async () => (await import('./cli/audit')).runAuditCli },
  keys: { role: true, load: async () => (await import('./cli/keys')).runKeysCli },
  retention: { role: true, load: async () => (await import('./cli/keys')).runRetentionCli },
  policy: { role: true, load: async () => (await import('./cli/policy')).runPolicyCli },
  pki: { role: false, load: async () => (await import('./cli/pki')).runPkiCli },
  jobs: { role: true, load: async () => (await import('./cli/jobs')).runJobsCli },
  agents: { role: true, load: async () => (await import('./cli/agents')).runAgentsCli },
  drop: { role: true, load: async () => (await import('./cli/drop')).runDropCli },
  report: { role: true, load: async () => (await import('./cli/report')).runReportCli },
  evidence: { role: false, load: async () => (await import('./cli/report')).runEvidenceCli },
  'scan-pii': { role: true, load: async () => (await import('./cli/scan-pii')).runScanPiiCli },
  status: { role: true, load: async () => (await import('./cli/status')).runStatusCli },
  backup: { role: true, load: async () => (await import('./cli/backup')).runBackupCli },
  restore: { role: true, load: async () => (await import('./cli/backup')).runRestoreCli },
  // only the schema: the installed appliance runs this as the migration owner, before the services start
  migrate: {
    role: true,
    load: async () => async () => {
      const { migrateDatabase } = await import('./repositories/database');
      const applied = await migrateDatabase(loadConfig().DATABASE_URL);
      console.error(
        applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'schema up to date',
      );
      return 0;
    },
  },
};

async function main(argv: string[]) {
  const [cmd, ...rest] = argv;
  const command = cmd !== undefined && Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (command) {
    if (command.role) {
      // commands that open the database and Redis run under the same egress guard as the services
      setProcessRole(cmd);
      const config = loadConfig();
      guardEgress(config, createLogger(config.HOTLINE_LOG_LEVEL === 'info' ? 'warn' : config.HOTLINE_LOG_LEVEL));
    }
    process.exitCode = await (await command.load())(rest);
    return;
  }
  switch (cmd) {
    case 'api':
    case 'worker':
    case 'all':
      return serve(cmd);
    case 'reconcile': {
      setProcessRole(cmd);
      const config = loadConfig();
      const log = createLogger(config.HOTLINE_LOG_LEVEL);
      const s = await createServices(config, log);
      const { reconcile } = await import('./queues/reconciler');
      console.error(JSON.stringify(await reconcile(s)));
      await closeServices(s);
      return;
    }
    case undefined: {
      // one image, role from config: `hotline` alone runs HOTLINE_ROLE (default all)
      return serve(loadConfig().HOTLINE_ROLE);
    }
    case 'openapi': {
      const { openApiDocument } = await import('./app/app');
      process.stdout.write(`${JSON.stringify(openApiDocument(), null, 2)}\n`);
      return;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof ConfigError) console.error(e.message);
  else console.error(`hotline: ${(e as Error).message}`);
  process.exit(1);
});
