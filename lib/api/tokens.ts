/** API tokens for the CLI and automation: shown once, stored hashed. */
import { z } from "zod";
import { isoTimeSchema } from "./common.ts";

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
});

/** The answer of `POST /api/tokens`: the only time the secret is shown. */
export const createdTokenSchema = tokenSchema.extend({ token: z.string() });
