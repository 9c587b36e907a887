import { describe, expect, it } from 'vitest';
import { sql } from '../../src-main/db/sql';
import { decodeId, decodeKeyset, encodeId, encodeKeyset } from '../../src-main/service/cursor';
import { isValidTimestamp } from '../../src-main/contract/schemas';
import { redactUrl, toMailtrailError } from '../../src-main/db/connection';

describe('the sql template', () => {
  it('turns every value into a numbered parameter, across composed fragments', () => {
    const condition = sql`event_type = ${"error' OR '1'='1"}`;
    const { text, values } = sql`SELECT * FROM t ${sql.where([condition, sql`email_id = ${123}`])} LIMIT ${5}`.toQuery();
    expect(text).toBe('SELECT * FROM t WHERE event_type = $1 AND email_id = $2 LIMIT $3');
    expect(values).toEqual(["error' OR '1'='1", 123, 5]);
  });

  it('writes nothing for an empty WHERE and joins fragments with the separator', () => {
    expect(sql`SELECT 1 ${sql.where([])}`.toQuery().text).toBe('SELECT 1 ');
    expect(sql.join([sql`a = ${1}`, sql`b = ${2}`], ' OR ').toQuery()).toEqual({ text: 'a = $1 OR b = $2', values: [1, 2] });
  });

  it('accepts only plain identifiers', () => {
    expect(sql`SELECT ${sql.id('created_at')}`.toQuery().text).toBe('SELECT "created_at"');
    expect(() => sql.id('created_at; DROP TABLE x')).toThrow(/not a plain SQL identifier/);
    expect(() => sql.id('"x"')).toThrow();
  });
});

describe('cursors', () => {
  it('round-trip a keyset and an id', () => {
    const keyset = { createdAt: '2025-12-15T10:30:00.123456', id: 42 };
    expect(decodeKeyset(encodeKeyset(keyset))).toEqual(keyset);
    expect(decodeId(encodeId(7))).toBe(7);
  });

  it('refuse anything Mailtrail did not hand out', () => {
    const forged = Buffer.from(JSON.stringify(["2025-12-15'; DROP TABLE x; --", 1])).toString('base64url');
    for (const cursor of ['', 'bm9wZQ', forged, encodeId(7), Buffer.from('[null, -1]').toString('base64url')]) {
      expect(() => decodeKeyset(cursor)).toThrow(/not a cursor that Mailtrail handed out/);
    }
    expect(() => decodeId(encodeKeyset({ createdAt: '2025-01-01', id: 1 }))).toThrow();
  });
});

describe('timestamps', () => {
  it('accept the seed\'s zoneless ISO 8601 and reject impossible dates or zones', () => {
    for (const ok of ['2025-12-15', '2025-12-15T10:30:00', '2025-12-15T10:30', '2025-12-15 10:30:00.123456', '2024-02-29']) {
      expect(isValidTimestamp(ok), ok).toBe(true);
    }
    for (const bad of ['2025-13-01', '2025-02-30', '2025-12-15T24:00:00', '2025-12-15T10:30:00Z', 'yesterday', "2025-01-01' OR 1=1"]) {
      expect(isValidTimestamp(bad), bad).toBe(false);
    }
  });
});

describe('connection strings', () => {
  it('are shown without their password', () => {
    expect(redactUrl('postgres://auditor:s3cret@db.example:5432/hub')).toBe('postgres://auditor:***@db.example:5432/hub');
  });
});

describe('errors from below', () => {
  it('say what kind of failure they are', () => {
    expect(toMailtrailError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })).code).toBe('unavailable');
    expect(toMailtrailError(Object.assign(new Error('division by zero'), { code: '22012' })).message).toBe('database error: division by zero');
    expect(toMailtrailError(Object.assign(new Error("EACCES: permission denied, mkdir '/var/lib/x'"), { code: 'EACCES' })).message).toBe(
      "EACCES: permission denied, mkdir '/var/lib/x'",
    );
    expect(toMailtrailError(new TypeError('x is not a function')).message).toBe('unexpected error in Mailtrail: x is not a function; the details are in its log');
    expect(toMailtrailError(Object.assign(new Error('lost'), { code: 'ECONNRESET' })).code).toBe('unavailable');
  });
});
