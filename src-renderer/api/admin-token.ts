import { tabToken } from './api-token';

// The admin token of `serve --admin`, entered on the Retention screen: kept like the API token, and
// sent on writes only (http-client.ts).
const adminToken = tabToken('mailtrail.adminToken');
export const readAdminToken = (): string | null => adminToken.read();
export const saveAdminToken = (token: string): void => adminToken.save(token);
