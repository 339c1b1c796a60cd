import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { FLOORS } from '../../eslint/layers.mjs';

/**
 * The layering lint must fail on what it exists to stop — an import up a floor (so any folder circle), SQL outside
 * repositories, a folder without a floor — and pass on the tree as it is.
 */
const SERVER = path.resolve(__dirname, '..', '..');
const SRC = path.join(SERVER, 'src');
const eslint = new ESLint({ cwd: SERVER });

async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(SRC, file) });
  return r.messages.filter((m) => m.ruleId?.startsWith('layers/')).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layers/downward', () => {
  it('refuses an import up a floor and between folders of one floor; allows one down', async () => {
    expect(await problems('repositories/x.ts', "import { startStageWorker } from '../queues/worker';\n")).toEqual([
      'layers/downward: repositories (floor 50) may not import queues (floor 75): imports go downward only',
    ]);
    expect(await problems('routes/x.ts', "import { reconcile } from '../queues/reconciler';\n")).toHaveLength(1);
    expect(await problems('queues/x.ts', "import { STAGES } from '../pipeline/stages';\n")).toEqual([]);
    expect(await problems('lib/x.ts', "export { createApp } from '../app/app';\n")).toHaveLength(1);
    expect(await problems('entities/x.ts', "const m = import('../inspection/rules');\nexport { m };\n")).toHaveLength(
      1,
    );
  });

  it('a circle between two folders fails on at least one side, also between folders of one floor', async () => {
    const pair = async (a: string, b: string) => [
      ...(await problems(`${a}/x.ts`, `import { y } from '../${b}/y';\nexport { y };\n`)),
      ...(await problems(`${b}/y.ts`, `import { x } from '../${a}/x';\nexport { x };\n`)),
    ];
    expect(await pair('routes', 'queues')).toHaveLength(2);
    expect(await pair('commands', 'repositories')).toHaveLength(1);
    expect(await pair('entities', 'inspection')).toHaveLength(1);
  });

  it('a new folder must be given a floor; the development identity provider is for demo, bench and eval only', async () => {
    expect((await problems('newthing/x.ts', "import { HttpError } from '../lib/errors';\n"))[0]).toMatch(
      /'newthing' has no floor/,
    );
    expect((await problems('routes/x.ts', "import { startLocalIssuer } from '../dev-idp/local-issuer';\n"))[0]).toMatch(
      /dev-idp is for demo, bench, eval only/,
    );
    expect(await problems('demo/x.ts', "import { startLocalIssuer } from '../dev-idp/local-issuer';\n")).toEqual([]);
  });
});

describe('layers/no-sql-outside-repositories', () => {
  it('refuses queries, query builders, transactions and pg outside repositories; allows them inside', async () => {
    const sql = "export const f = (db: { query(s: string): unknown }) => db.query('SELECT 1');\n";
    expect(await problems('routes/x.ts', sql)).toHaveLength(1);
    expect(await problems('commands/x.ts', "import { Client } from 'pg';\nexport const c = Client;\n")).toHaveLength(1);
    expect(await problems('commands/x.ts', "import { In } from 'typeorm';\nexport const i = In;\n")).toHaveLength(1);
    expect(
      await problems(
        'commands/x.ts',
        "import type { EntityManager } from 'typeorm';\nexport type T = EntityManager;\n",
      ),
    ).toEqual([]);
    expect(await problems('repositories/x.ts', sql)).toEqual([]);
  });
});

describe('the tree as it is', () => {
  it('passes both rules, and every folder of src has a floor', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const layered = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId?.startsWith('layers/'))
        .map((m) => `${path.relative(SERVER, r.filePath)}: ${m.message}`),
    );
    expect(layered).toEqual([]);
    const units = fs.readdirSync(SRC).map((f) => f.replace(/\.ts$/, ''));
    expect(units.filter((u) => !(u in FLOORS))).toEqual([]);
  });

  it('agrees with ../shared/tools/folder-cycles: no folder circle', (ctx) => {
    const tool = path.resolve(SERVER, '..', '..', 'shared', 'tools', 'folder-cycles', 'folder-cycles.mjs');
    if (!fs.existsSync(tool)) {
      ctx.skip(`needs ${tool} (../shared beside the checkout)`);
      return;
    }
    const r = spawnSync(process.execPath, [tool, SRC], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/ 0 folder cycle\(s\)/);
    expect(r.status).toBe(0);
  });
});
