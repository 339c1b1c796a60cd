import { z } from 'zod';
import type { RouteDef } from '../routes/route';

/** OpenAPI 3.1 from the same zod schemas the routes validate with. */
export function buildOpenApi(
  routes: RouteDef[],
  info: { title: string; version: string },
  extraSchemas: z.ZodType[] = [],
) {
  const components: Record<string, unknown> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output') => {
    const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
    const json = JSON.parse(JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<
      string,
      unknown
    >;
    const defs = (json.$defs ?? json.definitions) as Record<string, unknown> | undefined;
    if (defs) Object.assign(components, defs);
    delete json.$defs;
    delete json.definitions;
    delete json.$schema;
    const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
    if (id) {
      // a schema with an id comes back as a $ref to its own definition, already moved into components
      if (!defs?.[id]) components[id] = json;
      return { $ref: `#/components/schemas/${id}` };
    }
    return json;
  };
  for (const s of extraSchemas) toSchema(s, 'input');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const js = toSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, sch] of Object.entries(js.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (js.required ?? []).includes(name),
          schema: sch,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [code, resp] of Object.entries(r.responses)) {
      responses[code] = {
        description: resp.description,
        ...(resp.content
          ? { content: resp.content }
          : resp.schema
            ? { content: { 'application/json': { schema: toSchema(resp.schema, 'output') } } }
            : {}),
      };
    }
    (paths[p] ??= {})[r.method] = {
      summary: r.summary,
      tags: r.tags,
      operationId: `${r.method}${p
        .replace(/[{}]/g, '')
        .replace(/\/(\w)/g, (_, c: string) => c.toUpperCase())
        .replace(/[^A-Za-z0-9]/g, '')}`,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(r.body, 'input') } } } }
        : {}),
      ...(r.requestBody ? { requestBody: r.requestBody } : {}),
      responses,
    };
  }
  return { openapi: '3.1.0', info, paths, components: { schemas: components } };
}
