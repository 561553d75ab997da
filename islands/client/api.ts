/**
 * Browser-side calls to the controller API for islands. Returns a result
 * union instead of throwing, so every caller handles the failure path.
 */
import type { ErrorBody } from "../../lib/errors.ts";

export interface ApiError {
  /** An `ErrorKind` from the API, `network` when no answer came, `http_NNN` when the body was not the error shape. */
  code: string;
  message: string;
  field?: string;
}

export type ApiResult<T> =
  | { ok: true; status: number; value: T }
  | { ok: false; status: number; error: ApiError };

/** Sends JSON (when `body` is given) and reads JSON back. */
export async function apiRequest<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(method === "GET" || method === "HEAD"
          ? {}
          : { "x-csrf-token": csrfToken() }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return {
      ok: false,
      status: 0,
      error: {
        code: "network",
        message:
          "Cannot reach the controller; check the connection and try again.",
      },
    };
  }
  let data: unknown = null;
  const text = await res.text().catch(() => "");
  if (text) {
    try {
      data = JSON.parse(text);
    } catch { /* not JSON: handled below */ }
  }
  if (res.ok) return { ok: true, status: res.status, value: data as T };
  const err = (data as Partial<ErrorBody> | null)?.error;
  if (err && typeof err.message === "string") {
    return {
      ok: false,
      status: res.status,
      error: { code: String(err.code), message: err.message, field: err.field },
    };
  }
  return {
    ok: false,
    status: res.status,
    error: {
      code: `http_${res.status}`,
      message: `The controller answered ${res.status} ${res.statusText}`.trim(),
    },
  };
}

/** The session's CSRF token, which the server publishes in `<meta name="csrf-token">`. */
export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')
    ?.content ?? "";
}
