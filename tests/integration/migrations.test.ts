import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src-main/db/migrate';
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
