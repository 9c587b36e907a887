import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { CopyIcon } from './icons';

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

/** Pretty-printed JSON with keys, strings, numbers and literals told apart; text only, no HTML injection. */
function highlight(json: string) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of json.matchAll(TOKEN)) {
    const index = match.index ?? 0;
    if (index > last) parts.push(json.slice(last, index));
    const [text, string, colon, literal, number] = match;
    if (string !== undefined && colon !== undefined) {
      parts.push(
        <span key={index} className="json__key">
          {string}
        </span>,
        colon,
      );
    } else if (string !== undefined) {
      parts.push(<span key={index} className="json__string">{string}</span>);
    } else if (literal !== undefined) {
      parts.push(<span key={index} className="json__literal">{literal}</span>);
    } else if (number !== undefined) {
      parts.push(<span key={index} className="json__number">{number}</span>);
    } else {
      parts.push(text);
    }
    last = index + text.length;
  }
  if (last < json.length) parts.push(json.slice(last));
  return parts;
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  const json = useMemo(() => JSON.stringify(value, null, 2), [value]);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (copy === 'idle') return;
    const timer = window.setTimeout(() => setCopy('idle'), 2000);
    return () => window.clearTimeout(timer);
  }, [copy]);
  const onCopy = () => {
    navigator.clipboard
      .writeText(json)
      .then(() => setCopy('copied'))
      .catch(() => setCopy('failed'));
  };
  return (
    <div className="json" data-testid="metadata-json">
      <button
        type="button"
        className="json__copy"
        onClick={onCopy}
        aria-label={`Copy ${label} as JSON`}
        data-testid="copy-metadata"
      >
        <CopyIcon width={13} height={13} />
        {copy === 'copied' ? 'Copied' : copy === 'failed' ? 'Select and copy' : 'Copy'}
      </button>
      <pre className="json__code" tabIndex={0} aria-label={label}>
        <code>{highlight(json)}</code>
      </pre>
    </div>
  );
}
