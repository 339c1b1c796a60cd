import fs from 'node:fs';
import { isMap, isSeq, LineCounter, Node, parseDocument } from 'yaml';
import type { z } from 'zod';

/** A policy or settings file that cannot be used: the message names file, line, column, field and what is wrong. */
export class YamlFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${col}: ${field ? `${field}: ` : ''}${problem}`);
    this.name = 'YamlFileError';
  }
}

/**
 * Reads a YAML file and validates it with a zod schema. Syntax errors and schema errors both point at the line and
 * column in the file (for a missing field: where its parent is), so an operator can fix the file without guessing.
 */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S, extra?: YamlCheck<S>): z.infer<S> {
  return parseYamlText(fs.readFileSync(file, 'utf8'), file, schema, extra);
}

export type YamlCheck<S extends z.ZodType> = (
  value: z.infer<S>,
) => { path: Array<string | number>; message: string } | undefined;

/** The same for text that did not come from a file (an upload); `file` is the name used in messages. */
export function parseYamlText<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  extra?: YamlCheck<S>,
): z.infer<S> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const { line, col } = lc.linePos(e.pos[0]);
    throw new YamlFileError(file, line, col, '', e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
  }
  const at = (path: Array<string | number | symbol>, pointAtKey = false) => {
    // the deepest node that exists on the path (for an unknown key: the key itself)
    let node: unknown = doc.contents;
    let found = node as Node | null;
    for (const [i, key] of path.entries()) {
      if (!(isMap(node) || isSeq(node))) break;
      if (pointAtKey && i === path.length - 1 && isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        if (pair?.key) found = pair.key as Node;
        break;
      }
      node = node.get(key as never, true);
      if (!node) break;
      found = node as Node;
    }
    const pos = found?.range?.[0] ?? 0;
    return lc.linePos(pos);
  };
  let value: unknown;
  try {
    // aliases expanding into each other (a "billion laughs" document) are refused, not expanded
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new YamlFileError(file, 1, 1, '', `cannot be read: ${(e as Error).message}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]] : i.path;
    const { line, col } = at(path, i.code === 'unrecognized_keys');
    throw new YamlFileError(file, line, col, path.map(String).join('.'), i.message);
  }
  const more = extra?.(r.data);
  if (more) {
    const { line, col } = at(more.path);
    throw new YamlFileError(file, line, col, more.path.map(String).join('.'), more.message);
  }
  return r.data;
}
