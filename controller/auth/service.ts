/**
 * Accounts, sessions and API tokens (docs/design/security.md).
 *
 * - No default account: while no user exists, a one-time setup token (printed
 *   by the controller at start) lets exactly one request create the admin.
 * - Sessions are server-side rows keyed by the SHA-256 of the cookie value,
 *   with idle and absolute expiry; logout and password changes delete them.
 * - API tokens are shown once, stored as SHA-256, scoped read/full, revocable.
 */
import type { z } from "zod";
import {
  createTokenSchema,
  revokeAllTokensSchema,
  type Token,
} from "../../lib/api/tokens.ts";
import {
  createUserSchema,
  credentialsSchema,
  loginSchema,
  resetPasswordSchema as resetSchema,
  setupSchema,
  updateUserSchema,
  type User,
} from "../../lib/api/users.ts";
import { UUID } from "../../lib/api/common.ts";
import { AppError } from "../../lib/errors.ts";
import { invalidInput } from "../../lib/validation.ts";
import { authorize } from "../access/policy.ts";
import {
  type Authenticated,
  personOf,
  type Principal as AccessPrincipal,
  principalOf,
  type TokenPrincipal,
  type UserPrincipal,
} from "../access/principal.ts";
import type { Actor, AuditLog } from "../audit/mod.ts";
import type { Sql } from "../db/client.ts";
import type { AccessChange } from "../events/bus.ts";
import * as sdb from "../db/sessions.ts";
import * as udb from "../db/users.ts";
import { randomToken, sha256Hex } from "./crypto.ts";
import { HashPool } from "./hash_pool.ts";
import { Passwords } from "./password.ts";
import { passwordProblem } from "./password_policy.ts";
import { type Attempt, FailureLimiter, LoginLimiter } from "./rate_limit.ts";

export type Role = udb.Role;

/** The authenticated caller of a request. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  kind: "session" | "token";
  /** Read-only tokens may only read. */
  scope: "read" | "full";
  /** For session principals: the CSRF token writes must echo, and the session's digest. */
  session?: { idHash: string; csrf: string };
  tokenId?: string;
}

/** An account as the API answers it (lib/api/users.ts). */
export type UserJson = User;

/** The person whose tokens a principal manages; 403 for nodes, agents and the controller itself. */
function tokenOwner(a: AccessPrincipal): UserPrincipal {
  const person = personOf(a);
  if (!person) {
    throw new AppError("forbidden", "Only a person has API tokens");
  }
  return person;
}

/** An API token as lists show it (lib/api/tokens.ts). */
export type TokenJson = Token;

export interface AuthOptions {
  /** @default 12 h */
  idleMs?: number;
  /** @default 7 days */
  absoluteMs?: number;
  now?: () => number;
  /**
   * Told when someone's access shrinks, so their open streams end
   * (EventBus.accessChanged).
   */
  onAccessChange?: (change: AccessChange) => void;
  /** Password hashing Workers. @default 1 Worker, 64 waiting */
  hashPool?: HashPool;
}

// Request bodies: lib/api/users.ts and lib/api/tokens.ts.
const tokenSchema = createTokenSchema;
const revokeAllSchema = revokeAllTokensSchema;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw invalidInput(r.error.issues);
  return r.data;
}

export class AuthService {
  #setupHash: string | null = null;
  /** Sign-ins: per account+address, per address, and a slowdown per account. */
  #logins: LoginLimiter;
  /** Own password changes (current_password), keyed by user id + address. */
  #passwordChecks: LoginLimiter;
  /** Wrong setup tokens per address. */
  #setupFailures: FailureLimiter;
  #passwords: Passwords;
  #idleMs: number;
  #absoluteMs: number;
  #now: () => number;
  #accessChanged: (change: AccessChange) => void;

