import { useEffect, useState } from 'react';
import { DateField } from '../components/date-field';
import { describeRange, PRESET_LABELS, PRESETS, rangeFromParams, type AnalyticsRange, type Preset } from './date-range';

/** Presets ending on the newest event's day, or a custom pair of dates. */
export function DateRangeControl({ range, newestDay, onChange }: { range: AnalyticsRange; newestDay: string; onChange(range: AnalyticsRange): void }) {
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  useEffect(() => {
    setFrom(range.from);
    setTo(range.to);
  }, [range.from, range.to]);
  const pick = (preset: Preset) => {
    const params = new URLSearchParams({ range: preset, from: range.from, to: range.to });
    onChange({ ...rangeFromParams(params, newestDay), bucketChosen: false });
  };
  const applyCustom = (nextFrom: string, nextTo: string) => {
    if (!nextFrom || !nextTo) return;
    onChange(rangeFromParams(new URLSearchParams({ range: 'custom', from: nextFrom, to: nextTo }), newestDay));
  };
  return (
    <div className="range" data-testid="date-range" data-from={range.from} data-to={range.to} data-preset={range.preset}>
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
            max={to}
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
            min={from}
            onChange={(date) => {
              setTo(date);
              applyCustom(from, date);
            }}
            data-testid="range-to"
          />
        </div>
      ) : (
        <span className="range__label" data-testid="range-label" title={`Presets end on ${newestDay}, the day of the newest event in the log`}>
          {describeRange(range)}
        </span>
      )}
    </div>
  );
}
