import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A PostgreSQL server of the test's own, on its own port and data directory, that the test may stop and start
 * (fault tests never touch the shared server on 5432). As root the server runs as the `postgres` user.
 */
export interface OwnPostgres {
  url(db: string): string;
  stop(): void;
  start(): void;
  destroy(): void;
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = path.join(root, v, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${name} not found under ${root} (apt-get install postgresql)`);
}

export function startOwnPostgres(port: number): OwnPostgres {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `own-pg-${port}-`));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (bin: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : pgBin(bin), asRoot ? ['-u', 'postgres', '--', pgBin(bin), ...args] : args, {
      stdio: 'pipe',
      timeout: 60_000,
    });
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const ctl = (cmd: 'start' | 'stop') =>
    run('pg_ctl', [
      '-D',
      data,
      '-w',
      '-l',
      path.join(dir, 'server.log'),
      ...(cmd === 'start'
        ? ['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`]
        : ['-m', 'fast']),
      cmd,
    ]);
  ctl('start');
  let running = true;
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    stop() {
      if (running) ctl('stop');
      running = false;
    },
    start() {
      if (!running) ctl('start');
      running = true;
    },
    destroy() {
      try {
        if (running) ctl('stop');
      } finally {
        running = false;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A Redis of the test's own (no persistence: a restart comes back empty, as after a crash). */
export interface OwnRedis {
  stop(): void;
  start(): Promise<void>;
}

export async function startOwnRedis(port: number): Promise<OwnRedis> {
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis on ${port} did not start`)), 10_000);
      child!.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.on('exit', (code) => reject(new Error(`redis on ${port} exited with ${code}`)));
    });
  };
  await start();
  return {
    stop() {
      child?.kill('SIGKILL');
      child = undefined;
    },
    start,
  };
}