  constructor(
    private sql: Sql,
    private audit: AuditLog,
    opts: AuthOptions = {},
  ) {
    this.#idleMs = opts.idleMs ?? 12 * 3600_000;
    this.#absoluteMs = opts.absoluteMs ?? 7 * 24 * 3600_000;
    this.#now = opts.now ?? Date.now;
    this.#logins = new LoginLimiter({ now: this.#now });
    this.#passwordChecks = new LoginLimiter({ now: this.#now });
    this.#setupFailures = new FailureLimiter({
      max: 10,
      windowMs: 15 * 60_000,
      now: this.#now,
    });
    this.#passwords = new Passwords(opts.hashPool);
    this.#accessChanged = opts.onAccessChange ?? (() => {});
  }

  /** Stops the password hashing Workers. */
  close(): void {
    this.#passwords.close();
  }

  get idleMs(): number {
    return this.#idleMs;
  }

  async setupRequired(): Promise<boolean> {
    return (await udb.countUsers(this.sql)) === 0;
  }

  /**
   * When no account exists, makes a new one-time setup token and returns it
   * (to print as a link); null once set up.
   */
  async issueSetupToken(): Promise<string | null> {
    if (!(await this.setupRequired())) return null;
    const token = randomToken(24);
    this.#setupHash = await sha256Hex(token);
    return token;
  }

  async setup(
    body: unknown,
    actor: Actor,
  ): Promise<{ user: UserJson; sessionToken: string; csrf: string }> {
    const input = parse(setupSchema, body);
    const conflict = () =>
      new AppError("conflict", "Setup is already complete; sign in instead");
    if (!this.#setupHash || !(await this.setupRequired())) throw conflict();
    // Setup tokens are limited per address like passwords; the attempt is
    // counted before the check, so parallel guesses cannot slip through.
    const address = actor.ip ?? "unknown";
    const wait = this.#setupFailures.retryAfterMs(address);
    if (wait > 0) throw limited(wait, "setup attempts");
    const undo = this.#setupFailures.fail(address);
    const given = await sha256Hex(input.token);
    if (this.#setupHash === null) throw conflict();
    if (given !== this.#setupHash) {
      await this.audit.record(actor, "auth.setup.failure", null, {
        reason: "bad setup token",
      });
      throw new AppError(
        "forbidden",
        "token: the setup link is not valid; use the link the controller printed",
        {
          field: "token",
        },
      );
    }
    undo();
    const weak = passwordProblem(input.password, input.username);
    if (weak) throw new AppError("invalid_input", weak, { field: "password" });
    // Claim the one-time token synchronously: a concurrent request with the
    // same token now finds none (409). Given back if this one fails.
    const claimed = this.#setupHash;
    this.#setupHash = null;
    let row: udb.UserRow;
    try {
      const hash = await this.#passwords.hash(input.password);
      // And atomically in the database (a second controller, or a token
      // issued twice): the table lock makes "no user yet" and the insert one step.
      row = await this.sql.begin(async (tx) => {
        await tx`lock table users in share row exclusive mode`;
        if ((await udb.countUsers(tx as unknown as Sql)) > 0) throw conflict();
        return await udb.insertUser(tx as unknown as Sql, {
          username: input.username,
          password_hash: hash,
          role: "admin",
        });
      });
    } catch (e) {
      if (await this.setupRequired().catch(() => false)) {
        this.#setupHash ??= claimed;
      }
      throw e;
    }
    await this.audit.record(
      { ...actor, id: row.id, name: row.username },
      "auth.setup",
      row.id,
    );
    const s = await this.#newSession(row.id, actor);
    return {
      user: await this.#userJson(row),
      sessionToken: s.token,
      csrf: s.csrf,
    };
  }

  async login(
    body: unknown,
    actor: Actor & { userAgent: string | null },
  ): Promise<{ user: UserJson; sessionToken: string; csrf: string }> {
    const input = parse(loginSchema, body);
    const accountKey = input.username.trim().toLowerCase();
    const addressKey = actor.ip ?? "unknown";
    // Synchronous: the attempt is counted before any await.
    const gate = this.#logins.begin(accountKey, addressKey);
    if (!gate.ok) {
      await this.audit.record(
        { ...actor, name: input.username },
        "auth.login.blocked",
        null,
        {},
      );
      throw limited(gate.retryAfterMs, "failed sign-ins");
    }
    let found: udb.UserRow | null = null;
    const row = await this.#checked(gate.attempt, async () => {
      found = await udb.findByUsername(this.sql, input.username.trim());
      const ok = found
        ? await this.#passwords.verify(input.password, found.password_hash)
        : await this.#passwords.burn(input.password);
      return ok ? found : null;
    });
    if (!row) {
      await this.audit.record({
        ...actor,
        id: (found as udb.UserRow | null)?.id ?? null,
        name: input.username,
      }, "auth.login.failure");
      throw new AppError("unauthorized", "Invalid username or password");
    }
    const s = await this.#newSession(row.id, actor);
    await this.audit.record(
      { ...actor, id: row.id, name: row.username },
      "auth.login.success",
    );
    return {
      user: await this.#userJson(row),
      sessionToken: s.token,
      csrf: s.csrf,
    };
  }

  async logout(p: Principal, actor: Actor): Promise<void> {
    if (p.session) await sdb.deleteSession(this.sql, p.session.idHash);
    this.#accessChanged({ userId: p.userId, reason: "logout" });
    await this.audit.record(actor, "auth.logout");
  }

  /** The principal behind a session cookie, or null when unknown or expired. */
  async sessionPrincipal(cookieValue: string): Promise<Principal | null> {
    if (!cookieValue || cookieValue.length > 200) return null;
    const idHash = await sha256Hex(cookieValue);
    const s = await sdb.getSession(this.sql, idHash);
    if (!s) return null;
    const now = this.#now();
    if (
      new Date(s.expires_at).getTime() <= now ||
      new Date(s.last_seen_at).getTime() + this.#idleMs <= now
    ) {
      await sdb.deleteSession(this.sql, idHash);
      return null;
    }
    const user = await udb.getUser(this.sql, s.user_id);
    if (!user) return null;
    // Refresh the idle clock at most once a minute: one write per minute, not per request.
    if (now - new Date(s.last_seen_at).getTime() > 60_000) {
      await sdb.touchSession(this.sql, idHash);
    }
    return {
      userId: user.id,
      username: user.username,
      role: user.role,
      kind: "session",
      scope: "full",
      session: { idHash, csrf: s.csrf_token },
    };
  }

  /** The principal behind an API token, or null. */
  async tokenPrincipal(token: string): Promise<Principal | null> {
    if (!token.startsWith("fe_") || token.length > 200) return null;
    const row = await sdb.tokenByHash(this.sql, await sha256Hex(token));
    if (!row) return null;
    if (row.expires_at && new Date(row.expires_at).getTime() <= this.#now()) {
      return null;
    }
    const user = await udb.getUser(this.sql, row.user_id);
    if (!user) return null;
    // Record use at most once a minute: one write per minute, not per request.
    if (
      !row.last_used_at ||
      this.#now() - new Date(row.last_used_at).getTime() > 60_000
    ) {
      await sdb.touchToken(this.sql, row.id);
    }
    return {
      userId: user.id,
      username: user.username,
      role: user.role,
      kind: "token",
      scope: row.scope,
      tokenId: row.id,
    };
  }

  async me(p: Principal): Promise<UserJson> {
    const row = await udb.getUser(this.sql, p.userId);
    if (!row) throw new AppError("unauthorized", "Authentication required");
    return await this.#userJson(row);
  }

  /** Changes the caller's own password; every other session of theirs ends. */
  async changePassword(
    p: Principal,
    body: unknown,
    actor: Actor & { userAgent: string | null },
  ): Promise<{ sessionToken: string | null; csrf: string | null }> {
    const input = parse(credentialsSchema, body);
    const gate = this.#passwordChecks.begin(p.userId, actor.ip ?? "unknown");
    if (!gate.ok) {
      await this.audit.record(actor, "user.password_change.blocked", p.userId);
      throw limited(gate.retryAfterMs, "wrong current passwords");
    }
    const row = await this.#checked(gate.attempt, async () => {
      const row = await udb.getUser(this.sql, p.userId);
      return row &&
          await this.#passwords.verify(
            input.current_password,
            row.password_hash,
          )
        ? row
        : null;
    });
    if (!row) {
      await this.audit.record(actor, "user.password_change.failure", p.userId);
      throw new AppError("invalid_input", "current_password is not correct", {
        field: "current_password",
      });
    }
    const weak = passwordProblem(input.new_password, row.username);
    if (weak) {
      throw new AppError("invalid_input", `new_${weak}`, {
        field: "new_password",
      });
    }
    await udb.setPassword(
      this.sql,
      row.id,
      await this.#passwords.hash(input.new_password),
    );
    await sdb.deleteUserSessions(this.sql, row.id);
    // Tokens made under the old password go too; a token that made this
    // change (it knew the current password) is kept.
    const tokens = await sdb.revokeUserTokens(this.sql, row.id, p.tokenId);
    this.#accessChanged({ userId: row.id, reason: "password" });
    await this.audit.record(actor, "user.password_change", row.id, {
      tokens_revoked: tokens,
    });
    if (p.kind !== "session") return { sessionToken: null, csrf: null };
    const s = await this.#newSession(row.id, actor);
    return { sessionToken: s.token, csrf: s.csrf };
  }

  // --- users (admin) ---

  async listUsers(p: AccessPrincipal): Promise<UserJson[]> {
    authorize(p, "user.list");
    return await Promise.all(
      (await udb.listUsers(this.sql)).map((r) => this.#userJson(r)),
    );
  }

  async getUser(p: AccessPrincipal, id: string): Promise<UserJson> {
    authorize(p, "user.read");
    return await this.#userJson(await this.#userRow(id));
  }

  async createUser(
    p: AccessPrincipal,
    body: unknown,
    actor: Actor,
  ): Promise<UserJson> {
    authorize(p, "user.create");
    const input = parse(createUserSchema, body);
    const weak = passwordProblem(input.password, input.username);
    if (weak) throw new AppError("invalid_input", weak, { field: "password" });
    if (await udb.findByUsername(this.sql, input.username)) {
      throw new AppError("conflict", `username: "${input.username}" is taken`, {
        field: "username",
      });
    }
    const hash = await this.#passwords.hash(input.password);
    const row = await this.sql.begin(async (tx) => {
      const u = await udb.insertUser(tx as unknown as Sql, {
        username: input.username,
        password_hash: hash,
        role: input.role,
      });
      await this.#setGrants(tx as unknown as Sql, u.id, input.camera_ids);
      return u;
    }).catch((e) => {
      if ((e as { code?: string }).code === "23505") {
        throw new AppError(
          "conflict",
          `username: "${input.username}" is taken`,
          { field: "username" },
        );
      }
      throw e;
    });
    await this.audit.record(actor, "user.create", row.id, {
      username: row.username,
      role: row.role,
    });
    return await this.#userJson(row);
  }

  async updateUser(
    p: AccessPrincipal,
    id: string,
    body: unknown,
    actor: Actor,
  ): Promise<UserJson> {
    authorize(p, "user.update");
    const input = parse(updateUserSchema, body);
    const row = await this.#userRow(id);
    if (
      input.role && input.role !== row.role && row.role === "admin" &&
      (await udb.countAdmins(this.sql)) <= 1
    ) {
      throw new AppError(
        "conflict",
        "role: the last admin cannot become a viewer",
        { field: "role" },
      );
    }
    await this.sql.begin(async (tx) => {
      if (input.role) await udb.setRole(tx as unknown as Sql, id, input.role);
      if (input.camera_ids) {
        await this.#setGrants(tx as unknown as Sql, id, input.camera_ids);
      }
    });
    // Any change may take access away (a camera or the admin role): open
    // streams check again.
    this.#accessChanged({ userId: id, reason: "grants" });
    await this.audit.record(actor, "user.update", id, {
      role: input.role,
      camera_ids: input.camera_ids,
    });
    return await this.#userJson(await this.#userRow(id));
  }

  async deleteUser(
    p: AccessPrincipal,
    id: string,
    actor: Actor,
  ): Promise<{ message: string; id: string }> {
    authorize(p, "user.delete");
    const row = await this.#userRow(id);
    if (row.role === "admin" && (await udb.countAdmins(this.sql)) <= 1) {
      throw new AppError("conflict", "The last admin cannot be removed");
    }
    await udb.deleteUser(this.sql, id);
    this.#accessChanged({ userId: id, reason: "deleted" });
    await this.audit.record(actor, "user.delete", id, {
      username: row.username,
    });
    return { message: `User "${row.username}" removed`, id };
  }

  /** Admin reset: sets a new password and ends every session of that user. */
  async resetPassword(
    p: AccessPrincipal,
    id: string,
    body: unknown,
    actor: Actor,
  ): Promise<{ message: string }> {
    authorize(p, "user.reset_password");
    const input = parse(resetSchema, body);
    const row = await this.#userRow(id);
    const weak = passwordProblem(input.new_password, row.username);
    if (weak) {
      throw new AppError("invalid_input", `new_${weak}`, {
        field: "new_password",
      });
    }
    await udb.setPassword(
      this.sql,
      id,
      await this.#passwords.hash(input.new_password),
    );
    const ended = await sdb.deleteUserSessions(this.sql, id);
    const tokens = await sdb.revokeUserTokens(this.sql, id);
    this.#accessChanged({ userId: id, reason: "password" });
    await this.audit.record(actor, "user.reset", id, {
      sessions_ended: ended,
      tokens_revoked: tokens,
    });
    return {
      message:
        `Password of "${row.username}" reset; ${ended} session(s) ended, ${tokens} API token(s) revoked`,
    };
  }

  // --- API tokens ---

  async listTokens(a: AccessPrincipal): Promise<TokenJson[]> {
    authorize(a, "token.list");
    const p = tokenOwner(a);
    const rows = await sdb.listTokens(
      this.sql,
      p.role === "admin" ? null : p.userId,
    );
    return rows.map(tokenJson);
  }

  async createToken(
    a: AccessPrincipal,
    body: unknown,
    actor: Actor,
  ): Promise<TokenJson & { token: string }> {
    if (a.kind === "token" && a.scope === "read") {
      throw new AppError("forbidden", "A read-only token cannot create tokens");
    }
    authorize(a, "token.create");
    const p = tokenOwner(a);
    const input = parse(tokenSchema, body);
    // A viewer's token can never do more than the viewer: read only.
    const scope = p.role === "viewer" ? "read" : input.scope;
    const secret = randomToken(32);
    const prefix = secret.slice(0, 8);
    const token = `fe_${secret}`;
    const row = await sdb.insertToken(this.sql, {
      user_id: p.userId,
      name: input.name,
      scope,
      prefix,
      token_hash: await sha256Hex(token),
      expires_at: input.expires_in_days
        ? new Date(this.#now() + input.expires_in_days * 86400_000)
        : null,
    });
    await this.audit.record(actor, "token.create", row.id, {
      name: row.name,
      scope: row.scope,
      expires_at: row.expires_at
        ? new Date(row.expires_at).toISOString()
        : null,
    });
    return { ...tokenJson({ ...row, username: p.username }), token };
  }

  async revokeToken(
    a: AccessPrincipal,
    id: string,
    actor: Actor,
  ): Promise<{ message: string; id: string }> {
    authorize(a, "token.revoke");
    const p = tokenOwner(a);
    const row = UUID.test(id) ? await sdb.getToken(this.sql, id) : null;
    if (!row || (p.role !== "admin" && row.user_id !== p.userId)) {
      throw new AppError("not_found", `Token "${id}" does not exist`, {
        field: "id",
      });
    }
    await sdb.revokeToken(this.sql, id);
    this.#accessChanged({ userId: row.user_id, reason: "token" });
    await this.audit.record(actor, "token.revoke", id, { name: row.name });
    return { message: `Token "${row.name}" revoked`, id };
  }

  /** Revokes every live token of `user_id`: the caller's own, or (admins) anyone's. */
  async revokeAllTokens(
    a: AccessPrincipal,
    body: unknown,
    actor: Actor,
  ): Promise<{ message: string; revoked: number; user_id: string }> {
    authorize(a, "token.revoke");
    const p = tokenOwner(a);
    const input = parse(revokeAllSchema, body);
    const userId = input.user_id;
    if (userId !== p.userId && p.role !== "admin") {
      throw new AppError(
        "forbidden",
        "user_id: only admins may revoke another user's tokens",
        { field: "user_id" },
      );
    }
    const user = await this.#userRow(userId);
    const revoked = await sdb.revokeUserTokens(this.sql, user.id);
    this.#accessChanged({ userId: user.id, reason: "token" });
    await this.audit.record(actor, "token.revoke_all", user.id, {
      username: user.username,
      revoked,
    });
    return {
      message: `${revoked} API token(s) of "${user.username}" revoked`,
      revoked,
      user_id: user.id,
    };
  }

  /**
   * The access principal (controller/access) of an authenticated caller,
   * with the cameras granted to them as of now.
   */
  async accessPrincipal(
    p: Authenticated,
  ): Promise<UserPrincipal | TokenPrincipal> {
    return principalOf(
      p,
      p.role === "admin" ? [] : await udb.grantsOf(this.sql, p.userId),
    );
  }

  /** Camera ids a principal may see; null means every camera (admins). */
  async visibleCameras(
    p: Pick<Principal, "userId" | "role">,
  ): Promise<Set<string> | null> {
    if (p.role === "admin") return null;
    return new Set(await udb.grantsOf(this.sql, p.userId));
  }

  async sweepSessions(): Promise<number> {
    return await sdb.deleteExpiredSessions(this.sql, this.#idleMs);
  }

  /**
   * Runs a password check under a reserved attempt: a wrong password keeps
   * the reservation as a failure, a right one gives it back, and a check that
   * never ran (hashing Workers busy, database down) is not counted.
   */
  async #checked<T>(
    attempt: Attempt,
    check: () => Promise<T | null>,
  ): Promise<T | null> {
    let out: T | null;
    try {
      out = await check();
    } catch (e) {
      attempt.cancelled();
      throw e;
    }
    if (out) attempt.succeeded();
    else attempt.failed();
    return out;
  }

  async #newSession(
    userId: string,
    actor: Actor & { userAgent?: string | null },
  ) {
    const token = randomToken(32);
    const csrf = randomToken(24);
    await sdb.insertSession(this.sql, {
      id_hash: await sha256Hex(token),
      user_id: userId,
      csrf_token: csrf,
      expires_at: new Date(this.#now() + this.#absoluteMs),
      ip: actor.ip,
      user_agent: actor.userAgent?.slice(0, 300) ?? null,
    });
    return { token, csrf };
  }

  async #userRow(id: string): Promise<udb.UserRow> {
    const row = UUID.test(id) ? await udb.getUser(this.sql, id) : null;
    if (!row) {
      throw new AppError("not_found", `User "${id}" does not exist`, {
        field: "id",
      });
    }
    return row;
  }

  async #setGrants(sql: Sql, userId: string, cameraIds: string[]) {
    const unique = [...new Set(cameraIds)];
    if (unique.length) {
      const found = await sql<
        { id: string }[]
      >`select id from cameras where id in ${sql(unique)}`;
      const known = new Set(found.map((r) => r.id));
      const missing = unique.find((c) => !known.has(c));
      if (missing) {
        throw new AppError(
          "invalid_input",
          `camera_ids: camera "${missing}" does not exist`,
          { field: "camera_ids" },
        );
      }
    }
    await udb.setGrants(sql, userId, unique);
  }

  async #userJson(r: udb.UserRow): Promise<UserJson> {
    return {
      id: r.id,
      username: r.username,
      role: r.role,
      camera_ids: r.role === "admin" ? [] : await udb.grantsOf(this.sql, r.id),
      created_at: new Date(r.created_at).toISOString(),
      password_changed_at: new Date(r.password_changed_at).toISOString(),
    };
  }
}

function tokenJson(r: sdb.TokenRow & { username: string }): TokenJson {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope,
    prefix: `fe_${r.prefix}`,
    user: { id: r.user_id, username: r.username },
    created_at: new Date(r.created_at).toISOString(),
    last_used_at: r.last_used_at
      ? new Date(r.last_used_at).toISOString()
      : null,
    revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    expires_at: r.expires_at ? new Date(r.expires_at).toISOString() : null,
  };
}

function limited(waitMs: number, what: string): AppError {
  const s = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError("rate_limited", `Too many ${what}; try again in ${s} s`, {
    retryAfterS: s,
  });
}
