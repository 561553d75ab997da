/**
 * Users and sign-in: accounts with roles and per-camera grants, first-run
 * setup, login, the session and the own password. Password strength is
 * checked by controller/auth/password_policy.ts after these shapes.
 */
import { z } from "zod";
import { isoTimeSchema, UUID } from "./common.ts";

export const ROLES = ["admin", "viewer"] as const;
export const roleSchema = z.enum(ROLES, {
  error: "role must be admin or viewer",
});
export type Role = z.infer<typeof roleSchema>;

export const usernameSchema = z.string().trim().min(
  3,
  "username must be 3 to 64 characters",
).max(64, "username must be 3 to 64 characters").regex(
  /^[A-Za-z0-9][A-Za-z0-9._@-]*$/,
  "username may hold letters, digits and . _ @ - (starting with a letter or digit)",
);
export const passwordSchema = z.string().max(
  256,
  "password must be at most 256 characters long",
);
const cameraIds = z.array(
  z.string().regex(UUID, "camera_ids must hold camera ids"),
).max(1000);

/** An account as the API answers it (never a password hash). */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(ROLES),
  /** Cameras a viewer may see (admins see all). */
  camera_ids: z.array(z.string()),
  created_at: isoTimeSchema,
  password_changed_at: isoTimeSchema,
});
export type User = z.infer<typeof userSchema>;

export const userListSchema = z.object({
  users: z.array(userSchema),
  total: z.number(),
});

/** `POST /api/users`. */
export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: roleSchema,
  camera_ids: cameraIds.default([]),
});

/** `PATCH /api/users/{id}`. */
export const updateUserSchema = z.strictObject({
  role: roleSchema.optional(),
  camera_ids: cameraIds.optional(),
});

/** `POST /api/users/{id}/reset-password`. */
export const resetPasswordSchema = z.strictObject({
  new_password: passwordSchema,
});

/** `POST /api/auth/setup`: the first admin, with the one-time setup token. */
export const setupSchema = z.strictObject({
  token: z.string().max(200),
  username: usernameSchema,
  password: passwordSchema,
});

/** `POST /api/auth/login`. */
export const loginSchema = z.strictObject({
  username: z.string().max(256),
  password: z.string().max(1024),
});

/** `PATCH /api/auth/credentials`: the own password. */
export const credentialsSchema = z.strictObject({
  current_password: z.string().max(1024),
  new_password: passwordSchema,
});

/** Who is signed in, as status and sign-in answers name them. */
export const signedInUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(ROLES),
});

/** `GET /api/auth/status` (public). */
export const authStatusSchema = z.object({
  setup_required: z.boolean(),
  authenticated: z.boolean(),
  user: signedInUserSchema.nullable(),
});

/** Answer of setup and login: the session cookie is set; writes echo `csrf_token`. */
export const signInSchema = z.object({
  user: z.looseObject({ id: z.string(), username: z.string() }),
  csrf_token: z.string(),
});

/** `GET /api/auth/session`. */
export const sessionInfoSchema = z.object({
  user: z.looseObject({ id: z.string(), username: z.string() }),
  csrf_token: z.string().nullable(),
  kind: z.string(),
  scope: z.enum(["read", "full"]),
});

/** `PATCH /api/auth/credentials` answer. */
export const credentialsChangedSchema = z.object({
  message: z.string(),
  csrf_token: z.string().nullable().optional(),
});
