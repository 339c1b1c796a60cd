import fs from 'node:fs';
import path from 'node:path';

/** The appliance's version (the root package.json), or "unknown" when it cannot be read. */
export function appVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
