import type Database from 'better-sqlite3';
import type { CacheDb } from './cache-file';

/** Prepared statements by their text: the screens repeat a handful of shapes. */
export function statementCache(db: CacheDb): (text: string) => Database.Statement {
  const prepared = new Map<string, Database.Statement>();
  return (text) => {
    let statement = prepared.get(text);
    if (!statement) {
      statement = db.prepare(text);
      if (prepared.size > 500) prepared.clear();
      prepared.set(text, statement);
    }
    return statement;
  };
}

export type Prepare = ReturnType<typeof statementCache>;

export const where = (conditions: string[]): string => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : '');
