/**
 * Transaction ids. A row's xmin is PostgreSQL's 32-bit xid, which wraps; a snapshot's bounds are
 * 64-bit xid8 (epoch and xid). A visible row's inserting transaction began before the snapshot, so
 * its full id is the latest one below the snapshot's xmax whose low 32 bits are the row's xmin.
 */
const XID_SPACE = 2 ** 32;
// 0 is invalid, 1 bootstrap, 2 frozen (before 9.4): older than any transaction.
const FIRST_NORMAL_XID = 3;

/** The row's xmin as a full transaction id, relative to a snapshot's xmax (a number: xid8 stays far below 2^53). */
export function toFullXid(xmin32: number, snapshotXmax: number): number {
  if (xmin32 < FIRST_NORMAL_XID) return 0;
  const distance = (snapshotXmax % XID_SPACE) - xmin32;
  return snapshotXmax - (distance > 0 ? distance : distance + XID_SPACE);
}

