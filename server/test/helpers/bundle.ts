import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The offline bundle `npm run bundle` left in dist/ (npm test makes it before the suite), for the install tests. */
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const DIST = path.join(REPO, 'dist');
/** the development release CA `npm run bundle` makes when no release key is given */
export const RELEASE_CA = path.join(REPO, 'var', 'release', 'release-ca.cert.pem');

export const bundleTarball: string | undefined = fs.existsSync(DIST)
  ? fs
      .readdirSync(DIST)
      .filter((f) => /^hotline-appliance-.*-linux-x64\.tar\.gz$/.test(f))
      .map((f) => path.join(DIST, f))[0]
  : undefined;

/**
 * Why an install test cannot run here ('' when it can): it needs root, the bundle and its CA, and `commands`. In CI
 * that is an error, not a skip; elsewhere the test says so and is skipped.
 */
export function installTestBlocked(file: string, commands: string[] = []): string {
  const missing = commands.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
  const why =
    process.getuid?.() !== 0
      ? 'it installs as root (CI runs as root)'
      : missing.length
        ? `${missing.join(', ')} not installed (scripts/setup.sh installs them)`
        : !bundleTarball || !fs.existsSync(RELEASE_CA)
          ? `no bundle and release CA in ${DIST}: run "npm run bundle" (npm test does)`
          : '';
  if (why && process.env.CI === 'true') throw new Error(`${file} cannot run in CI: ${why}`);
  if (why) console.warn(`${file} skipped: ${why}`);
  return why;
}

/** Stops every process still running from an install under `root` (a test that failed half-way leaves none). */
export async function stopEverythingUnder(root: string): Promise<void> {
  spawnSync('pkill', ['-TERM', '-f', `${root}/`]);
  await new Promise((r) => setTimeout(r, 2000));
  spawnSync('pkill', ['-KILL', '-f', `${root}/`]);
}
