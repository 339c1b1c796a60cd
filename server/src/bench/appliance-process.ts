import fs from 'node:fs';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The appliance as its own process for a benchmark (`hotline api|all` from this build, on a free port, logging at
 * info so its start can be seen): resolves with the port once it says it started; `stop()` ends it and waits.
 */
export async function startAppliance(
  role: 'api' | 'all',
  env: NodeJS.ProcessEnv,
  /** a command that runs it (e.g. `taskset -c 1`) */
  wrap: string[] = [],
): Promise<{ port: number; child: ChildProcess; stop: () => Promise<void> }> {
  const argv = [process.execPath, path.join(__dirname, '..', 'main.js'), role];
  const child = spawn([...wrap, ...argv][0], [...wrap, ...argv].slice(1), {
    env: { ...env, HOTLINE_PORT: '0', HOTLINE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    let p = 0;
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"port":(\d+)/.exec(buf);
      if (m) p = Number(m[1]);
      if (p && buf.includes('hotline started')) resolve(p);
    });
    child.on('exit', (code) => reject(new Error(`hotline ${role} exited with ${code}`)));
  });
  // BENCH_APPLIANCE_LOG=<file>: keep the appliance's log (stage timings) for reading after the run
  if (process.env.BENCH_APPLIANCE_LOG) child.stdout!.pipe(fs.createWriteStream(process.env.BENCH_APPLIANCE_LOG));
  else child.stdout!.resume();
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((res) => child.on('exit', res));
    },
  };
}
