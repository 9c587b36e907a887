export interface MixedEvents {
  count: number;
  /** The first generate_series value; later loads continue the timeline after earlier ones. */
  offset?: number;
  minutesApart: number;
  /** Every n-th error without an error_type, as the seed's analytics must count them too. */
  untypedErrorEvery?: number;
}

/**
 * One INSERT of `count` events cycling through six types and categories, with workflow runs
 * (some failed, some with a malformed execution time) and typed errors, spaced evenly from 2025-01-01.
 */
export function mixedEventsSql({ count, offset = 0, minutesApart, untypedErrorEvery }: MixedEvents): string {
  const typedError = `jsonb_build_object('error_type', (ARRAY['extraction_failed','imap_timeout'])[1 + g % 2])`;
  const error = untypedErrorEvery ? `CASE WHEN g % ${untypedErrorEvery} = 0 THEN '{}'::jsonb ELSE ${typedError} END` : typedError;
  return `
  INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at, created_by)
  SELECT 1 + (g % 500),
         (ARRAY['fetched','classified','workflow_executed','error','read','linked'])[1 + g % 6],
         (ARRAY['system','system','workflow','system','user','integration'])[1 + g % 6],
         'event ' || g,
         CASE g % 6
           WHEN 2 THEN jsonb_build_object('workflow_name', (ARRAY['Invoice Processing','Time Confirmation','Bankruptcy Alert'])[1 + g % 3],
                                          'status', CASE WHEN g % 7 = 0 THEN 'failed' ELSE 'completed' END,
                                          'execution_time_ms', CASE WHEN g % 11 = 0 THEN 'n/a' ELSE (g * 37 % 20000)::text END)
           WHEN 3 THEN ${error}
           ELSE NULL END,
         TIMESTAMP '2025-01-01' + (g * INTERVAL '${minutesApart} minutes'),
         'system'
  FROM generate_series(${offset}, ${offset + count - 1}) g`;
}
