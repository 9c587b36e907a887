import { sql, type Sql } from '../db/sql';

/**
 * The statement that records the seam a purge leaves (docs/integrity.md, "Retention"): the entries
 * of the purged events, as runs of consecutive seq, under the retention run that purged them. Run in
 * the purging transaction, so an event is never gone without its seam. `purged` is a relation of the
 * purged events' ids (a CTE of the batch's DELETE … RETURNING id, or a partition about to be dropped).
 */
export function purgeSeamStatement(runId: number, purged: Sql): Sql {
  return sql`
    INSERT INTO mailtrail_integrity_purged (run_id, first_seq, last_seq)
    SELECT ${runId}::bigint, MIN(seq), MAX(seq)
    FROM (SELECT s.seq, s.seq - ROW_NUMBER() OVER (ORDER BY s.seq) AS island
          FROM mailtrail_integrity_entries s JOIN ${purged} p ON s.event_id = p.id) sealed
    GROUP BY island`;
}
