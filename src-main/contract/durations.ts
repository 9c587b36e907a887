// Pure: the renderer's timeline and the reports' documents write a wait between two events the same way.

/** The wait between two events: "+2 s", "+3 h 12 min", "+4 d 2 h"; two units at most. */
export function formatDuration(milliseconds: number): string {
  const sign = milliseconds < 0 ? '−' : '+';
  const total = Math.abs(milliseconds);
  if (total < 1000) return `${sign}${Math.round(total)} ms`;
  const seconds = Math.floor(total / 1000);
  const units: [string, number][] = [
    ['d', Math.floor(seconds / 86_400)],
    ['h', Math.floor((seconds % 86_400) / 3600)],
    ['min', Math.floor((seconds % 3600) / 60)],
    ['s', seconds % 60],
  ];
  const first = units.findIndex(([, value]) => value > 0);
  const shown = units.slice(first, first + 2).filter(([, value]) => value > 0);
  return `${sign}${shown.map(([unit, value]) => `${value} ${unit}`).join(' ')}`;
}

/** A wait this long between two events is marked on a timeline (the screen's and the reports'). */
export const LONG_WAIT_MS = 60 * 60 * 1000;
