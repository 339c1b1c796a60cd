import { describe, expect, it } from 'vitest';
import { hunks, lineDiff } from '../../../console/src/pages/policies/diff';
import { cleanColumns, cleanFilter, DEFAULT_COLUMNS, upsertView } from '../../../console/src/pages/conversations/views';

/** The console's own logic that runs without a browser: the policy diff and the saved views' cleaning. */
describe('policy version diff', () => {
  const a = ['id: bank', 'version: 1', 'rules:', '  - greet', '  - verify', '  - close'].join('\n');
  const b = ['id: bank', 'version: 2', 'rules:', '  - greet', '  - close', '  - consent'].join('\n');

  it('keeps common lines and marks what was removed and added, with line numbers on each side', () => {
    const d = lineDiff(a, b);
    expect(d.filter((l) => l.op === '-').map((l) => [l.a, l.text])).toEqual([
      [2, 'version: 1'],
      [5, '  - verify'],
    ]);
    expect(d.filter((l) => l.op === '+').map((l) => [l.b, l.text])).toEqual([
      [2, 'version: 2'],
      [6, '  - consent'],
    ]);
    // applying the diff to a gives b, and dropping the additions gives a back
    expect(d.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(b.split('\n'));
    expect(d.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(a.split('\n'));
  });

  it('shows only changes with context, gaps marked, and nothing for equal texts', () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const changed = [...long];
    changed[5] = 'changed 5';
    changed[30] = 'changed 30';
    const h = hunks(lineDiff(long.join('\n'), changed.join('\n')), 2);
    expect(h.filter((l) => l === null)).toHaveLength(1);
    expect(h.filter((l) => l && l.op === ' ')).toHaveLength(8);
    expect(hunks(lineDiff(a, a))).toEqual([]);
  });
});

describe('saved views', () => {
  it('keep known filter keys with string values only, and known columns in their order', () => {
    expect(cleanFilter({ teamId: 'team-a', passed: 'false', evil: 'x', agentId: 7, queue: '' })).toEqual({
      teamId: 'team-a',
      passed: 'false',
    });
    expect(cleanFilter(null)).toEqual({});
    expect(cleanColumns(['status', 'nope', 'started'])).toEqual(['started', 'status']);
    expect(cleanColumns('x')).toEqual(DEFAULT_COLUMNS);
    expect(cleanColumns([])).toEqual(DEFAULT_COLUMNS);
  });

  it('a view saved under an existing name replaces it; the list stays sorted', () => {
    const v = (name: string, teamId: string) => ({ name, filter: { teamId }, columns: DEFAULT_COLUMNS });
    const views = upsertView(upsertView(upsertView([], v('b', '1')), v('a', '2')), v('b', '3'));
    expect(views.map((x) => [x.name, x.filter.teamId])).toEqual([
      ['a', '2'],
      ['b', '3'],
    ]);
  });
});
