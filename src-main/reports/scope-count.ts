import type { MailtrailClient } from '../contract/operations';
import type { ReportScope } from '../contract/reports';

/** The operations that count a scope's events; the service and the renderer's client both have them. */
export type ScopeCounter = Pick<MailtrailClient, 'emails/overview' | 'users/summary' | 'activity/count'>;

/**
 * How many events a report of `scope` holds, for a progress bar's "of N" and time left (the CLI's
 * bar, the export dialog): exact, or a lower bound where the count stopped at its own bound; null
 * when it cannot be counted (the export itself then says what is wrong, in its own words). Pure,
 * so the renderer imports it too.
 */
export async function countScope(api: ScopeCounter, scope: ReportScope): Promise<{ count: number; exact: boolean } | null> {
  try {
    if (scope.kind === 'email') return { count: (await api['emails/overview']({ emailId: scope.emailId })).event_count, exact: true };
    if (scope.kind === 'user') return { count: (await api['users/summary']({ userId: scope.userId, from: scope.from, to: scope.to })).total, exact: true };
    const { kind: _kind, ...filter } = scope;
    return await api['activity/count'](filter);
  } catch {
    return null;
  }
}
