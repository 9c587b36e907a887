import { createContext, useContext, type ReactNode } from 'react';
import type { MailtrailClient } from '../../src-main/contract/operations';
import type { Transport } from './client';

interface ClientContextValue {
  client: MailtrailClient;
  transport: Transport;
}

const ClientContext = createContext<ClientContextValue | null>(null);

export function ClientProvider({ value, children }: { value: ClientContextValue; children: ReactNode }) {
  return <ClientContext.Provider value={value}>{children}</ClientContext.Provider>;
}

export function useClient(): ClientContextValue {
  const value = useContext(ClientContext);
  if (!value) throw new Error('useClient must be used inside <ClientProvider>');
  return value;
}
