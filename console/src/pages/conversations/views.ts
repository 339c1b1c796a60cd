/**
 * The conversation list's filters, columns and saved views. Views and the chosen columns are a person's own
 * working set: kept in this browser's localStorage under the user's name (filters and column names only — no
 * conversation content, no identifier searched for, no token).
 */
export interface ListFilter {
  from?: string;
  to?: string;
  channel?: 'call' | 'chat' | 'email' | 'sms';
  status?: string;
  teamId?: string;
  agentId?: string;
  queue?: string;
  intent?: string;
  passed?: 'true' | 'false';
  fatal?: 'true' | 'false';
  failedRule?: string;
  sentiment?: 'negative' | 'neutral' | 'positive';
}

export const COLUMNS = [
  'started',
  'channel',
  'agent',
  'team',
  'queue',
  'duration',
  'intent',
  'verdict',
  'status',
  'escalation',
  'language',
] as const;
export type Column = (typeof COLUMNS)[number];
/** every column but the two that are seldom needed */
export const DEFAULT_COLUMNS: Column[] = COLUMNS.filter((c) => c !== 'escalation' && c !== 'language');

export interface SavedView {
  name: string;
  filter: ListFilter;
  columns: Column[];
}

const FILTER_KEYS: Array<keyof ListFilter> = [
  'from',
  'to',
  'channel',
  'status',
  'teamId',
  'agentId',
  'queue',
  'intent',
  'passed',
  'fatal',
  'failedRule',
  'sentiment',
];

/** Only known keys with string values survive (a view stored by an older console, or edited by hand, is cleaned). */
export function cleanFilter(x: unknown): ListFilter {
  if (!x || typeof x !== 'object') return {};
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = (x as Record<string, unknown>)[k];
    if (typeof v === 'string' && v) out[k] = v.slice(0, 128);
  }
  return out as ListFilter;
}

export function cleanColumns(x: unknown): Column[] {
  if (!Array.isArray(x)) return [...DEFAULT_COLUMNS];
  const cols = COLUMNS.filter((c) => x.includes(c));
  return cols.length ? cols : [...DEFAULT_COLUMNS];
}

const key = (user: string, what: string) => `hotline.${user}.${what}`;

function read(k: string): unknown {
  try {
    return JSON.parse(window.localStorage.getItem(k) ?? 'null');
  } catch {
    return null;
  }
}

export function loadViews(user: string): SavedView[] {
  const raw = read(key(user, 'views'));
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((v): v is Record<string, unknown> => Boolean(v) && typeof v === 'object')
    .filter((v) => typeof v.name === 'string' && v.name.trim())
    .map((v) => ({
      name: String(v.name).slice(0, 60),
      filter: cleanFilter(v.filter),
      columns: cleanColumns(v.columns),
    }));
}

export function saveViews(user: string, views: SavedView[]) {
  window.localStorage.setItem(key(user, 'views'), JSON.stringify(views));
}

export function loadColumns(user: string): Column[] {
  return cleanColumns(read(key(user, 'columns')));
}

export function saveColumns(user: string, cols: Column[]) {
  window.localStorage.setItem(key(user, 'columns'), JSON.stringify(cols));
}

/** Adds or replaces (same name) a view; the list stays sorted by name. */
export function upsertView(views: SavedView[], v: SavedView): SavedView[] {
  return [...views.filter((x) => x.name !== v.name), v].sort((a, b) => a.name.localeCompare(b.name));
}
