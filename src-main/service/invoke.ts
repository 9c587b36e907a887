import { MailtrailError, type Result } from '../contract/errors';
import { excerpt } from '../contract/excerpt';
import { isOperationName, type MailtrailService, type OperationName, type ResponseOf } from '../contract/operations';
import { parseRequest } from '../contract/validation';
import { toMailtrailError } from '../db/connection';

/**
 * The one path from a transport into the service: validate the payload with the operation's
 * schema, run it, and return the answer or the error as a value. IPC and HTTP both call this.
 */
export async function invoke<K extends OperationName>(
  service: MailtrailService,
  operation: K | string,
  payload: unknown,
): Promise<Result<ResponseOf<K>>> {
  try {
    if (!isOperationName(operation)) {
      throw new MailtrailError('not_found', `unknown operation ${excerpt(operation)}`);
    }
    const request = parseRequest(operation, payload);
    const handler = service[operation] as (request: unknown) => Promise<ResponseOf<K>>;
    return { ok: true, value: await handler(request) };
  } catch (error) {
    const answer = toMailtrailError(error);
    // The caller gets a short message; the log keeps what a developer needs.
    if (answer.code === 'internal') console.error(`mailtrail: ${operation} failed:`, error);
    return { ok: false, error: answer.toValue() };
  }
}
