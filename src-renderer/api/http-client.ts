import { ERROR_CODES, MailtrailError, type ErrorCode } from '../../src-main/contract/errors';
import {
  isWriteOperation,
  OPERATION_NAMES,
  rpcPathOf,
  type MailtrailClient,
  type OperationName,
  type RequestOf,
  type ResponseOf,
} from '../../src-main/contract/operations';

export const SERVER_UNREACHABLE = 'cannot reach the Mailtrail server; is `mailtrail serve` still running?';

const isErrorCode = (code: unknown): code is ErrorCode => ERROR_CODES.includes(code as ErrorCode);

function errorFromBody(body: unknown, status: number): MailtrailError {
  const error = (body as { error?: { name?: unknown; code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.message === 'string') {
    return MailtrailError.fromValue({
      name: typeof error.name === 'string' ? error.name : 'MailtrailError',
      code: isErrorCode(error.code) ? error.code : 'internal',
      message: error.message,
    });
  }
  return new MailtrailError('internal', `the Mailtrail server answered HTTP ${status} without an error description`);
}

export interface HttpClientOptions {
  /** The token of a `serve` started with MAILTRAIL_API_TOKEN; null sends none. */
  apiToken?: () => string | null;
  /** Told of every 401 to a read, so the UI can ask for the token. */
  onUnauthorized?: (error: MailtrailError) => void;
  /** The admin token of `serve --admin`, sent instead of the API token on writes (and only on writes); null sends the API token. */
  adminToken?: () => string | null;
}

/** The browser-mode client: each operation is a JSON POST to its RPC route on the serving origin. */
export function createHttpClient(baseUrl = '', options: HttpClientOptions = {}): MailtrailClient {
  const call = async <K extends OperationName>(operation: K, request: RequestOf<K>): Promise<ResponseOf<K>> => {
    const write = isWriteOperation(operation);
    const token = (write ? options.adminToken?.() : null) || (options.apiToken?.() ?? null);
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${rpcPathOf(operation)}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(request ?? {}),
      });
    } catch {
      throw new MailtrailError('unavailable', SERVER_UNREACHABLE);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      if (response.status >= 502 && response.status <= 504) throw new MailtrailError('unavailable', SERVER_UNREACHABLE);
      throw new MailtrailError('internal', `the Mailtrail server answered HTTP ${response.status} with a body that is not JSON`);
    }
    if (!response.ok) {
      const error = errorFromBody(body, response.status);
      // A refused write needs the admin token, which the screen that wrote asks for; the API token gate is for reads.
      if (response.status === 401 && !write) options.onUnauthorized?.(error);
      throw error;
    }
    return body as ResponseOf<K>;
  };
  return Object.fromEntries(
    OPERATION_NAMES.map((operation) => [operation, (request: RequestOf<typeof operation>) => call(operation, request)]),
  ) as MailtrailClient;
}
