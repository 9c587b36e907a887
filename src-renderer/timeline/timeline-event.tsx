import { memo } from 'react';
import type { ActivityEvent } from '../../src-main/contract/schemas';
import { CategoryIcon, CategoryLabel } from '../components/category-badge';
import { ChevronIcon } from '../components/icons';
import { JsonView } from '../components/json-view';
import { metadataValueHref } from '../activity/activity-filters';
import { LONG_WAIT_MS } from '../../src-main/contract/durations';
import { formatAbsolute, formatDuration, formatRelative, instantOf } from '../lib/time';
import { executionLinkOf } from '../workflows/workflow-text';

export interface TimelineEventProps {
  event: ActivityEvent;
  /** The neighbour shown just above this event, to show how long passed between them. */
  previous: ActivityEvent | undefined;
  timeZone: string | null;
  now: number;
  expanded: boolean;
  onToggle(eventId: number): void;
}

/** Who did it: the user's name, else the seed's created_by, else unknown. */
export const actorOf = (event: ActivityEvent): string => event.user_name ?? event.created_by ?? 'unknown';

function Gap({ event, previous, timeZone }: { event: ActivityEvent; previous: ActivityEvent; timeZone: string | null }) {
  const from = instantOf(previous.created_at, timeZone);
  const to = instantOf(event.created_at, timeZone);
  if (from === null || to === null) return <div className="gap" />;
  const wait = Math.abs(from - to);
  return (
    <div className={`gap${wait >= LONG_WAIT_MS ? ' gap--long' : ''}`} data-testid="timeline-gap">
      <span className="gap__line" aria-hidden="true" />
      <span className="gap__label" title="Time between these two events">
        {formatDuration(wait)}
      </span>
    </div>
  );
}

export const TimelineEvent = memo(function TimelineEvent({ event, previous, timeZone, now, expanded, onToggle }: TimelineEventProps) {
  const fields = event.metadata ? Object.keys(event.metadata).length : 0;
  const instant = instantOf(event.created_at, timeZone);
  const execution = executionLinkOf(event);
  return (
    <article
      className="event"
      data-testid="timeline-event"
      data-event-id={event.id}
      data-event-type={event.event_type}
      data-category={event.event_category}
      data-created-at={event.created_at}
      data-archived={event.archived ? 'true' : undefined}
      aria-label={`${event.event_type}: ${event.description}${event.archived ? ' (archived)' : ''}`}
    >
      {previous ? <Gap event={event} previous={previous} timeZone={timeZone} /> : <div className="gap gap--first" />}
      <div className="event__body">
        <div className="event__rail" aria-hidden="true" />
        <CategoryIcon category={event.event_category} />
        <div className="event__content">
          <div className="event__headline">
            <span className="event__type" data-testid="event-type">
              {event.event_type}
            </span>
            <CategoryLabel category={event.event_category} />
            {event.archived && (
              <span className="archived-badge" data-testid="event-archived" title="A retention run moved this event to the archive; it is kept there until purged">
                Archived
              </span>
            )}
            <span className="event__description" data-testid="event-description">
              {event.description}
            </span>
          </div>
          <div className="event__meta">
            <span className="event__actor" data-testid="event-actor" title={event.user_name ? `User #${event.user_id}` : 'created_by'}>
              {actorOf(event)}
            </span>
            <span className="dot-sep" aria-hidden="true" />
            <time className="event__time" dateTime={event.created_at} data-testid="event-time">
              {formatAbsolute(event.created_at, timeZone)}
            </time>
            <span className="event__relative" data-testid="event-relative">
              {formatRelative(instant, now)}
            </span>
            {execution && (
              <a className="event__execution" href={execution} data-testid="event-execution-link" title="The workflow execution this event belongs to">
                {execution.includes('workflow-executions/') ? 'Execution' : 'Executions'}
              </a>
            )}
            {fields > 0 && (
              <button
                type="button"
                className={`metadata-toggle${expanded ? ' is-open' : ''}`}
                aria-expanded={expanded}
                onClick={() => onToggle(event.id)}
                data-testid="metadata-toggle"
              >
                <ChevronIcon width={12} height={12} />
                Metadata · {fields} {fields === 1 ? 'field' : 'fields'}
              </button>
            )}
          </div>
          {expanded && event.metadata && <JsonView value={event.metadata} label={`metadata of event ${event.id}`} hrefOf={metadataValueHref} />}
        </div>
      </div>
    </article>
  );
});
