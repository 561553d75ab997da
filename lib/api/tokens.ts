/** API tokens for the CLI and automation: shown once, stored hashed. */
import { z } from "zod";
import { isoTimeSchema, UUID } from "./common.ts";

export const TOKEN_SCOPES = ["read", "full"] as const;
export const tokenScopeSchema = z.enum(TOKEN_SCOPES, {
  error: "scope must be read or full",
});
export type TokenScope = z.infer<typeof tokenScopeSchema>;

/** A token as lists show it: never the secret. */
export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(TOKEN_SCOPES),
  /** The first characters, to tell tokens apart. */
  prefix: z.string(),
  user: z.object({ id: z.string(), username: z.string() }),
  created_at: isoTimeSchema,
  last_used_at: isoTimeSchema.nullable(),
  revoked_at: isoTimeSchema.nullable(),
  /** null: valid until revoked. */
  expires_at: isoTimeSchema.nullable(),
});
export type Token = z.infer<typeof tokenSchema>;

export const tokenListSchema = z.object({
  tokens: z.array(tokenSchema),
  total: z.number(),
});

/** `POST /api/tokens`. */
export const createTokenSchema = z.strictObject({
  name: z.string().trim().min(1, "name must not be empty").max(
    100,
    "name must be at most 100 characters",
  ),
  scope: tokenScopeSchema,
  expires_in_days: z.number({
    error: "expires_in_days must be a whole number of days from 1 to 3650",
  }).int("expires_in_days must be a whole number of days from 1 to 3650")
    .min(1, "expires_in_days must be a whole number of days from 1 to 3650")
    .max(3650, "expires_in_days must be a whole number of days from 1 to 3650")
    .nullable().optional().describe(
      "days until the token stops working; none: until revoked",
    ),
});

/** `POST /api/tokens/revoke-all`: every token of one user (yourself, or anyone for admins). */
export const revokeAllTokensSchema = z.strictObject({
  user_id: z.string({ error: "user_id is required: whose tokens to revoke" })
    .regex(UUID, "user_id must be a user id"),
});

/** The answer of `POST /api/tokens`: the only time the secret is shown. */
export const createdTokenSchema = tokenSchema.extend({ token: z.string() });
