import { useEffect, useState } from 'react';
import type { LegalHold } from '../../src-main/contract/retention';
import { useClient } from '../api/client-context';
import { useOffline } from '../app/offline-banner';
import { useTimeZone } from '../app/source-status';
import { LockIcon } from '../components/icons';
import { formatInstant } from '../retention/retention-text';

/**
 * The email's active legal hold, asked for only once the timeline has its first page, so it never
 * delays it. An offline cache answers retention with 503, and any other failure shows nothing either.
 */
export function LegalHoldBanner({ emailId, timelineLoaded }: { emailId: number; timelineLoaded: boolean }) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const offline = useOffline();
  const [hold, setHold] = useState<LegalHold | null>(null);
  useEffect(() => {
    setHold(null);
    if (!timelineLoaded || offline) return;
    let current = true;
    client['retention/holds']({ emailId, limit: 1 })
      .then(({ items }) => current && setHold(items[0] ?? null))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [client, emailId, timelineLoaded, offline]);
  if (!hold) return null;
  return (
    <div className="timeline-hold" role="note" data-testid="timeline-legal-hold" data-email-id={hold.email_id}>
      <LockIcon width={15} height={15} className="timeline-hold__icon" aria-hidden="true" />
      <p>
        <strong>Legal hold</strong> since {formatInstant(hold.held_at, timeZone)}, by {hold.held_by}: <span data-testid="timeline-legal-hold-reason">{hold.reason}</span>. Retention
        archives and purges none of this email’s events until the hold is <a href="#/retention">released</a>.
      </p>
    </div>
  );
}
