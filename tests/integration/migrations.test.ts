import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, NO_TRANSACTION_MARKER } from '../../src-main/db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(() => db.drop());

  it('apply every migration once, in order, and record each with its checksum', async () => {
    const first = await migrate(db.writable);
    const names = loadMigrations().map((m) => m.name);
    expect(first.applied).toEqual(names);
    const { rows } = await db.writable.query('SELECT name, checksum FROM mailtrail_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(names);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
  });

  it('are idempotent: a second run applies nothing', async () => {
    const second = await migrate(db.writable);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(loadMigrations().map((m) => m.name));
  });

  it('refuse a migration edited after it ran', async () => {
    const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: 'x'.repeat(64) } : m));
    await expect(migrate(db.writable, edited)).rejects.toThrow(/edited after it was applied/);
  });

  it('roll back a failing migration whole and do not record it', async () => {
    const broken = [...loadMigrations(), { name: '9999_broken.sql', sql: 'CREATE TABLE half_done (id int); SELECT nope FROM nowhere;', checksum: 'b'.repeat(64) }];
    await expect(migrate(db.writable, broken)).rejects.toThrow(/9999_broken\.sql failed and was rolled back/);
    const { rows } = await db.writable.query("SELECT to_regclass('half_done') AS t, (SELECT count(*) FROM mailtrail_migrations WHERE name = '9999_broken.sql') AS n");
    expect(rows[0]).toEqual({ t: null, n: 0 });
  });

  it('create the seed schema: columns and types, created_at defaulting to now, the four indexes', async () => {
    const { rows: columns } = await db.writable.query(
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = 'email_activity_log' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.len, c.is_nullable])).toEqual([
      ['id', 'integer', null, 'NO'],
      ['email_id', 'integer', null, 'NO'],
      ['event_type', 'character varying', 50, 'NO'],
      ['event_category', 'character varying', 30, 'NO'],
      ['description', 'text', null, 'NO'],
      ['metadata', 'jsonb', null, 'YES'],
      ['user_id', 'integer', null, 'YES'],
      ['created_at', 'timestamp without time zone', null, 'YES'],
      ['created_by', 'character varying', 255, 'YES'],
    ]);
    expect(columns.find((c) => c.column_name === 'created_at')?.column_default).toBe('now()');
    const { rows: indexes } = await db.writable.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'email_activity_log'`);
    expect(indexes.map((i) => i.indexname)).toEqual(
      expect.arrayContaining([
        'idx_email_activity_log_email_id',
        'idx_email_activity_log_event_type',
        'idx_email_activity_log_created_at',
        'idx_email_activity_log_event_category',
      ]),
    );
    const { rows: archive } = await db.writable.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'email_activity_log_archive' ORDER BY ordinal_position`,
    );
    expect(archive.map((c) => [c.column_name, c.data_type])).toEqual(columns.map((c) => [c.column_name, c.data_type]));
  });

  it('leave a hub database\'s own tables alone', async () => {
    const hub = await createTestDatabase({ migrated: false });
    try {
      await hub.writable.query(`CREATE TABLE users (id SERIAL PRIMARY KEY, username VARCHAR(100), full_name VARCHAR(255), role TEXT)`);
      await hub.writable.query(`INSERT INTO users (username, full_name, role) VALUES ('anna', 'Anna Hansen', 'admin')`);
      await migrate(hub.writable);
      const { rows } = await hub.writable.query('SELECT username, role FROM users');
      expect(rows).toEqual([{ username: 'anna', role: 'admin' }]);
    } finally {
      await hub.drop();
    }
  });
});

describe('migrations outside a transaction (issue 12, item 1)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const noTransaction = (name: string, sql: string) => ({ name, sql: `${NO_TRANSACTION_MARKER}\n${sql}`, checksum: name.padEnd(64, '0').slice(0, 64) });

  it('build the search indexes valid: a trigram index on description and a jsonb_path_ops one on metadata', async () => {
    const { rows } = await db.writable.query(
      `SELECT c.relname AS name, i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname IN ('idx_email_activity_log_description_trgm', 'idx_email_activity_log_metadata_path') ORDER BY 1`,
    );
    expect(rows.map((r) => [r.name, r.valid])).toEqual([
      ['idx_email_activity_log_description_trgm', true],
      ['idx_email_activity_log_metadata_path', true],
    ]);
    expect(rows[0].def).toMatch(/gin \(description gin_trgm_ops\)/);
    expect(rows[1].def).toMatch(/gin \(metadata jsonb_path_ops\)/);
  });

  it('run each statement on its own, so CREATE INDEX CONCURRENTLY is allowed', async () => {
    const report = await migrate(db.writable, [
      noTransaction('9001_concurrent.sql', 'CREATE TABLE IF NOT EXISTS c1 (x int);\n\nCREATE INDEX CONCURRENTLY IF NOT EXISTS c1_x ON c1 (x);\n'),
    ]);
    expect(report.applied).toEqual(['9001_concurrent.sql']);
    const { rows } = await db.writable.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'c1_x'::regclass`);
    expect(rows).toEqual([{ indisvalid: true }]);
  });

  it('resume an interrupted build: an INVALID index left behind is dropped and built again', async () => {
    await db.writable.query('CREATE TABLE c2 (x int); INSERT INTO c2 VALUES (1), (1)');
    // A unique build over duplicates fails half-way, as an interrupted one does: the index stays, INVALID.
    await expect(db.writable.query('CREATE UNIQUE INDEX CONCURRENTLY c2_x ON c2 (x)')).rejects.toThrow();
    const invalid = await db.writable.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'c2_x'::regclass`);
    expect(invalid.rows).toEqual([{ indisvalid: false }]);
    await db.writable.query('DELETE FROM c2 WHERE ctid = (SELECT max(ctid) FROM c2)');
    const report = await migrate(db.writable, [noTransaction('9002_resume.sql', 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS c2_x ON c2 (x);\n')]);
    expect(report.applied).toEqual(['9002_resume.sql']);
    const { rows } = await db.writable.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'c2_x'::regclass`);
    expect(rows).toEqual([{ indisvalid: true }]);
  });

  it('record a stopped migration only when run again to its end', async () => {
    const failing = noTransaction('9003_stops.sql', 'CREATE TABLE IF NOT EXISTS c3 (x int);\n\nSELECT nope FROM nowhere;\n');
    await expect(migrate(db.writable, [failing])).rejects.toThrow(/9003_stops\.sql stopped .*run migrate again to resume/);
    const recorded = await db.writable.query(`SELECT count(*)::int AS n FROM mailtrail_migrations WHERE name = '9003_stops.sql'`);
    expect(recorded.rows).toEqual([{ n: 0 }]);
    const fixed = { ...failing, sql: failing.sql.replace('SELECT nope FROM nowhere', 'SELECT 1') };
    expect((await migrate(db.writable, [fixed])).applied).toEqual(['9003_stops.sql']);
  });

  it('skip, and report, a statement whose extension the hub lacks', async () => {
    const report = await migrate(db.writable, [
      noTransaction('9004_optional.sql', '-- mailtrail: requires no_such_extension\nCREATE INDEX CONCURRENTLY IF NOT EXISTS c4_x ON c3 (x);\n'),
    ]);
    expect(report.applied).toEqual(['9004_optional.sql']);
    expect(report.skipped).toEqual(['9004_optional.sql: CREATE INDEX CONCURRENTLY IF NOT EXISTS c4_x ON c3 (x) (needs no_such_extension)']);
    const { rows } = await db.writable.query(`SELECT to_regclass('c4_x') AS idx`);
    expect(rows).toEqual([{ idx: null }]);
  });
});
