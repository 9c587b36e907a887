import type { z } from 'zod';
import { MailtrailError } from './errors';
import { operations, type OperationName, type ParsedRequestOf } from './operations';

/** One readable line from a zod error: `limit: must be between 1 and 1000; order: ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Validates a payload from any transport against the operation's schema. */
export function parseRequest<K extends OperationName>(operation: K, payload: unknown): ParsedRequestOf<K> {
  const result = operations[operation].request.safeParse(payload ?? {});
  if (!result.success) throw new MailtrailError('bad_request', describeIssues(result.error));
  return result.data as ParsedRequestOf<K>;
}
