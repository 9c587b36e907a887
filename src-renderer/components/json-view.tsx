import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { CopyIcon } from './icons';

/** An address for a top-level scalar value (e.g. Activity filtered to key = value), or null for none. */
export type ValueHref = (key: string, value: string | number | boolean) => string | null;

/**
 * Pretty-printed JSON, as JSON.stringify(value, null, 2) lays it out, with keys, strings, numbers and
 * literals told apart; text only, no HTML injection. Top-level scalars become links where `hrefOf` gives one.
 */
function renderJson(value: unknown, hrefOf: ValueHref | undefined): ReactNode[] {
  const parts: ReactNode[] = [];
  let key = 0;
  const scalar = (item: unknown, topKey: string | null) => {
    const text = JSON.stringify(item) ?? 'null';
    const kind = typeof item === 'string' ? 'json__string' : typeof item === 'number' ? 'json__number' : 'json__literal';
    const href = topKey !== null && item !== null && hrefOf ? hrefOf(topKey, item as string | number | boolean) : null;
    parts.push(
      href ? (
        <a key={key++} className={`${kind} json__drill`} href={href} title={`Show activity where ${topKey} = ${String(item)}`} data-testid="metadata-value-link" data-key={topKey}>
          {text}
        </a>
      ) : (
        <span key={key++} className={kind}>
          {text}
        </span>
      ),
    );
  };
  const walk = (item: unknown, indent: string, topKey: string | null, depth: number) => {
    if (item === null || typeof item !== 'object') return scalar(item, topKey);
    const entries: [string | null, unknown][] = Array.isArray(item) ? item.map((v) => [null, v]) : Object.entries(item);
    const [open, close] = Array.isArray(item) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return parts.push(`${open}${close}`);
    parts.push(`${open}\n`);
    entries.forEach(([name, child], index) => {
      parts.push(`${indent}  `);
      if (name !== null) {
        parts.push(<span key={key++} className="json__key">{JSON.stringify(name)}</span>, ': ');
      }
      // Only the top level's keys are what the metadata filter compares (metadata ->> key).
      walk(child, `${indent}  `, depth === 0 && name !== null ? name : null, depth + 1);
      parts.push(index < entries.length - 1 ? ',\n' : '\n');
    });
    parts.push(`${indent}${close}`);
  };
  walk(value, '', null, 0);
  return parts;
}

export function JsonView({ value, label, hrefOf }: { value: unknown; label: string; hrefOf?: ValueHref }) {
  const json = useMemo(() => JSON.stringify(value, null, 2), [value]);
  const rendered = useMemo(() => renderJson(value, hrefOf), [value, hrefOf]);
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
        <code>{rendered}</code>
      </pre>
    </div>
  );
}
