/** Who the access matrix asks as: the development realm's users, the recorder, and callers with no valid token. */
export const USERS = ['anna', 'bob', 'carl', 'sara', 'quinn', 'cora', 'otto', 'adam'] as const;
export type Caller = (typeof USERS)[number] | 'recorder' | 'anonymous' | 'wrong_audience' | 'garbage';
export const CALLERS: Caller[] = [...USERS, 'recorder', 'anonymous', 'wrong_audience', 'garbage'];

/** what every route answers a caller without a valid token */
export const ALL401 = { anonymous: 401, wrong_audience: 401, garbage: 401 };
