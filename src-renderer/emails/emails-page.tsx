import { useCallback } from 'react';
import { EmailId } from '../../src-main/contract/schemas';
import { hrefOf, navigate } from '../app/hash-router';
import { EmptyState, ErrorState } from '../components/states';
import { MailIcon } from '../components/icons';
import { MailtrailError } from '../../src-main/contract/errors';
import { TimelinePane, type TimelineOrder } from '../timeline/timeline-pane';
import { EmailList } from './email-list';
import { backHrefOf } from '../activity/activity-filters';

export interface EmailsPageProps {
  /** The path segment after `emails/`, if any: the open email's id as typed in the URL. */
  emailIdText: string | undefined;
  query: string;
  order: TimelineOrder;
  /** Where the email was opened from (`#/activity?…`), for Esc and Back; absent when opened from the list. */
  back?: string | undefined;
}

/** `#/emails/{id}` opens that email's timeline; anything that is not an email id says so. */
function parseEmailId(text: string | undefined): number | null | MailtrailError {
  if (text === undefined) return null;
  const parsed = /^\d+$/.test(text) ? EmailId.safeParse(Number(text)) : null;
  if (parsed?.success) return parsed.data;
  return new MailtrailError('bad_request', `“${text}” is not an email id; an id is a whole number such as 1042`);
}

export function EmailsPage({ emailIdText, query, order, back: backParam }: EmailsPageProps) {
  const emailId = parseEmailId(emailIdText);
  const openId = typeof emailId === 'number' ? emailId : null;
  const listHref = hrefOf('emails', { q: query || undefined });
  const from = backHrefOf(backParam);
  const back = useCallback(() => navigate(from ?? listHref), [from, listHref]);
  const onQueryChange = useCallback(
    (next: string) => {
      const path = openId === null ? 'emails' : `emails/${openId}`;
      navigate(hrefOf(path, { q: next || undefined, order: openId !== null && order === 'asc' ? 'asc' : undefined }), { replace: true });
    },
    [openId, order],
  );
  const open = useCallback((id: number) => navigate(hrefOf(`emails/${id}`, { q: query || undefined })), [query]);
  const changeOrder = useCallback(
    (next: TimelineOrder) =>
      navigate(hrefOf(`emails/${openId}`, { q: query || undefined, order: next === 'asc' ? 'asc' : undefined, back: from }), { replace: true }),
    [openId, query, from],
  );

  return (
    <div className="split" data-testid="emails-page">
      <EmailList query={query} openEmailId={openId} onQueryChange={onQueryChange} onOpen={open} onBack={back} />
      <div className="split__detail">
        {emailId instanceof MailtrailError ? (
          <ErrorState error={emailId} title="That is not an email id" testId="timeline-error">
            <button type="button" className="button button--secondary" onClick={back} data-testid="back-to-emails">
              Back to {from ? 'Activity' : 'emails'}
            </button>
          </ErrorState>
        ) : emailId === null ? (
          <EmptyState title="Select an email to read its trail" testId="timeline-placeholder" icon={<MailIcon width={22} height={22} />}>
            <p>
              Every fetch, classification, workflow run, rule match, status change and user action is logged. Search on
              the left, move with <kbd>j</kbd> <kbd>k</kbd> or the arrow keys, and press <kbd>Enter</kbd> to open.
            </p>
          </EmptyState>
        ) : (
          <TimelinePane key={emailId} emailId={emailId} order={order} onOrderChange={changeOrder} onBack={back} backLabel={from ? 'Activity' : undefined} />
        )}
      </div>
    </div>
  );
}
