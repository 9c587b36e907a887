import { useEffect, useState, type InputHTMLAttributes } from 'react';
import { typedDateChange } from '../lib/typed-date';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'value' | 'onChange'>;

export interface DateFieldProps extends InputProps {
  /** The applied date (YYYY-MM-DD), or '' for none. */
  value: string;
  /** Called with a complete, valid date, or '' when the field is cleared; never with a partial date. */
  onChange(date: string): void;
}

/** A date input that applies what is typed only once it is a whole date, and says so while it is not. */
export function DateField({ value, onChange, className, ...rest }: DateFieldProps) {
  const [text, setText] = useState(value);
  const [pending, setPending] = useState(false);
  useEffect(() => {
    setText(value);
    setPending(false);
  }, [value]);
  return (
    <input
      {...rest}
      type="date"
      className={`${className ?? 'field__input'}${pending ? ' is-invalid' : ''}`}
      value={text}
      aria-invalid={pending || undefined}
      title={pending ? 'Type the whole date (day, month and a four-digit year) to apply it' : rest.title}
      onChange={(event) => {
        const next = event.target.value;
        setText(next);
        const apply = typedDateChange(next, event.target.validity.badInput);
        setPending(apply === null);
        if (apply !== null && apply !== value) onChange(apply);
      }}
    />
  );
}
