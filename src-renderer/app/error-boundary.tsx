import { Component, useEffect, useState, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** A new key (the address, on navigation) clears a caught error, so the next page renders afresh. */
  resetKey: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
  resetKey: string;
}

/**
 * Catches what a page throws while rendering, so a bad link or a bug never leaves a blank window:
 * it says what happened and offers a way back; navigating anywhere clears it.
 */
export class PageErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('mailtrail: a page failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="page page--narrow">
        <div className="state state--error" role="alert" data-testid="page-error">
          <h2 className="state__title">This page could not be shown</h2>
          <p className="state__message" data-testid="page-error-message">
            {error.name}: {error.message}
          </p>
          <p className="state__body">
            The rest of Mailtrail still works. Go back, or open another page; if it happens again, note the address and
            report it as a bug.
          </p>
          <div className="state__actions">
            <button type="button" className="button" onClick={() => window.history.back()} data-testid="page-error-back">
              Go back
            </button>
            <a className="button button--secondary" href="#/emails" data-testid="page-error-home">
              Go to Emails
            </a>
          </div>
        </div>
      </div>
    );
  }
}

/** The last resort around the whole app (the shell included), reset by any navigation as the page's is. */
export function AppErrorBoundary({ children }: { children: ReactNode }) {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const update = () => setHash(window.location.hash);
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return <PageErrorBoundary resetKey={hash}>{children}</PageErrorBoundary>;
}
