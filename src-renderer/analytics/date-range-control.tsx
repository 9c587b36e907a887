import { useEffect, useState } from 'react';
import { useTimeZone } from '../app/source-status';
import { DateField } from '../components/date-field';
import { describeRange, PRESET_LABELS, PRESETS, rangeFromParams, todayIn, type AnalyticsRange, type LogExtent, type Preset } from './date-range';

/** Today where the log was written (the source's zone, else this computer's); presets end on it. */
export function useToday(): string {
  const timeZone = useTimeZone();
  const [now, setNow] = useState(() => Date.now());
  // A screen left open past midnight moves its presets with the day.
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  return todayIn(timeZone, now);
}

/** Presets ending today, All time, or a custom pair of dates; beside them, what the log itself spans. */
export function DateRangeControl({
  range,
  today,
  extent,
  onChange,
}: {
  range: AnalyticsRange;
  today: string;
  extent: LogExtent | null;
  onChange(range: AnalyticsRange): void;
}) {
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  useEffect(() => {
    setFrom(range.from);
    setTo(range.to);
  }, [range.from, range.to]);
  const pick = (preset: Preset) => {
    const params = new URLSearchParams({ range: preset, from: range.from, to: range.to });
    onChange({ ...rangeFromParams(params, today, extent), bucketChosen: false, archived: range.archived });
  };
  const applyCustom = (nextFrom: string, nextTo: string) => {
    if (!nextFrom || !nextTo) return;
    onChange({ ...rangeFromParams(new URLSearchParams({ range: 'custom', from: nextFrom, to: nextTo }), today, extent), archived: range.archived });
  };
  return (
    <div className="range" data-testid="date-range" data-from={range.from} data-to={range.to} data-preset={range.preset} data-reversed={range.reversed || undefined}>
      <div className="segmented" role="group" aria-label="Date range">
        {PRESETS.map((preset) => (
          <button
            key={preset}
            type="button"
            className="segmented__option"
            aria-pressed={range.preset === preset}
            onClick={() => pick(preset)}
            data-testid={`range-${preset}`}
          >
            {PRESET_LABELS[preset]}
          </button>
        ))}
      </div>
      {range.preset === 'custom' ? (
        <div className="range__custom">
          <DateField
            aria-label="From"
            value={from}
            onChange={(date) => {
              setFrom(date);
              applyCustom(date, to);
            }}
            data-testid="range-from"
          />
          <span aria-hidden="true">–</span>
          <DateField
            aria-label="To"
            value={to}
            onChange={(date) => {
              setTo(date);
              applyCustom(from, date);
            }}
            data-testid="range-to"
          />
        </div>
      ) : (
        <span className="range__label" data-testid="range-label" title={range.preset === 'all' ? 'Every event in the log' : `Both days included; presets end today (${today}) where the log is written`}>
          {describeRange(range)}
        </span>
      )}
      <span className="range__extent" data-testid="log-extent" data-oldest={extent?.oldest ?? undefined} data-newest={extent?.newest ?? undefined} title="The day of the oldest and of the newest event in the log">
        {extent === null ? '' : extent.oldest && extent.newest ? `${range.archived ? 'Log and archive' : 'Log'}: ${describeRange({ from: extent.oldest, to: extent.newest })}` : 'The log is empty'}
      </span>
    </div>
  );
}
