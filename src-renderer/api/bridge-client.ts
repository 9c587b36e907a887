import { MailtrailError } from '../../src-main/contract/errors';
import {
  bridgeNameOf,
  OPERATION_NAMES,
  type MailtrailBridge,
  type MailtrailClient,
  type OperationName,
  type RequestOf,
  type ResponseOf,
} from '../../src-main/contract/operations';
import type { Result } from '../../src-main/contract/errors';
import type { MailtrailSyncBridge } from '../../src-main/contract/sync-progress';
import type { MailtrailAdminConnectionBridge } from '../../src-main/contract/admin-connection';
import type { MailtrailReportBridge } from '../../src-main/contract/report-export';

declare global {
  interface Window {
    /** Exposed by the preload in the desktop app; absent in browser mode. */
    mailtrail?: Partial<MailtrailBridge & MailtrailSyncBridge & MailtrailAdminConnectionBridge & MailtrailReportBridge>;
  }
}

type BridgeCall = (request: unknown) => Promise<Result<unknown>>;

/** True when the preload offers every operation, as the desktop app's does. */
export function isFullBridge(bridge: Partial<MailtrailBridge> | undefined): bridge is MailtrailBridge {
  return bridge !== undefined && OPERATION_NAMES.every((operation) => typeof (bridge as Record<string, unknown>)[bridgeNameOf(operation)] === 'function');
}

/** The desktop client: one preload function per operation, errors unwrapped from values. */
export function createBridgeClient(bridge: MailtrailBridge): MailtrailClient {
  const call = async <K extends OperationName>(operation: K, request: RequestOf<K>): Promise<ResponseOf<K>> => {
    const fn = (bridge as unknown as Record<string, BridgeCall | undefined>)[bridgeNameOf(operation)];
    if (typeof fn !== 'function') {
      throw new MailtrailError('unavailable', `the desktop bridge does not offer "${operation}"; restart Mailtrail`);
    }
    const result = await fn(request);
    if (!result.ok) throw MailtrailError.fromValue(result.error);
    return result.value as ResponseOf<K>;
  };
  return Object.fromEntries(
    OPERATION_NAMES.map((operation) => [operation, (request: RequestOf<typeof operation>) => call(operation, request)]),
  ) as MailtrailClient;
}
