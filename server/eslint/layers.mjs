// The server's floors, and two lint rules that keep them: imports go only downward, and SQL stays in repositories.
// A folder (or a file at the root of src/) may import only units on a strictly lower floor; units on the same floor
// may not import each other. So a folder circle cannot compile past lint, and a new folder must be given a floor here.
import path from 'node:path';

/** floor number per top-level unit of server/src (a folder, or a root file without .ts); higher imports lower. */
export const FLOORS = {
  // entry points: processes, command line, scripts
  main: 100,
  eval: 95,
  bench: 95,
  demo: 90,
  cli: 90,
  runtime: 85,
  // the HTTP app over its routes; queue workers; the composition root
  app: 80,
  routes: 75,
  queues: 75,
  services: 70,
  // use cases
  live: 65,
  commands: 60,
  ingest: 60,
  authz: 55,
  // every side effect
  repositories: 50,
  // leaves: domain logic with no I/O of its own beyond files it is handed
  presenters: 45,
  'dev-idp': 45,
  'pii-scan': 45,
  synth: 45,
  protection: 42,
  inspection: 40,
  reporting: 40,
  understanding: 40,
  speech: 40,
  audit: 40,
  auth: 40,
  pipeline: 30,
  entities: 20,
  migrations: 20,
  config: 10,
  lib: 10,
  types: 0,
};

/** Units only some others may import, whatever the floors say: the development identity provider is not production code. */
export const ONLY_FROM = { 'dev-idp': ['demo', 'bench', 'eval'] };

const SRC = `${path.sep}src${path.sep}`;

/** The unit of a file under server/src: its top folder, or its own name for a file at the root. */
export function unitOf(file) {
  const i = file.lastIndexOf(SRC);
  if (i < 0) return undefined;
  const rel = file.slice(i + SRC.length).split(path.sep);
  return rel.length > 1 ? rel[0] : rel[0].replace(/\.(d\.)?ts$/, '');
}

const sourceOf = (node) => (node.source && typeof node.source.value === 'string' ? node.source : undefined);

const downward = {
  meta: {
    type: 'problem',
    docs: { description: 'imports between server/src folders go only to a lower floor (eslint/layers.mjs)' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = unitOf(file);
    if (from === undefined) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = unitOf(path.resolve(path.dirname(file), spec) + (/\.[a-z]+$/.test(spec) ? '' : '.ts'));
      if (to === undefined || to === from) return;
      for (const u of [from, to])
        if (!(u in FLOORS)) {
          context.report({ node, message: `'${u}' has no floor in server/eslint/layers.mjs: give it one` });
          return;
        }
      if (ONLY_FROM[to] && !ONLY_FROM[to].includes(from)) {
        context.report({ node, message: `${to} is for ${ONLY_FROM[to].join(', ')} only; ${from} may not import it` });
        return;
      }
      if (FLOORS[to] >= FLOORS[from])
        context.report({
          node,
          message: `${from} (floor ${FLOORS[from]}) may not import ${to} (floor ${FLOORS[to]}): imports go downward only`,
        });
    };
    return {
      ImportDeclaration: (n) => check(n, sourceOf(n)?.value),
      ExportNamedDeclaration: (n) => check(n, sourceOf(n)?.value),
      ExportAllDeclaration: (n) => check(n, sourceOf(n)?.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

/** Where SQL may be written: repositories (and migrations). Entities may use TypeORM's decorators. */
const SQL_HOMES = new Set(['repositories', 'migrations']);
const SQL_CALLS = new Set(['query', 'createQueryBuilder', 'getRepository', 'transaction', 'getTreeRepository']);

const noSqlOutsideRepositories = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL and database handles only in repositories/ (and migrations/)' },
    schema: [],
  },
  create(context) {
    const unit = unitOf(context.filename);
    if (unit === undefined || SQL_HOMES.has(unit)) return {};
    return {
      ImportDeclaration(node) {
        const spec = node.source.value;
        if (node.importKind === 'type') return;
        const valueSpecifiers = node.specifiers.filter((s) => s.importKind !== 'type');
        if (spec === 'pg' || spec === 'pg-pool')
          context.report({ node, message: `'${spec}' is imported outside repositories/: SQL lives in a repository` });
        else if (spec === 'typeorm' && unit !== 'entities' && valueSpecifiers.length)
          context.report({
            node,
            message: `typeorm values imported outside repositories/ and entities/: SQL lives in a repository`,
          });
      },
      CallExpression(node) {
        const c = node.callee;
        if (c.type === 'MemberExpression' && c.property.type === 'Identifier' && SQL_CALLS.has(c.property.name))
          context.report({
            node,
            message: `.${c.property.name}() outside repositories/: put the query behind a repository method`,
          });
      },
    };
  },
};

export default { rules: { downward, 'no-sql-outside-repositories': noSqlOutsideRepositories } };
