import { useEffect, useRef, useState } from 'react';
import type { ActivityCount } from '../../src-main/contract/schemas';
import { useClient } from '../api/client-context';
import { recentRequestOf, type ActivityFilters } from './activity-filters';

/**
 * The exact number of events these filters match, asked only once the first page shows (`ready`),
 * so counting never holds the list up; null while counting or when the count failed.
 */
export function useActivityCount(filters: ActivityFilters, ready: boolean): ActivityCount | null {
  const { client } = useClient();
  const [count, setCount] = useState<ActivityCount | null>(null);
  const request = JSON.stringify(recentRequestOf(filters));
  useEffect(() => {
    if (!ready) return;
    let live = true;
    client['activity/count'](JSON.parse(request) as ReturnType<typeof recentRequestOf>)
      .then((answer) => live && setCount(answer))
      .catch(() => live && setCount(null));
    return () => {
      live = false;
    };
  }, [client, request, ready]);
  return count;
}

/** Subjects of the emails on screen, looked up by id once per email after each page arrives. */
export function useEmailSubjects(emailIds: number[]): ReadonlyMap<number, string | null> {
  const { client } = useClient();
  const [subjects, setSubjects] = useState<ReadonlyMap<number, string | null>>(new Map());
  const asked = useRef(new Set<number>());
  const wanted = [...new Set(emailIds)].filter((id) => !asked.current.has(id));
  const wantedKey = wanted.slice(0, 1_000).join(',');
  useEffect(() => {
    if (!wantedKey) return;
    const ids = wantedKey.split(',').map(Number);
    for (const id of ids) asked.current.add(id);
    // Not dropped when the ids on screen change meanwhile: these ids are not asked again.
    client['emails/subjects']({ emailIds: ids })
      .then(({ items }) => {
        setSubjects((previous) => {
          const next = new Map(previous);
          // An id email_messages does not hold has no subject: remembered as null, not asked again.
          for (const id of ids) next.set(id, null);
          for (const { id, subject } of items) next.set(id, subject);
          return next;
        });
      })
      .catch(() => {
        for (const id of ids) asked.current.delete(id);
      });
  }, [client, wantedKey]);
  return subjects;
}
