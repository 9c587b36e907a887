import { useEffect, useRef, useState } from 'react';
import { CopyIcon } from '../components/icons';

type CopyState = { kind: 'idle' } | { kind: 'copied' } | { kind: 'manual'; href: string };

/**
 * Copies the address of the current view (every view lives in the URL). Where the clipboard is
 * refused, the address is shown selected, ready for Ctrl+C.
 */
export function CopyLinkButton() {
  const [state, setState] = useState<CopyState>({ kind: 'idle' });
  const fieldRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (state.kind === 'copied') {
      const timer = window.setTimeout(() => setState({ kind: 'idle' }), 2_000);
      return () => window.clearTimeout(timer);
    }
    if (state.kind === 'manual') fieldRef.current?.select();
    return undefined;
  }, [state]);

  useEffect(() => {
    // A link shown for copying belongs to the view it was taken on.
    const reset = () => setState({ kind: 'idle' });
    window.addEventListener('hashchange', reset);
    return () => window.removeEventListener('hashchange', reset);
  }, []);

  const copy = async () => {
    const href = window.location.href;
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(href);
      setState({ kind: 'copied' });
    } catch {
      setState({ kind: 'manual', href });
    }
  };

  return (
    <div className="copy-link">
      {state.kind === 'manual' && (
        <input
          ref={fieldRef}
          className="copy-link__field"
          readOnly
          value={state.href}
          aria-label="Link to this view; press Ctrl+C to copy it"
          onBlur={() => setState({ kind: 'idle' })}
          onKeyDown={(event) => event.key === 'Escape' && setState({ kind: 'idle' })}
          data-testid="copy-link-field"
        />
      )}
      <button
        type="button"
        className="button button--secondary button--sm copy-link__button"
        onClick={() => void copy()}
        title="Copy a link to this view"
        data-testid="copy-link"
      >
        <CopyIcon width={14} height={14} />
        <span>{state.kind === 'copied' ? 'Copied' : 'Copy link'}</span>
      </button>
      <span className="visually-hidden" role="status" aria-live="polite" data-testid="copy-link-status">
        {state.kind === 'copied' ? 'Link copied to the clipboard' : state.kind === 'manual' ? 'The clipboard was refused; the link is selected for you to copy' : ''}
      </span>
    </div>
  );
}
