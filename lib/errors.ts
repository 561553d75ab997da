/**
 * Typed application errors. Domain code throws `AppError`; the HTTP edge maps
 * `kind` to a status in one place (controller/http/middleware/errors.ts and the
 * node agent's app), so no module outside the edges knows status codes.
 */

export type ErrorKind =
  | "invalid_input"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "unavailable"
  | "upstream_failed"
  | "timeout"
  | "internal";

/** HTTP status for each error kind. */
export const STATUS_OF: Record<ErrorKind, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  upstream_failed: 502,
  timeout: 504,
  internal: 500,
};

/** The one error body every API answers with. */
export interface ErrorBody {
  error: { code: ErrorKind; message: string; field?: string };
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  /** Dotted path of the input field at fault, when one is. */
  readonly field?: string;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  readonly retryAfterS?: number;

  constructor(
    kind: ErrorKind,
    message: string,
    options?: { field?: string; cause?: unknown; retryAfterS?: number },
  ) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.kind = kind;
    this.field = options?.field;
    this.retryAfterS = options?.retryAfterS;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.kind,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
      },
    };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
