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

declare global {
  interface Window {
    /** Exposed by the preload in the desktop app; absent in browser mode. */
    mailtrail?: MailtrailBridge;
  }
}

type BridgeCall = (request: unknown) => Promise<Result<unknown>>;

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
