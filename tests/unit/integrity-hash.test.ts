import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalColumns, canonicalEvent, changedColumns, eventFromCopy, SEALED_COLUMNS, sealEvent, type SealedEvent } from '../../src-main/integrity/event-hash';
import { MerkleTree } from '../../src-main/integrity/merkle';
import { toFullXid } from '../../src-main/integrity/xid';
import { canonicalJson } from '../../src-main/reports/digest';

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 6962, section 2.1, as written: split at the largest power of two below n. */
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

const event: SealedEvent = {
  id: 5523,
  email_id: 42,
  event_type: 'classified',
  event_category: 'system',
  description: 'Email klassificeret som faktura — "invoice"',
  metadata: { method: 'ai', confidence: 0.85, nested: { b: [1, 2], a: null } },
  user_id: null,
  created_at: '2025-12-15T10:30:00.123456',
  created_by: 'system',
};

describe('the sealed form of an event', () => {
  it('is canonicalJson of the event, the form a report carries', () => {
    expect(canonicalEvent(canonicalColumns(event))).toBe(canonicalJson(event));
    const leaf = sealEvent(event).leaf;
    expect(leaf.equals(sha256(Buffer.from([0]), Buffer.from(canonicalJson(event), 'utf8')))).toBe(true);
  });

  it('writes each column as canonicalJson does, nulls included', () => {
    const bare: SealedEvent = { ...event, metadata: null, user_id: 7, created_at: null, created_by: null, description: 'tab\there "quoted" \\ ø' };
    for (const sample of [event, bare]) {
      expect(canonicalColumns(sample)).toEqual(SEALED_COLUMNS.map((column) => canonicalJson(sample[column])));
      expect(canonicalEvent(canonicalColumns(sample))).toBe(canonicalJson(sample));
    }
  });

  it('keeps a number JSON cannot carry as jsonb wrote it, so the event still hashes', () => {
    const fields = ['1', '2', 'error', 'system', 'x', '{"size": 1e400}', null, null, null];
    expect(eventFromCopy(fields).metadata).toEqual({ $jsonb: '{"size": 1e400}' });
    expect(sealEvent(eventFromCopy(fields)).leaf).toHaveLength(32);
    // jsonb itself prints 1e400 in full, 401 digits.
    const printed = `{"size": 1${'0'.repeat(400)}}`;
    expect(eventFromCopy([...fields.slice(0, 5), printed, null, null, null]).metadata).toEqual({ $jsonb: printed });
  });

  it('reads COPY text fields: the zoneless timestamp in ISO form, metadata as its JSON object', () => {
    const fields = ['5523', '42', 'classified', 'system', event.description, '{"nested": {"a": null, "b": [1, 2]}, "method": "ai", "confidence": 0.85}', null, '2025-12-15 10:30:00.123456', 'system'];
    expect(eventFromCopy(fields)).toEqual(event);
    expect(sealEvent(eventFromCopy(fields)).leaf.equals(sealEvent(event).leaf)).toBe(true);
  });

  it('names the columns an edit changed, and only those', () => {
    const edited = { ...event, description: 'changed', metadata: { method: 'keyword' } };
    expect(changedColumns(sealEvent(event).prints, sealEvent(edited).prints)).toEqual(['description', 'metadata']);
    expect(changedColumns(sealEvent(event).prints, sealEvent({ ...event, created_at: '2025-12-15T10:30:01' }).prints)).toEqual(['created_at']);
  });
});

describe('the Merkle tree', () => {
  it('has RFC 6962 roots for every size from 0 to 70', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => sha256(Buffer.from([0]), Buffer.from(String(i))));
    for (let n = 0; n <= leaves.length; n++) {
      const tree = new MerkleTree();
      leaves.slice(0, n).forEach((leaf) => tree.add(leaf));
      expect(tree.root().toString('hex'), `size ${n}`).toBe(referenceRoot(leaves.slice(0, n)).toString('hex'));
    }
  });

  it('has the RFC empty-tree root', () => {
    expect(new MerkleTree().root().toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('full transaction ids', () => {
  it('places a row xmin below the snapshot, across a wraparound', () => {
    expect(toFullXid(1000, 1010)).toBe(1000);
    const epoch = 2 ** 32;
    expect(toFullXid(2 ** 32 - 5, epoch + 10)).toBe(epoch - 5);
    expect(toFullXid(7, epoch + 10)).toBe(epoch + 7);
    expect(toFullXid(2, 5000)).toBe(0);
  });
});
