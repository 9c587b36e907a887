import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/client';
import { ClientProvider } from './api/client-context';
import { ApiTokenGate } from './app/api-token-gate';
import { App } from './app/app';
import { AppErrorBoundary } from './app/error-boundary';
import { SourceStatusProvider } from './app/source-status';
import './styles/tokens.css';
import './styles/app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks the #root element');
if (!window.location.hash) window.history.replaceState(null, '', '#/emails');

createRoot(root).render(
  <StrictMode>
    <ClientProvider value={createClient()}>
      <ApiTokenGate>
        <SourceStatusProvider>
          {/* The last resort: an error outside the page (the shell itself) still shows what happened. */}
          <AppErrorBoundary>
            <App />
          </AppErrorBoundary>
        </SourceStatusProvider>
      </ApiTokenGate>
    </ClientProvider>
  </StrictMode>,
);
