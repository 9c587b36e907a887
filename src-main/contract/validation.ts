import type { z } from 'zod';
import { MailtrailError } from './errors';
import { clipName } from './excerpt';
import { operations, type OperationName, type ParsedRequestOf } from './operations';

/** How deep a request may nest; the deepest real one (metadata conditions) is 4. */
export const MAX_REQUEST_DEPTH = 64;
/** How many values (objects, arrays, scalars) a request may hold; the largest real one holds about 1,000. */
export const MAX_REQUEST_VALUES = 20_000;
// A message names the first few problems; a list of 1,000 bad values is not repeated back.
const MAX_ISSUES = 3;

interface Step {
  key: string | number;
  parent: Step | null;
}

const pathOf = (step: Step | null): string => {
  const keys: (string | number)[] = [];
  for (let at = step; at; at = at.parent) keys.unshift(typeof at.key === 'string' ? clipName(at.key) : at.key);
  return keys.join('.');
};

const refuse = (step: Step | null, message: string) => new MailtrailError('bad_request', step ? `${pathOf(step)}: ${message}` : message);

/**
 * Refuses what no operation takes, before zod sees it: nesting past MAX_REQUEST_DEPTH (zod and its
 * error formatting recurse, and 5,000 levels overflowed the stack), more than MAX_REQUEST_VALUES
 * values, and a NUL character in any text or field name (PostgreSQL cannot store one, so it failed
 * there with its own 500 while the SQLite cache answered). A loop with its own stack, so any input,
 * cyclic ones from IPC included, costs a bounded amount of work.
 */
export function checkRequestShape(payload: unknown): void {
  const pending: { value: unknown; depth: number; step: Step | null }[] = [{ value: payload, depth: 1, step: null }];
  let values = 1;
  while (pending.length > 0) {
    const { value, depth, step } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw refuse(step, 'the text may not contain a NUL character (U+0000)');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_REQUEST_DEPTH) throw refuse(null, `the request nests deeper than ${MAX_REQUEST_DEPTH} levels; no operation takes that`);
    const size = Array.isArray(value) ? value.length : Object.keys(value).length;
    values += size;
    if (values > MAX_REQUEST_VALUES) throw refuse(null, `the request holds more than ${MAX_REQUEST_VALUES} values; send a smaller request`);
    if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, depth: depth + 1, step: { key: index, parent: step } }));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key.includes('\u0000')) throw refuse(step, 'a field name may not contain a NUL character (U+0000)');
      pending.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, step: { key, parent: step } });
    }
  }
}

/** One readable line from a zod error: `limit: must be between 1 and 1000; order: ...`. */
export function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map((key) => (typeof key === 'string' ? clipName(key) : String(key))).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.slice(0, MAX_ISSUES).map((key) => clipName(key));
      const more = issue.keys.length > keys.length ? ` and ${issue.keys.length - keys.length} more` : '';
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys.join(', ')}${more}`;
    }
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length - lines.length;
  return more > 0 ? `${lines.join('; ')}; and ${more} more problem${more > 1 ? 's' : ''}` : lines.join('; ');
}

/** Validates a payload from any transport against the operation's schema. */
export function parseRequest<K extends OperationName>(operation: K, payload: unknown): ParsedRequestOf<K> {
  checkRequestShape(payload);
  const result = operations[operation].request.safeParse(payload ?? {});
  if (!result.success) throw new MailtrailError('bad_request', describeIssues(result.error));
  return result.data as ParsedRequestOf<K>;
}
