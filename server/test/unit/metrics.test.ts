import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { registry } from '../../src/lib/metrics';

/** The example alert rules name only metrics the appliance exports (a renamed metric breaks this, not an alert). */
describe('docs/ops/prometheus-alerts.yml', () => {
  it('is valid YAML whose expressions use exported metric names', async () => {
    const file = path.resolve(__dirname, '..', '..', '..', 'docs', 'ops', 'prometheus-alerts.yml');
    const doc = parse(fs.readFileSync(file, 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      const names = (r.expr.match(/\bhotline_[a-z_]+/g) ?? []).map((n) => n.replace(/_(bucket|sum|count)$/, ''));
      expect(names.length, r.alert).toBeGreaterThan(0);
      for (const n of names) expect(exported.has(n), `${r.alert}: ${n}`).toBe(true);
    }
  });
});
