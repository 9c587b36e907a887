import { Cron } from 'croner';

// A backup job's schedule: a cron expression read in an IANA time zone, through croner (no Node
// import, so the renderer validates as the user types with the same rules the service applies).

/** croner's nicknames that a job may use instead of five fields. */
const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

/** Why the zone is not one, or null: Intl knows the IANA names of the platform's ICU. */
export function timeZoneProblem(zone: string): string | null {
  if (zone.trim() === '') return 'must be an IANA time zone such as UTC or Europe/Copenhagen';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return null;
  } catch {
    return `unknown time zone ${JSON.stringify(zone.slice(0, 60))}; give an IANA name such as UTC, Europe/Copenhagen or America/New_York`;
  }
}

/**
 * Why the expression is not a schedule a job may have, or null. Five fields (minute hour day month
 * weekday) or a nickname: croner's seconds field would allow a backup every second.
 */
export function scheduleProblem(expression: string): string | null {
  const text = expression.trim();
  if (text === '') return 'must be a cron expression such as "0 3 * * *" (every day at 03:00)';
  if (text.startsWith('@')) {
    if ((NICKNAMES as readonly string[]).includes(text.toLowerCase())) return null;
    return `unknown nickname ${JSON.stringify(text.slice(0, 40))}; use one of ${NICKNAMES.join(', ')} or five fields`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    return `must have five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"; this has ${fields.length}`;
  }
  try {
    const cron = new Cron(text, { paused: true });
    if (!cron.nextRun(new Date())) return 'never runs (no date matches it)';
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    return `is not a valid cron expression: ${message}`;
  }
}

/** The next runs after `after`, in UTC ISO; empty when the schedule or zone is not valid. */
export function nextRuns(expression: string, zone: string, count = 1, after: Date = new Date()): string[] {
  if (scheduleProblem(expression) !== null || timeZoneProblem(zone) !== null) return [];
  const cron = new Cron(expression.trim(), { timezone: zone, paused: true });
  return cron.nextRuns(count, after).map((date) => date.toISOString());
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const two = (text: string) => text.padStart(2, '0');
const isNumber = (text: string) => /^\d{1,2}$/.test(text);

/** "0 3 * * *" -> "every day at 03:00": the common shapes in words, anything else as itself. */
export function describeSchedule(expression: string): string {
  const text = expression.trim().toLowerCase();
  const nicknames: Record<string, string> = {
    '@yearly': 'every year on 1 January at 00:00',
    '@annually': 'every year on 1 January at 00:00',
    '@monthly': 'on the 1st of every month at 00:00',
    '@weekly': 'every Sunday at 00:00',
    '@daily': 'every day at 00:00',
    '@midnight': 'every day at 00:00',
    '@hourly': 'every hour on the hour',
  };
  if (nicknames[text]) return nicknames[text];
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `cron ${expression.trim()}`;
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
  const at = isNumber(minute) && isNumber(hour) ? `at ${two(hour)}:${two(minute)}` : null;
  if (month === '*' && day === '*') {
    if (at && weekday === '*') return `every day ${at}`;
    if (at && weekday === '1-5') return `weekdays ${at}`;
    if (at && /^[0-7]$/.test(weekday)) return `every ${WEEKDAYS[Number(weekday) % 7]} ${at}`;
    if (weekday === '*') {
      const everyHours = /^\*\/(\d+)$/.exec(hour);
      if (isNumber(minute) && everyHours) return `every ${everyHours[1]} hours at minute ${Number(minute)}`;
      if (isNumber(minute) && hour === '*') return Number(minute) === 0 ? 'every hour on the hour' : `every hour at minute ${Number(minute)}`;
      const everyMinutes = /^\*\/(\d+)$/.exec(minute);
      if (everyMinutes && hour === '*') return `every ${everyMinutes[1]} minutes`;
    }
  }
  if (at && month === '*' && weekday === '*' && isNumber(day)) return `on day ${Number(day)} of every month ${at}`;
  return `cron ${expression.trim()}`;
}
