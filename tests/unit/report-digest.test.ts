import { describe, expect, it } from 'vitest';
import type { ReportProvenance } from '../../src-main/contract/reports';
import { stringify } from 'csv-stringify/sync';
import type { ActivityEvent } from '../../src-main/contract/schemas';
import { csvRows, neutralise, restore } from '../../src-main/reports/csv-layout';
import { canonicalJson, canonicalRow, canonicalRowMetadata, ReportDigest, rowEvent } from '../../src-main/reports/digest';
import type { EventRow } from '../../src-main/store/log-store';

/** An event as streamEvents gives it. */
const rowOf = (event: ActivityEvent): EventRow => [
  event.id,
  event.email_id,
  event.event_type,
  event.event_category,
  event.description,
  event.metadata,
  event.user_id,
  event.user_name,
  event.created_at,
  event.created_by,
  event.archived ?? null,
];

const provenance: ReportProvenance = {
  mailtrail_report: 1,
  title: 'Sag 2026-17: æøå',
  format: 'jsonl',
  generated_at: '2026-11-28T12:00:00.000Z',
  generated_by: 'auditor',
  source: { kind: 'postgres', host: '127.0.0.1', database: 'hub' },
  time_zone: 'Europe/Copenhagen',
  mailtrail_version: '0.1.0',
  scope: { kind: 'email', emailId: 42 },
  scope_text: 'email 42',
  checkpoint: null,
};
const event = { id: 1, email_id: 42, event_type: 'fetched', metadata: { b: 1, a: [2, { d: null, c: 'x' }] } };

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'two'], c: null } })).toBe('{"a":{"c":null,"d":[1,"two"]},"b":1}');
  });
  it('leaves out undefined members, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 'æ' })).toBe('{"b":"æ"}');
  });
  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/cannot hold/);
  });
});

describe('ReportDigest', () => {
  const digestOf = (p: ReportProvenance, events: unknown[], matched?: number) => {
    const digest = new ReportDigest(p);
    for (const e of events) digest.add(e);
    return digest.finish(matched).sha256;
  };
  const base = digestOf(provenance, [event, { ...event, id: 2 }]);

  it('is the same for the same report, whatever the key order', () => {
    expect(digestOf({ ...provenance }, [{ metadata: event.metadata, event_type: 'fetched', email_id: 42, id: 1 }, { ...event, id: 2 }])).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
  it('changes with one character of one event, a removed event, the order, the provenance or the matched count', () => {
    expect(digestOf(provenance, [{ ...event, event_type: 'fetchee' }, { ...event, id: 2 }])).not.toBe(base);
    expect(digestOf(provenance, [event])).not.toBe(base);
    expect(digestOf(provenance, [{ ...event, id: 2 }, event])).not.toBe(base);
    expect(digestOf({ ...provenance, title: 'Sag 2026-18: æøå' }, [event, { ...event, id: 2 }])).not.toBe(base);
    expect(digestOf(provenance, [event, { ...event, id: 2 }], 3)).not.toBe(base);
  });
});

describe('canonicalRow (the export hot path)', () => {
  const full = {
    id: 7,
    email_id: 42,
    event_type: 'error',
    event_category: 'system',
    description: 'Kunne ikke læse "PDF"\n',
    metadata: { z: [1, { y: 'æ', x: null }], a: true, m: 1.5 },
    user_id: null,
    user_name: null,
    created_at: '2026-05-01T10:00:00.123',
    created_by: 'system',
  };
  it.each([
    ['an event of the log', full],
    ['an archived timeline event', { ...full, archived: true }],
    ['a live timeline event, no metadata, a user', { ...full, archived: false, metadata: null, user_id: 3, user_name: 'Åse' }],
  ])('writes %s exactly as canonicalJson does', (_name, item: ActivityEvent) => {
    const row = rowOf(item);
    expect(canonicalRow(row, canonicalRowMetadata(row))).toBe(canonicalJson(item));
    expect(rowEvent(row)).toStrictEqual(item);
  });
});

describe('the CSV formula rule', () => {
  it.each(['=SUM(A1)', '+1', '-2', '@x', '\tx', '\rx', "'quoted", "''twice", 'plain', '', 'æ=ø'])('undoes exactly for %j', (text) => {
    expect(restore(neutralise(text))).toBe(text);
  });
  it('puts a quote before a formula, and before a leading quote', () => {
    expect(neutralise('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(neutralise("'a")).toBe("''a");
    expect(neutralise('a=b')).toBe('a=b');
  });
});

describe('the CSV rows', () => {
  it('are what csv-stringify writes for the same cells', () => {
    const base = {
      id: 7,
      email_id: 42,
      event_type: 'error',
      event_category: 'system',
      description: 'plain',
      metadata: null,
      user_id: null,
      user_name: null,
      created_at: '2026-05-01T10:00:00.123',
      created_by: 'system',
    };
    const events = [
      base,
      { ...base, description: 'comma, "quote"\r\nand lines', metadata: { b: 'x,y', a: -1 }, user_id: 3, user_name: '', created_by: null, archived: true },
      { ...base, description: '=1+1', user_name: "'Åse", created_by: '@me', metadata: { n: -5 }, archived: false },
      { ...base, description: '', metadata: [1, 2] as never, created_at: null as never },
    ];
    const cells = events.map((event) => [
      neutralise(String(event.id)),
      neutralise(String(event.email_id)),
      event.created_at === null ? null : neutralise(event.created_at),
      neutralise(event.event_type),
      neutralise(event.event_category),
      neutralise(event.description),
      event.metadata === null ? null : neutralise(canonicalJson(event.metadata)),
      event.user_id === null ? null : String(event.user_id),
      event.user_name === null ? null : neutralise(event.user_name),
      event.created_by === null ? null : neutralise(event.created_by),
      'archived' in event ? String(event.archived) : null,
    ]);
    const { rows, canonical } = csvRows([rowOf(base), ...events.map((event) => rowOf(event as ActivityEvent))], 1, events.length + 1);
    expect(rows).toBe(stringify(cells, { record_delimiter: 'windows', quoted_match: /^$/ }));
    expect(canonical).toBe(events.map((event) => `${canonicalJson(event)}\n`).join(''));
  });
});
