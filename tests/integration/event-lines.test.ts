import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../src-main/db/query';
import { sql } from '../../src-main/db/sql';
import { rowsAsLines } from '../../src-main/reports/event-lines';
import type { EventLines, EventLinesFormat, EventScope } from '../../src-main/store/log-store';
import type { TestDatabase } from '../support/database';
import { archiveEvents, BACKENDS, createStoreFixture, type StoreFixture } from '../support/stores';

/**
 * LogStore.streamEventLines against real PostgreSQL and its offline cache: the lines PostgreSQL's
 * COPY text gives (reports/copy-event-lines.ts) are byte for byte those the rows give (the way
 * reports were made before, and the cache's way), for events at every edge a log can hold.
 */

let fixture: StoreFixture;
const EDGE_EMAIL_ID = 1_900_000_000;
const BULK_EMAIL_ID = 1_900_000_001;

// Metadata as the hub could have written it: jsonb's key order and numbers differ from canonical JSON.
const EDGE_METADATA = [
  '{"z": {"b": 1, "a": [1, {"d": null, "c": "x"}]}, "a": true, "source": "imap", "message_id": "m-1"}',
  '[3, "=cmd", {"b": 2, "a": 1}, [], {}]',
  '{"é": 1, "z": 2, "e": 3, "Z": 4, "ø": 5, "😀": 6, "\ue000": 7, "\ufb00": 8, "aa": 9, "a": 10}',
  '{"a": 1.50, "b": 1e3, "c": -0, "d": 12345678901234567890, "e": 0.1, "f": 1e-7, "g": 0.000001, "h": 1E+21, "i": 100000000000000000000, "j": -0.0, "k": 123456789012345, "l": 1234567890123456, "m": -2.5e-5}',
  '{"s": "line\\nbreak\\ttab\\\\back \\"quote\\" \\u0001\\u001f /slash \u007f æøå\\r\\n"}',
  '{"we\\"ird": 1, "new\\nline": 2, "back\\\\slash": {"y": "\\\\", "x": "\\""}}',
  '5',
  '-3',
  '"=cmd"',
  'null',
  'true',
  '{}',
  '[]',
];

const EDGE_TEXTS = ['=cmd', 'line1\r\nline2', 'tab\there', 'C:\\new\\table', 'quote "x", comma', '\u0001ctrl\u001f\u007f', '', '+1', '-2', '@x', "'quoted", '\ttab first', '\rCR first', 'æøå ÆØÅ 😀', "o'neil \\' --"];

