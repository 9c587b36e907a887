import type { MailtrailClient } from '../../src-main/contract/operations';
import { readAdminToken } from './admin-token';
import { announceApiTokenRefused, readApiToken } from './api-token';
import { createBridgeClient, isFullBridge } from './bridge-client';
import { createHttpClient } from './http-client';

export type Transport = 'desktop' | 'browser';

/** The desktop app's preload offers every operation; otherwise browser mode talks HTTP to `mailtrail serve`. */
export function createClient(): { client: MailtrailClient; transport: Transport } {
  if (isFullBridge(window.mailtrail)) return { client: createBridgeClient(window.mailtrail), transport: 'desktop' };
  return { client: createHttpClient('', { apiToken: readApiToken, onUnauthorized: announceApiTokenRefused, adminToken: readAdminToken }), transport: 'browser' };
}
