import { useEffect, useRef, type ReactNode } from 'react';
import { ChevronIcon } from '../components/icons';

export interface PickerOption<T extends string | number> {
  value: T;
  label: string;
  decoration?: ReactNode;
}

export interface MultiPickerProps<T extends string | number> {
  label: string;
  /** Shown when nothing is picked, e.g. "All event types". */
  anyLabel: string;
  options: PickerOption<T>[];
  selected: T[];
  onChange(selected: T[]): void;
  testId: string;
}

/** A compact multi-select: a button that opens a list of checkboxes; Esc or a click outside closes it. */
export function MultiPicker<T extends string | number>({ label, anyLabel, options, selected, onChange, testId }: MultiPickerProps<T>) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (event: MouseEvent) => {
      if (ref.current?.open && !ref.current.contains(event.target as Node)) ref.current.open = false;
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, []);
  const labels = selected.map((value) => options.find((option) => option.value === value)?.label ?? String(value));
  const summary = labels.length === 0 ? anyLabel : labels.length <= 2 ? labels.join(', ') : `${labels[0]} +${labels.length - 1}`;
  const toggle = (value: T) =>
    onChange(selected.includes(value) ? selected.filter((v) => v !== value) : [...selected, value]);
  return (
    <details
      ref={ref}
      className="picker"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && ref.current?.open) {
          event.preventDefault();
          event.stopPropagation();
          ref.current.open = false;
          ref.current.querySelector('summary')?.focus();
        }
      }}
    >
      <summary className="picker__summary" data-testid={testId} aria-label={`${label}: ${summary}`} data-selected={selected.join(',')}>
        <span className="filter-select__label">{label}</span>
        <span className={`picker__value${selected.length ? ' is-set' : ''}`}>{summary}</span>
        <ChevronIcon width={12} height={12} className="picker__chevron" />
      </summary>
      <div className="picker__menu" role="group" aria-label={label}>
        {selected.length > 0 && (
          <button type="button" className="link-button picker__clear" onClick={() => onChange([])}>
            Any {label.toLowerCase()}
          </button>
        )}
        {options.map((option) => (
          <label key={option.value} className="picker__option" data-testid={`${testId}-option`} data-value={option.value}>
            <input type="checkbox" checked={selected.includes(option.value)} onChange={() => toggle(option.value)} />
            {option.decoration}
            <span>{option.label}</span>
          </label>
        ))}
      </div>
    </details>
  );
}
