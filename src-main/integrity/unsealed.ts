import type { CheckpointBody, IntegrityFailure } from '../contract/integrity';

/**
 * An event without an entry, judged against the newest checkpoint (docs/integrity.md, "Inserted
 * events"): new (written after that seal, or in flight while it ran) unless it could not be,
 * committed before the seal's horizon or written after the seal yet dated before the oldest
 * transaction then open. Null when it is simply not sealed yet. The one email's check judges as
 * verify.ts's classifyUnsealed does, in the same words (a test holds the two to the same answers).
 */
export function judgeUnsealed(
  id: number,
  fullXid: number,
  createdAt: string | null,
  latest: CheckpointBody,
): (Pick<IntegrityFailure, 'kind' | 'message' | 'event_id' | 'checkpoint'>) | null {
  if (fullXid < latest.horizon.xmin) {
    return { kind: 'inserted', message: `inserted event ${id}: committed before checkpoint ${latest.checkpoint} was sealed, yet not sealed by it`, event_id: id, checkpoint: latest.checkpoint };
  }
  if (fullXid >= latest.horizon.xmax && createdAt !== null && createdAt < latest.horizon.open_since) {
    return {
      kind: 'inserted',
      message: `inserted event ${id}: dated ${createdAt}, inside the sealed period, but written after checkpoint ${latest.checkpoint} was sealed`,
      event_id: id,
      checkpoint: latest.checkpoint,
    };
  }
  return null;
}
