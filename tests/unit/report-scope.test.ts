import { describe, expect, it } from 'vitest';
import { ReportScope } from '../../src-main/contract/reports';
import { filtersFromParams } from '../../src-renderer/activity/activity-filters';
import { rangeFromParams } from '../../src-renderer/analytics/date-range';
import { activityScope, analyticsScope, defaultTitle, emailScope, exportQuery, userAuditScope } from '../../src-renderer/reports/report-scope';

const TODAY = '2026-05-31';
const range = (query: string) => rangeFromParams(new URLSearchParams(query), TODAY, { oldest: '2025-01-01', newest: TODAY });

describe('what each screen exports: its own filters as a report scope (issue 14, item 4)', () => {
  it('the timeline: that email', () => {
    expect(emailScope(42)).toEqual({ kind: 'email', emailId: 42 });
    expect(defaultTitle(emailScope(42))).toBe('Email #42 timeline');
  });

  it('the activity explorer: every filter in the address, live mode not', () => {
    const filters = filtersFromParams(
      new URLSearchParams('type=error,read&category=system&user=5&email=7,8&text=%20invoice%20&meta=error_type%3Dextraction_failed&from=2026-05-01&to=2026-05-31&live=1'),
    );
    const scope = activityScope(filters);
    expect(scope).toEqual({
      kind: 'activity',
      eventTypes: ['error', 'read'],
      eventCategories: ['system'],
      userIds: [5],
      emailIds: [7, 8],
      text: 'invoice',
      metadata: [{ key: 'error_type', value: 'extraction_failed' }],
      from: '2026-05-01',
      to: '2026-05-31',
    });
    expect(ReportScope.parse(scope)).toEqual(scope);
    expect(defaultTitle(scope)).toBe('Activity (error, read; system events; emails #7, #8; user #5; “invoice”; error_type=extraction_failed), 1 May 2026 – 31 May 2026');
  });

  it('the activity explorer without filters: the whole log, named so', () => {
    const scope = activityScope(filtersFromParams(new URLSearchParams('')));
    expect(scope).toEqual({ kind: 'activity' });
    expect(defaultTitle(scope)).toBe('Activity, all time');
  });

  it('statistics: every event of its range; All time is unbounded', () => {
    expect(analyticsScope('statistics', range('range=30d'))).toEqual({ kind: 'activity', from: '2026-05-01', to: '2026-05-31' });
    expect(analyticsScope('statistics', range('range=all'))).toEqual({ kind: 'activity' });
    expect(defaultTitle(analyticsScope('statistics', range('range=all')), { screen: 'statistics' })).toBe('Activity, all time');
  });

  it('errors: the error events of its range', () => {
    const scope = analyticsScope('errors', range('range=custom&from=2026-01-01&to=2026-03-31'));
    expect(scope).toEqual({ kind: 'activity', eventTypes: ['error'], from: '2026-01-01', to: '2026-03-31' });
    expect(defaultTitle(scope, { screen: 'errors' })).toBe('Errors, 1 Jan 2026 – 31 Mar 2026');
  });

  it('workflows: the workflow runs of its range, of the workflow and outcome chosen', () => {
    expect(analyticsScope('workflows', range('range=7d'))).toEqual({ kind: 'activity', eventTypes: ['workflow_executed'], from: '2026-05-24', to: '2026-05-31' });
    const chosen = analyticsScope('workflows', range('range=7d'), new URLSearchParams('workflow=Invoice Processing&status=failed'));
    expect(chosen).toMatchObject({ metadata: [{ key: 'workflow_name', value: 'Invoice Processing' }, { key: 'status', value: 'failed' }] });
    expect(ReportScope.parse(chosen)).toEqual(chosen);
    expect(defaultTitle(chosen, { screen: 'workflows' })).toBe('Workflow runs of Invoice Processing, 24 May 2026 – 31 May 2026');
    // An outcome the screen does not offer is not exported as a filter.
    expect(analyticsScope('workflows', range('range=7d'), new URLSearchParams('status=bogus'))).not.toHaveProperty('metadata');
  });

  it('the user audit: that user over its range; narrowed to event types, the explorer scope for them', () => {
    expect(userAuditScope(3, range('range=all'))).toEqual({ kind: 'user', userId: 3 });
    expect(defaultTitle(userAuditScope(3, range('range=90d')), { user: 'Anna Hansen' })).toBe('Anna Hansen audit, 2 Mar 2026 – 31 May 2026');
    const typed = userAuditScope(3, range('range=90d'), ['read', 'linked']);
    expect(typed).toEqual({ kind: 'activity', userIds: [3], eventTypes: ['read', 'linked'], from: '2026-03-02', to: '2026-05-31' });
    expect(ReportScope.parse(typed)).toEqual(typed);
  });

  it('open-ended ranges are said as such', () => {
    expect(defaultTitle({ kind: 'activity', from: '2026-05-01' })).toBe('Activity, since 1 May 2026');
    expect(defaultTitle({ kind: 'user', userId: 9, to: '2026-05-01T12:00:00' })).toBe('User #9 audit, up to 1 May 2026');
  });
});

describe('the export download’s query string (GET /api/v1/emails/activity/export)', () => {
  const parsed = (query: string) => [...new URLSearchParams(query)];

  it('carries the explorer’s filters in recent activity’s snake_case names, lists repeated, metadata as key=value', () => {
    const query = exportQuery(
      {
        kind: 'activity',
        eventTypes: ['error', 'read'],
        eventCategories: ['user'],
        userIds: [5],
        emailIds: [7, 8],
        text: 'a&b=c',
        metadata: [{ key: 'error_type', value: 'x=y, z' }],
        from: '2026-05-01',
        to: '2026-05-31T12:00:00',
      },
      'csv',
      '  Errors in May  ',
    );
    expect(parsed(query)).toEqual([
      ['format', 'csv'],
      ['scope', 'activity'],
      ['event_type', 'error'],
      ['event_type', 'read'],
      ['event_category', 'user'],
      ['user_id', '5'],
      ['email_id', '7'],
      ['email_id', '8'],
      ['text', 'a&b=c'],
      ['metadata', 'error_type=x=y, z'],
      ['from', '2026-05-01'],
      ['to', '2026-05-31T12:00:00'],
      ['title', 'Errors in May'],
    ]);
  });

  it('names one email, or one user with the range', () => {
    expect(parsed(exportQuery({ kind: 'email', emailId: 42 }, 'jsonl'))).toEqual([
      ['format', 'jsonl'],
      ['scope', 'email'],
      ['email_id', '42'],
    ]);
    expect(parsed(exportQuery({ kind: 'user', userId: 3, from: '2026-01-01' }, 'pdf', 'Anna'))).toEqual([
      ['format', 'pdf'],
      ['scope', 'user'],
      ['user_id', '3'],
      ['from', '2026-01-01'],
      ['title', 'Anna'],
    ]);
  });

  it('leaves out a blank title, so the server names the report from its scope', () => {
    expect(parsed(exportQuery({ kind: 'activity' }, 'html', '   '))).toEqual([
      ['format', 'html'],
      ['scope', 'activity'],
    ]);
  });
});
