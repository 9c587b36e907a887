// Errors cross every transport as values: a name, a stable code and a message that says what to do.
export const ERROR_CODES = ['bad_request', 'not_found', 'unavailable', 'timeout', 'read_only', 'internal', 'method_not_allowed', 'too_large', 'unauthorized', 'conflict'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorValue {
  name: string;
  code: ErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorValue };

export class MailtrailError extends Error {
  override name = 'MailtrailError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  toValue(): ErrorValue {
    return { name: this.name, code: this.code, message: this.message };
  }

  static fromValue(value: ErrorValue): MailtrailError {
    const error = new MailtrailError(value.code, value.message);
    error.name = value.name;
    return error;
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  not_found: 404,
  read_only: 403,
  timeout: 504,
  unavailable: 503,
  internal: 500,
  method_not_allowed: 405,
  too_large: 413,
  unauthorized: 401,
  conflict: 409,
};
