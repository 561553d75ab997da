/**
 * Who is asking: the principal every domain service method receives
 * (docs/design/security.md § Access policy). The HTTP edges build one from
 * the session or API token, the node protocol from the node's credential,
 * and the agent tool hub (later) from the agent's token and its tools.
 */

export type Role = "admin" | "viewer";

/** A person signed in with a session (the dashboard, or the API with its cookie). */
export interface UserPrincipal {
  kind: "user";
  userId: string;
  username: string;
  role: Role;
  /** Cameras granted to a viewer; admins see every camera whatever this holds. */
  grants: ReadonlySet<string>;
}

/** A person's API token: never more than its user, and only reads when `read`. */
export interface TokenPrincipal {
  kind: "token";
  tokenId: string;
  scope: "read" | "full";
  user: UserPrincipal;
}

/** A node agent speaking the node protocol for itself. */
export interface NodePrincipal {
  kind: "node";
  node: string;
}

/**
 * An agent process calling tools. It may take exactly the actions named in
 * `tools`, on the cameras in `cameras` ("all": every camera).
 */
export interface AgentPrincipal {
  kind: "agent";
  agentId: string;
  /** The actions its tools take (policy RULES keys). */
  tools: ReadonlySet<string>;
  /** The tools it was given (lib/api/tools.ts names), checked by the tool hub. */
  toolNames?: ReadonlySet<string>;
  cameras: ReadonlySet<string> | "all";
  /**
   * The generation of the credential it presented (a new one per process
   * start): the turn endpoints refuse a turn claimed by another generation.
   */
  generation?: number;
}

/**
 * The controller acting on its own: `falcon up` adding the demo camera, a
 * job. Never built from a request.
 */
export interface SystemPrincipal {
  kind: "system";
  /** Who acts, for logs: "falcon up", "reconcile job". */
  name: string;
}

export type Principal =
  | UserPrincipal
  | TokenPrincipal
  | NodePrincipal
  | AgentPrincipal
  | SystemPrincipal;

/** The controller acting on its own behalf. */
export function system(name: string): SystemPrincipal {
  return { kind: "system", name };
}

/** The person behind a user or token principal; null for nodes and agents. */
export function personOf(p: Principal): UserPrincipal | null {
  return p.kind === "user" ? p : p.kind === "token" ? p.user : null;
}

/** What the authentication layer knows of a caller (auth/service.ts Principal). */
export interface Authenticated {
  userId: string;
  username: string;
  role: Role;
  kind: "session" | "token";
  scope: "read" | "full";
  tokenId?: string;
}

/** The principal of an authenticated caller, with the cameras granted to them. */
export function principalOf(
  a: Authenticated,
  grants: Iterable<string>,
): UserPrincipal | TokenPrincipal {
  const user: UserPrincipal = {
    kind: "user",
    userId: a.userId,
    username: a.username,
    role: a.role,
    grants: new Set(grants),
  };
  return a.kind === "token"
    ? { kind: "token", tokenId: a.tokenId ?? "", scope: a.scope, user }
    : user;
}

/** Short description for messages and logs: `user "ann"`, `node "pi-1"`. */
export function describe(p: Principal): string {
  switch (p.kind) {
    case "user":
      return `user "${p.username}"`;
    case "token":
      return `an API token of "${p.user.username}"`;
    case "node":
      return `node "${p.node}"`;
    case "agent":
      return `agent "${p.agentId}"`;
    case "system":
      return p.name;
  }
}
