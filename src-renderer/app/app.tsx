import { ActivityPage } from '../activity/activity-page';
import { AnalyticsPage } from '../analytics/analytics-page';
import { EmailsPage } from '../emails/emails-page';
import { HelpPage } from '../help/help-page';
import { IntegrityPage } from '../integrity/integrity-page';
import { JournalPage } from '../journal/journal-page';
import { ReportsPage } from '../reports/reports-page';
import { RetentionPage } from '../retention/retention-page';
import { BackupsPage } from '../backups/backups-page';
import { EmptyState } from '../components/states';
import { SettingsPage } from '../settings/settings-page';
import { SyncPanel } from '../sync/sync-panel';
import { ExecutionPage } from '../workflows/execution-page';
import { WorkflowEditor } from '../workflows/workflow-editor';
import { WorkflowsPage } from '../workflows/workflows-page';
import { CopyLinkButton } from './copy-link';
import { PageErrorBoundary } from './error-boundary';
import { useRoute } from './hash-router';
import { OfflineBanner } from './offline-banner';
import { Sidebar, type Section } from './sidebar';
import { SourceBadge } from './source-badge';

const SECTIONS: Section[] = ['emails', 'activity', 'analytics', 'retention', 'reports', 'settings', 'journal', 'integrity', 'workflows', 'backups', 'help'];
const TITLES: Record<Section, string> = {
  emails: 'Emails',
  activity: 'Activity',
  analytics: 'Analytics',
  retention: 'Retention',
  reports: 'Reports',
  settings: 'Settings',
  journal: 'Journal',
  integrity: 'Integrity',
  workflows: 'Workflows',
  backups: 'Backups',
  help: 'Help',
};

export function App() {
  const route = useRoute();
  const [first = 'emails', second, third] = route.segments;
  // An execution's page (`#/workflow-executions/{id}`, the REST API's word) belongs to Workflows.
  const section = first === 'workflow-executions' ? 'workflows' : (SECTIONS as string[]).includes(first) ? (first as Section) : null;
  const page = (() => {
    // A link whose %-escapes do not decode (e.g. #/emails/%E0) says so instead of blanking the app.
    if (route.malformed !== null) {
      return (
        <div className="page page--narrow">
          <div className="state state--error" role="alert" data-testid="malformed-link">
            <h2 className="state__title">This link is malformed</h2>
            <p className="state__message">
              Its part <code>{route.malformed}</code> is not a valid %-escape (UTF-8), so Mailtrail cannot read it.
            </p>
            <p className="state__body">
              The link may have been cut or mangled when it was copied. <a href="#/emails">Go to Emails</a>.
            </p>
          </div>
        </div>
      );
    }
    switch (section) {
      case 'emails':
        return (
          <EmailsPage
            emailIdText={second}
            query={route.params.get('q') ?? ''}
            order={route.params.get('order') === 'asc' ? 'asc' : 'desc'}
            back={route.params.get('back') ?? undefined}
          />
        );
      case 'activity':
        return <ActivityPage params={route.params} />;
      case 'analytics':
        return <AnalyticsPage tabText={second} params={route.params} />;
      case 'retention':
        return <RetentionPage />;
      case 'reports':
        return <ReportsPage />;
      case 'settings':
        return <SettingsPage />;
      case 'journal':
        return <JournalPage params={route.params} />;
      case 'integrity':
        return <IntegrityPage />;
      case 'backups':
        return <BackupsPage />;
      case 'help':
        return <HelpPage segments={route.segments.slice(1)} section={route.params.get('section')} />;
      case 'workflows':
        if (first === 'workflow-executions') return <ExecutionPage executionIdText={second} />;
        // `#/workflows/new` and `#/workflows/{id}/edit`: the editor; anything else under workflows is the list.
        if (second === 'new' && third === undefined) return <WorkflowEditor />;
        if (second !== undefined && third === 'edit') return <WorkflowEditor workflowIdText={second} />;
        return <WorkflowsPage params={route.params} />;
      default:
        return (
          <div className="page page--narrow">
            <EmptyState title="This page does not exist" testId="not-found-page">
              <p>
                There is nothing at <code>{window.location.hash}</code>. <a href="#/emails">Go to Emails</a>.
              </p>
            </EmptyState>
          </div>
        );
    }
  })();

  return (
    <div className="shell">
      <Sidebar active={section ?? 'emails'} />
      <div className="shell__main">
        <header className="topbar" data-testid="topbar">
          <span className="topbar__title">{section ? TITLES[section] : 'Not found'}</span>
          <div className="topbar__end">
            <CopyLinkButton />
            <SourceBadge />
          </div>
        </header>
        <OfflineBanner />
        <SyncPanel />
        <main className="shell__content" id="main">
          <PageErrorBoundary resetKey={window.location.hash}>{page}</PageErrorBoundary>
        </main>
      </div>
    </div>
  );
}
