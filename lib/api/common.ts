/** Pieces every resource contract uses: ids, the error body, list pages. */
import { z } from "zod";
import { UUID } from "../protocol/events.ts";

export { UUID };

/** The dashboard's session cookie (an OpenAPI security scheme; set by /api/auth/login). */
export const SESSION_COOKIE_NAME = "falcon_session";

/** A resource id (UUID), as path parameters and fields carry it. */
export const uuidSchema = z.string().regex(UUID, "must be a UUID");

/** ISO 8601 date-time as the API writes it (`2026-02-26T10:00:00.000Z`). */
export const isoTimeSchema = z.string().describe("ISO 8601 date-time (UTC)");

/** The one error shape of the API: `{error: {code, message}}` naming the field at fault. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
  }),
});
export type ErrorBodyJson = z.infer<typeof errorBodySchema>;

/** `{message}` answers of actions without a resource to return. */
export const messageSchema = z.object({ message: z.string() });

/** A path parameter `{id}`; the handler answers 404 for an unknown one. */
export const idParams = z.object({ id: z.string().max(200) });

/** A query string value that must be a whole number in a range (query strings are text). */
export function intQuery(field: string, min: number, max: number) {
  const msg = `${field} must be a whole number between ${min} and ${max}`;
  return z.string().regex(/^\d{1,10}$/, msg).refine(
    (v) => Number(v) >= min && Number(v) <= max,
    msg,
  );
}
