import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { toMailtrailError } from '../db/connection';
import type { Sql } from '../db/sql';
import { CopyLines, inlineForCopy, parseCopyLines } from '../sync/copy-text';

type Row = (string | null)[];

/**
 * An ordered result walked row by row beside others (verify.ts): CopyRows over PostgreSQL, or the
 * offline cache's rows (src-main/store/sqlite/integrity.query.ts). Call fill() whenever `needsFill`.
 */
export interface OrderedRows {
  readonly current: Row | null;
  readonly needsFill: boolean;
  advance(): void;
  fill(): Promise<void>;
}

/**
 * A COPY result as runs of complete lines (about a megabyte each), read at the reader's pace: the
 * stream pauses while the reader does not pull. The byte paths (the seal, verify's events) take the
 * runs as they are; CopyRows splits them into fields.
 */
export class CopyRuns {
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly lines = new CopyLines();
  private ended = false;

  constructor(client: pg.PoolClient, statement: Sql) {
    const stream = client.query(copyTo(`COPY (${inlineForCopy(statement)}) TO STDOUT`));
    this.chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** The next run of lines, or null at the end. */
  async next(): Promise<Buffer | null> {
    while (!this.ended) {
      let next: IteratorResult<Buffer>;
      try {
        next = await this.chunks.next();
      } catch (error) {
        throw toMailtrailError(error);
      }
      if (next.done) this.ended = true;
      const lines = next.done ? this.lines.end() : this.lines.push(next.value);
      if (lines) return lines;
    }
    return null;
  }
}

/**
 * A COPY result read row by row at the reader's pace, for walking several ordered results side by
 * side without holding any of them whole.
 */
export class CopyRows implements OrderedRows {
  private readonly runs: CopyRuns;
  private rows: Row[] = [];
  private index = 0;
  private ended = false;

  constructor(client: pg.PoolClient, statement: Sql) {
    this.runs = new CopyRuns(client, statement);
  }

  /** The current row, or null at the end; call fill() first whenever `needsFill`. */
  get current(): Row | null {
    return this.index < this.rows.length ? (this.rows[this.index] as Row) : null;
  }

  get needsFill(): boolean {
    return this.index >= this.rows.length && !this.ended;
  }

  advance(): void {
    this.index += 1;
  }

  /** Reads until a row is buffered or the result ends. */
  async fill(): Promise<void> {
    while (this.needsFill) {
      const lines = await this.runs.next();
      if (lines === null) this.ended = true;
      this.rows = lines ? parseCopyLines(lines) : [];
      this.index = 0;
    }
  }
}

/**
 * The SET LOCALs of a walk's long transaction: no statement timeout, and no idle timeout either, since
 * a walker whose result ended early waits in its transaction (holding the snapshot) while the others
 * stream, for as long as the log takes.
 */
export const WALK_TIMEOUTS = 'SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0';

/**
 * Listens for errors on connections taken from the pool for a walk: pg-pool stops listening while a
 * connection is out, and a server that ends one (a restart, an administrator) would otherwise take the
 * process down with it; the walk's own query fails and says why. Returns what lets go again.
 */
export function guardClients(clients: readonly pg.PoolClient[]): () => void {
  const ignore = () => undefined;
  for (const client of clients) client.on('error', ignore);
  return () => {
    for (const client of clients) client.removeListener('error', ignore);
  };
}

/**
 * Gives up a connection whose COPY stopped midway (a ROLLBACK would queue behind it forever): the
 * server rolls its transaction back. The stream and the client then fail with "Connection
 * terminated", which nobody waits for any more.
 */
export function destroyClient(client: pg.PoolClient): void {
  client.on('error', () => undefined);
  const active = (client as unknown as { activeQuery?: { on?: (event: string, listener: () => void) => void } }).activeQuery;
  active?.on?.('error', () => undefined);
  client.release(true);
}
