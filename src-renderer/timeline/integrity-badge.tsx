import { useEffect, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { EmailIntegrity } from '../../src-main/contract/integrity';
import { useClient } from '../api/client-context';
import { useTimeZone } from '../app/source-status';
import { badgeView } from '../integrity/integrity-text';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { formatInstant } from '../retention/retention-text';

/**
 * The email's events checked against the sealed log, asked for once the timeline has its first page
 * so it never delays it: sealed up to a checkpoint, or the failure in red, linking to the Integrity
 * screen; grey and quiet where the source cannot say (never sealed, an offline cache).
 */
export function IntegrityBadge({ emailId, timelineLoaded }: { emailId: number; timelineLoaded: boolean }) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const [check, setCheck] = useState<EmailIntegrity | null>(null);
  const [error, setError] = useState<MailtrailError | null>(null);
  useEffect(() => {
    setCheck(null);
    setError(null);
    if (!timelineLoaded) return;
    let current = true;
    client['integrity/email']({ emailId })
      .then((answer) => current && setCheck(answer))
      .catch((failure: unknown) => current && setError(asMailtrailError(failure)));
    return () => {
      current = false;
    };
  }, [client, emailId, timelineLoaded]);
  // The check runs as the timeline opens: the time of day says when.
  const view = badgeView(check, error, (iso) => formatInstant(iso, timeZone, false).slice(11));
  if (!view) return null;
  return (
    <a
      className={`fact integrity-badge integrity-badge--${view.tone}`}
      href="#/integrity"
      title={view.detail}
      aria-label={`Integrity: ${view.detail}`}
      data-testid="timeline-integrity"
      data-tone={view.tone}
    >
      {view.text}
    </a>
  );
}