async function writeEdgeRows(database: TestDatabase): Promise<void> {
  const db = database.writable;
  const [user] = await query<{ id: number }>(db, sql`INSERT INTO users (username, full_name) VALUES ('=kalk', 'Navn, "Citat" og æ') RETURNING id`);
  for (const [index, metadata] of EDGE_METADATA.entries()) {
    await query(
      db,
      sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_at, created_by)
          VALUES (${EDGE_EMAIL_ID}, 'note', 'system', ${`metadata ${index}`}, ${metadata}::jsonb, ${user!.id}, ${`2025-04-0${1 + (index % 9)} 10:00:0${index % 10}.12${index}`}, 'system')`,
    );
  }
  for (const [index, text] of EDGE_TEXTS.entries()) {
    await query(
      db,
      sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_at, created_by)
          VALUES (${EDGE_EMAIL_ID}, ${index % 2 ? "o'neil" : 'note'}, 'user', ${text}, NULL, ${index % 3 ? null : user!.id}, ${index % 4 ? '2025-04-10 11:00:00' : null}, ${index % 5 ? text : null})`,
    );
  }
  // Enough events for several runs of lines (about a megabyte each), so a stop can come in the middle.
  await query(
    db,
    sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at, created_by)
        SELECT ${BULK_EMAIL_ID}, 'note', 'system', 'bulk note ' || n || ' ' || repeat('æøå, "x" ', 30), jsonb_build_object('n', n, 'source', 'bulk'),
               '2024-01-01'::timestamp + n * interval '1 second', 'bulk'
        FROM generate_series(1, 8000) AS n`,
  );
  // A few of them archived: an email's timeline merges both tables.
  await archiveEvents(database, sql`email_id = ${EDGE_EMAIL_ID} AND description IN ('metadata 1', 'metadata 3', 'line1\r\nline2')`);
}

beforeAll(async () => {
  fixture = await createStoreFixture({ emails: 150, archive: true, moreRows: writeEdgeRows });
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});

async function collect(runs: AsyncIterable<EventLines>): Promise<{ lines: string; canonical: string; events: number }> {
  const lines: Buffer[] = [];
  const canonical: Buffer[] = [];
  let events = 0;
  for await (const run of runs) {
    lines.push(run.lines);
    canonical.push(run.canonical);
    events += run.events;
  }
  return { lines: Buffer.concat(lines).toString(), canonical: Buffer.concat(canonical).toString(), events };
}

const scopes = (): [string, EventScope][] => [
  ['the whole log', { kind: 'activity' }],
  ['the edge email\'s timeline, archived events merged', { kind: 'email', emailId: EDGE_EMAIL_ID }],
  ['one email of the demo', { kind: 'email', emailId: fixture.special.emailId }],
  ['one user', { kind: 'user', userId: fixture.special.userId, from: '2020-01-01' }],
  ['types with a quote, a text with a quote', { kind: 'activity', eventTypes: ["o'neil", 'note'], text: 'quote "x"' }],
  ['a text with a backslash and a quote', { kind: 'activity', text: "o'neil \\' --" }],
  ['a metadata condition and a range', { kind: 'activity', metadata: [{ key: 'source', value: 'imap' }], from: '2025-01-01', to: '2025-12-31' }],
  ['categories and emails', { kind: 'activity', eventCategories: ['user', 'system'], emailIds: [EDGE_EMAIL_ID, fixture.special.emailId] }],
];

describe('LogStore.streamEventLines', () => {
  it.each(['csv', 'jsonl'] as const)('gives, as %s, the bytes the rows give, from PostgreSQL\'s COPY and from the offline cache', async (format: EventLinesFormat) => {
    for (const [name, scope] of scopes()) {
      const rows = await collect(rowsAsLines(fixture.backends.postgres.store.streamEvents(scope), format));
      expect(rows.events, `${name} finds events`).toBeGreaterThan(0);
      for (const backend of BACKENDS) {
        const lines = await collect(fixture.backends[backend].store.streamEventLines(scope, format));
        expect(lines.events, `${name} from ${backend}`).toBe(rows.events);
        expect(lines.canonical, `${name}: canonical lines from ${backend}`).toBe(rows.canonical);
        expect(lines.lines, `${name}: ${format} lines from ${backend}`).toBe(rows.lines);
      }
    }
  });

  it('holds every edge event, each line as canonical as the rows make it', async () => {
    const { canonical, events } = await collect(fixture.backends.postgres.store.streamEventLines({ kind: 'email', emailId: EDGE_EMAIL_ID }, 'jsonl'));
    expect(events).toBe(EDGE_METADATA.length + EDGE_TEXTS.length);
    const parsed = canonical.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((event) => event.description === 'metadata 2')!.metadata).toEqual({ é: 1, z: 2, e: 3, Z: 4, ø: 5, '😀': 6, '\ue000': 7, '\ufb00': 8, aa: 9, a: 10 });
    // Code-unit order: "😀" (a surrogate pair, 0xD83D first) before U+E000 and U+FB00, unlike UTF-8's byte order.
    expect(canonical).toContain('"metadata":{"Z":4,"a":10,"aa":9,"e":3,"z":2,"é":1,"ø":5,"😀":6,"\ue000":7,"\ufb00":8}');
    expect(canonical).toContain('"metadata":{"a":1.5,"b":1000,"c":0,"d":12345678901234567000,"e":0.1,"f":1e-7,"g":0.000001,"h":1e+21,"i":100000000000000000000,"j":0,"k":123456789012345,"l":1234567890123456,"m":-0.000025}');
    expect(canonical).toContain('"description":"C:\\\\new\\\\table"');
    expect(canonical).toContain('"description":"\\u0001ctrl\\u001f\u007f"');
    expect(parsed.filter((event) => event.archived === true)).toHaveLength(3);
  });

  it('reads a filter\'s quotes and backslashes as values: nothing of them runs as SQL', async () => {
    const tricky: EventScope[] = [
      { kind: 'activity', text: "'); DROP TABLE users; --" },
      { kind: 'activity', text: "\\'; SELECT 1; --" },
      { kind: 'activity', eventTypes: ["x' OR '1'='1", 'y'], metadata: [{ key: "k'); --", value: "\\' OR true --" }] },
    ];
    for (const scope of tricky) {
      const lines = await collect(fixture.backends.postgres.store.streamEventLines(scope, 'jsonl'));
      expect(lines.events, JSON.stringify(scope)).toBe(0);
    }
    expect((await fixture.backends.postgres.store.users()).length).toBeGreaterThan(0);
  });

  it('lets go of its connection when stopped after the first lines, and the store goes on answering', async () => {
    const viewerSessions = async (state: string) =>
      Number(
        (
          await query<{ n: string }>(
            fixture.database.writable,
            sql`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'mailtrail-viewer' AND state LIKE ${state}`,
          )
        )[0]!.n,
      );
    for (const backend of BACKENDS) {
      const { store } = fixture.backends[backend];
      // More stops than the pool has connections: a leaked one would make the later ones wait for ever.
      for (let round = 0; round < 12; round++) {
        const stream = store.streamEventLines({ kind: 'activity' }, round % 2 ? 'csv' : 'jsonl');
        const first = await stream.next();
        expect(first.done).toBe(false);
        // The first run of several: the COPY is still going when the stream is stopped.
        expect((first.value as EventLines).events).toBeGreaterThan(0);
        expect((first.value as EventLines).events).toBeLessThan(8000);
        expect((await store.recentActivity({ limit: 3 })).events).toHaveLength(3);
        await stream.return(undefined);
      }
      if (backend === 'postgres') {
        // The COPY of a closed connection ends in PostgreSQL at once: no session stays in it.
        await expect.poll(() => viewerSessions('idle in transaction%'), { timeout: 5_000 }).toBe(0);
        await expect.poll(() => viewerSessions('active'), { timeout: 5_000 }).toBe(0);
      }
      expect((await collect(store.streamEventLines({ kind: 'email', emailId: EDGE_EMAIL_ID }, 'csv'))).events).toBe(EDGE_METADATA.length + EDGE_TEXTS.length);
    }
  });
});
