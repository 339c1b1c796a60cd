import { Foundation1763900000000 } from './1763900000000-foundation';

export const MIGRATIONS = [Foundation1763900000000];
