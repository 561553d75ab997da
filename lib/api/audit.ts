/** The security audit log (admins): newest first, paginated. */
import { z } from "zod";
import { intQuery, isoTimeSchema } from "./common.ts";

export const auditEntrySchema = z.object({
  id: z.string(),
  at: isoTimeSchema,
  actor: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
  /** What was done, e.g. `auth.login`, `camera.create`. */
  action: z.string(),
  target: z.string().nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQuery = z.object({
  limit: intQuery("limit", 1, 500).optional(),
  offset: intQuery("offset", 0, 1_000_000_000).optional(),
  action: z.string().regex(
    /^[a-z._]{1,64}$/,
    "action must look like auth.login",
  )
    .optional(),
});

export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
});
