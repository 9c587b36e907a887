import type { ComponentType, SVGProps } from 'react';
import { WorkflowIcon, ActivityIcon, ArchiveIcon, ChartIcon, JournalIcon, MailIcon, ReportIcon, SealIcon, SettingsIcon, HelpIcon, BackupIcon } from '../components/icons';

export type Section = 'emails' | 'activity' | 'analytics' | 'retention' | 'reports' | 'settings' | 'journal' | 'integrity' | 'workflows' | 'backups' | 'help';

interface SectionLink {
  section: Section;
  label: string;
  Icon: ComponentType<SVGProps<SVGSVGElement>>;
  soon?: boolean;
}

const PRIMARY: SectionLink[] = [
  { section: 'emails', label: 'Emails', Icon: MailIcon },
  { section: 'activity', label: 'Activity', Icon: ActivityIcon },
  { section: 'analytics', label: 'Analytics', Icon: ChartIcon },
  { section: 'workflows', label: 'Workflows', Icon: WorkflowIcon },
  { section: 'retention', label: 'Retention', Icon: ArchiveIcon },
  { section: 'backups', label: 'Backups', Icon: BackupIcon },
  { section: 'reports', label: 'Reports', Icon: ReportIcon },
  { section: 'journal', label: 'Journal', Icon: JournalIcon },
  { section: 'integrity', label: 'Integrity', Icon: SealIcon },
];
const SECONDARY: SectionLink[] = [
  { section: 'help', label: 'Help', Icon: HelpIcon },
  { section: 'settings', label: 'Settings', Icon: SettingsIcon },
];

function Link({ link, active }: { link: SectionLink; active: boolean }) {
  return (
    <li>
      <a
        href={`#/${link.section}`}
        className={`nav-link${active ? ' nav-link--active' : ''}`}
        aria-current={active ? 'page' : undefined}
        data-testid={`nav-${link.section}`}
      >
        <link.Icon width={16} height={16} />
        <span>{link.label}</span>
        {link.soon && <span className="nav-link__soon">Soon</span>}
      </a>
    </li>
  );
}

export function Sidebar({ active }: { active: Section }) {
  return (
    <nav className="sidebar" aria-label="Sections" data-testid="sidebar">
      <div className="brand">
        <span className="brand__mark" aria-hidden="true">
          <MailIcon width={15} height={15} />
        </span>
        <span className="brand__name">Mailtrail</span>
      </div>
      <ul className="nav-list">
        {PRIMARY.map((link) => (
          <Link key={link.section} link={link} active={active === link.section} />
        ))}
      </ul>
      <ul className="nav-list nav-list--bottom">
        {SECONDARY.map((link) => (
          <Link key={link.section} link={link} active={active === link.section} />
        ))}
      </ul>
      <p className="sidebar__hint">
        <kbd>/</kbd> search · <kbd>j</kbd> <kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>Esc</kbd> back
      </p>
    </nav>
  );
}
