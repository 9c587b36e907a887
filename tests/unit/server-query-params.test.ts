import { describe, expect, it } from 'vitest';
import { MailtrailError } from '../../src-main/contract/errors';
import { isLoopbackHost } from '../../src-main/server/http-server';
import { nameParameters, parseInteger, parseQuery, type ParamSpecs } from '../../src-main/server/query-params';
import { REST_ROUTES } from '../../src-main/server/rest-routes';
import { contentTypeOf } from '../../src-main/security/renderer-files';

const SPECS: ParamSpecs = {
  limit: { field: 'limit', kind: 'integer' },
  order: { field: 'order', kind: 'text' },
  event_type: { field: 'eventTypes', kind: 'text-list' },
  user_id: { field: 'userIds', kind: 'integer-list' },
};

const parse = (query: string) => parseQuery(new URLSearchParams(query), SPECS);

describe('query strings become request objects', () => {
  it('maps snake_case parameters to camelCase fields and converts numbers', () => {
    expect(parse('limit=50&order=asc&event_type=error&user_id=5')).toEqual({ limit: 50, order: 'asc', eventTypes: ['error'], userIds: [5] });
    expect(parse('')).toEqual({});
  });

  it('reads include_archived=true or false and refuses anything else (issue 13, item 5)', () => {
    const specs: ParamSpecs = { include_archived: { field: 'includeArchived', kind: 'boolean' } };
    expect(parseQuery(new URLSearchParams('include_archived=true'), specs)).toEqual({ includeArchived: true });
    expect(parseQuery(new URLSearchParams('include_archived=false'), specs)).toEqual({ includeArchived: false });
    for (const bad of ['include_archived=1', 'include_archived=yes', 'include_archived=', 'include_archived=true&include_archived=true']) {
      expect(() => parseQuery(new URLSearchParams(bad), specs)).toThrow(/^include_archived: must be true or false/);
    }
    const analytics = REST_ROUTES.filter((route) => 'include_archived' in route.query).map((route) => route.operation);
    expect(analytics.sort()).toEqual(['activity/extent', 'activity/stats', 'analytics/error-impact', 'analytics/errors', 'analytics/timeseries', 'analytics/workflows']);
  });

  it('reads repeated and comma-separated list values alike', () => {
    expect(parse('event_type=error,read&event_type=linked')).toEqual({ eventTypes: ['error', 'read', 'linked'] });
    expect(parse('user_id=1,2&user_id=3')).toEqual({ userIds: [1, 2, 3] });
  });

  it.each(['12abc', '1e3', '0x10', '', ' 5', '5 ', '+5', '1.0', '١٢'])('refuses %j as a number, naming the parameter', (text) => {
    expect(() => parseInteger('limit', text)).toThrow(MailtrailError);
    expect(() => parseInteger('limit', text)).toThrow(/^limit: /);
  });

  it('passes -1 on so that the schema can say the allowed range, and refuses numbers past 2^53', () => {
    expect(parseInteger('limit', '-1')).toBe(-1);
    expect(() => parseInteger('limit', '9007199254740993')).toThrow(/limit: 9007199254740993 is out of range/);
  });

  it('refuses unknown parameters, naming them and the allowed ones', () => {
    expect(() => parse('limit=5&evil=1&also=2')).toThrow('unknown query parameters "evil", "also"; this endpoint takes limit, order, event_type, user_id');
    expect(() => parseQuery(new URLSearchParams('x=1'), {})).toThrow('unknown query parameter "x"; this endpoint takes none');
  });

  it('reads key=value conditions, splitting at the first =', () => {
    const specs: ParamSpecs = { metadata: { field: 'metadata', kind: 'key-value-list' } };
    expect(parseQuery(new URLSearchParams('metadata=error_type=a=b,c&metadata=n=1'), specs)).toEqual({
      metadata: [
        { key: 'error_type', value: 'a=b,c' },
        { key: 'n', value: '1' },
      ],
    });
    expect(() => parseQuery(new URLSearchParams('metadata==x'), specs)).toThrow(/metadata: must be key=value/);
  });

  it('refuses a single-valued parameter given twice, and empty list items', () => {
    expect(() => parse('limit=5&limit=6')).toThrow('limit: given 2 times; give it once');
    expect(() => parse('event_type=error,')).toThrow(/event_type: has an empty value/);
  });
});

describe('error messages name what the HTTP caller wrote', () => {
  it('renames request fields to query parameters, list indexes included', () => {
    expect(nameParameters('eventTypes.0: must be an event type; limit: must be between 1 and 1000', SPECS)).toBe(
      'event_type: must be an event type; limit: must be between 1 and 1000',
    );
    expect(nameParameters('emailId: must be a positive id', SPECS, { emailId: 'email id in the path' })).toBe('email id in the path: must be a positive id');
    expect(nameParameters('no email with id 9 in the log', SPECS)).toBe('no email with id 9 in the log');
    expect(nameParameters('metadata.1.key: must be a metadata key', { metadata: { field: 'metadata', kind: 'key-value-list' } })).toBe(
      'metadata key: must be a metadata key',
    );
  });
});

describe('routes and hosts', () => {
  it('match the seed paths, the fixed ones before the id route', () => {
    const operationOf = (path: string) => REST_ROUTES.find((route) => route.path.test(path))?.operation;
    expect(operationOf('/api/v1/emails/123/activity')).toBe('emails/timeline');
    expect(operationOf('/api/v1/emails/activity/recent')).toBe('activity/recent');
    expect(operationOf('/api/v1/emails/activity/stats')).toBe('activity/stats');
    expect(operationOf('/api/v1/emails/123/activity/extra')).toBeUndefined();
  });

  it('know which hosts are loopback', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '192.168.1.10', '::', 'example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('give renderer files their content types', () => {
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('assets/index-abc.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('font.WOFF2')).toBe('font/woff2');
    expect(contentTypeOf('unknown.bin')).toBe('application/octet-stream');
  });
});
