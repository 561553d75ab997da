/**
 * The access policy: principal × action × resource → allow, or deny with the
 * reason and the error kind the caller sees. Domain services call
 * `authorize()` first thing (before looking anything up for role-only
 * actions, after the 404 for camera-scoped ones), so every way in — HTTP,
 * dashboard, agent tools — gets the same answer.
 *
 * - Admins may do everything; viewers read the cameras granted to them (and
 *   their recordings), watch them and list PTZ presets, and manage their own
 *   API tokens.
 * - An API token is never more than its user; a `read` token only reads.
 * - A node agent may only report for itself (heartbeat, desired state, events).
 * - An agent may take exactly the actions its tools name, on its cameras.
 * - The controller itself (`system`) may do everything but speak for a node.
 */
import { AppError } from "../../lib/errors.ts";
import { personOf, type Principal } from "./principal.ts";

/** What a rule asks of the caller. */
export interface Rule {
  /** Least role of a person. */
  role: "admin" | "viewer";
  /** Changes something: read tokens may not. */
  write: boolean;
  /** Scoped to one camera: the caller must be granted it. */
  camera?: true;
  /** The node protocol: only node principals, each for itself. */
  node?: true;
}

const admin = (write: boolean, camera?: true): Rule => ({
  role: "admin",
  write,
  ...(camera ? { camera } : {}),
});
const viewer = (write: boolean, camera?: true): Rule => ({
  role: "viewer",
  write,
  ...(camera ? { camera } : {}),
});

/** Every action a service method may be asked to take. */
export const RULES = {
  "camera.list": viewer(false),
  "camera.read": viewer(false, true),
  "camera.watch": viewer(false, true),
  "camera.create": admin(true),
  "camera.update": admin(true),
  "camera.delete": admin(true),
  "camera.probe": admin(true),
  "camera.onvif_inspect": admin(true),
  "camera.ptz": admin(true, true),
  "camera.ptz_presets": viewer(false, true),
  "recording.list": viewer(false),
  "recording.read": viewer(false, true),
  "recording.start": admin(true, true),
  "recording.stop": admin(true, true),
  "recording.keep": admin(true),
  "recording.delete": admin(true),
  "recording.reconcile": admin(true),
  "node.list": admin(false),
  "node.read": admin(false),
  "node.scan": admin(false),
  "node.reset_enrolment": admin(true),
  "node.report": { role: "admin", write: true, node: true },
  "settings.read": admin(false),
  "settings.update": admin(true),
  "user.list": admin(false),
  "user.read": admin(false),
  "user.create": admin(true),
  "user.update": admin(true),
  "user.delete": admin(true),
  "user.reset_password": admin(true),
  "token.list": viewer(false),
  "token.create": viewer(true),
  "token.revoke": viewer(true),
  "audit.read": admin(false),
  "events.subscribe": viewer(false),
  // Agents and chat are admin-managed (docs/design/agents.md): an agent acts
  // with its own camera grants, which a viewer's may not cover.
  "agent.list": admin(false),
  "agent.read": admin(false),
  "agent.create": admin(true),
  "agent.update": admin(true),
  "agent.delete": admin(true),
  "agent.control": admin(true),
  "provider.read": admin(false),
  "provider.update": admin(true),
  "provider.check": admin(true),
  "chat.read": admin(false),
  "chat.send": admin(true),
  "tool.list": viewer(false),
  "system.info": admin(false),
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof RULES;

/** What an action is taken on. */
export interface Resource {
  /** The camera it concerns; null for one that no longer exists (admins only). */
  cameraId?: string | null;
  /** Says what was refused: `camera "x"` (default), `recording "y"`. */
  what?: string;
  /** For node actions: the node it concerns. */
  node?: string;
  /** The input field that named the resource, for the error. */
  field?: string;
}

export type Decision =
  | { allow: true }
  | { allow: false; kind: "forbidden"; reason: string };

const deny = (reason: string): Decision => ({
  allow: false,
  kind: "forbidden",
  reason,
});
const ALLOW: Decision = { allow: true };

/** The policy's answer; pure, no I/O. */
export function decide(
  p: Principal,
  action: Action,
  resource: Resource = {},
): Decision {
  return decideFor(p, action, resource, false);
}

/**
 * Throws when `p` may not take `action` on any resource (role, token scope,
 * tool, node), before the resource is looked up: a viewer asking to move an
 * unknown camera learns nothing about which ids exist. The camera check
 * still follows with `authorize()`.
 */
export function precheck(p: Principal, action: Action): void {
  const d = decideFor(p, action, {}, true);
  if (!d.allow) throw new AppError(d.kind, d.reason);
}

function decideFor(
  p: Principal,
  action: Action,
  resource: Resource,
  anyCamera: boolean,
): Decision {
  const rule: Rule = RULES[action];
  if (rule.node || p.kind === "node") {
    if (!rule.node || p.kind !== "node") {
      return deny(
        rule.node
          ? "Only a node agent may use the node protocol"
          : "A node agent may only use the node protocol",
      );
    }
    return resource.node === p.node
      ? ALLOW
      : deny(`Node "${p.node}" may only report for itself`);
  }
  if (p.kind === "system") return ALLOW;
  if (p.kind === "agent") {
    if (!p.tools.has(action)) {
      return deny(`Agent "${p.agentId}" has no tool for ${action}`);
    }
    return rule.camera && !anyCamera &&
        !cameraAllowed(p.cameras, resource.cameraId)
      ? deny(`No access to ${what(resource)}`)
      : ALLOW;
  }
  if (p.kind === "token" && rule.write && p.scope === "read") {
    return deny("This API token is read-only");
  }
  const person = personOf(p)!;
  if (person.role === "admin") return ALLOW;
  if (rule.role === "admin") return deny("This needs the admin role");
  if (
    rule.camera && !anyCamera &&
    !cameraAllowed(person.grants, resource.cameraId)
  ) {
    return deny(`No access to ${what(resource)}`);
  }
  return ALLOW;
}

/** Throws the AppError of a denial (403 naming what was refused). */
export function authorize(
  p: Principal,
  action: Action,
  resource: Resource = {},
): void {
  const d = decide(p, action, resource);
  if (!d.allow) {
    throw new AppError(d.kind, d.reason, { field: resource.field });
  }
}

/**
 * The cameras a principal may see in lists: null for every camera, else
 * the set (empty for nodes). Lists filter with it instead of one decision
 * per row.
 */
export function cameraScope(p: Principal): ReadonlySet<string> | null {
  if (p.kind === "node") return new Set();
  if (p.kind === "system") return null;
  if (p.kind === "agent") return p.cameras === "all" ? null : p.cameras;
  const person = personOf(p)!;
  return person.role === "admin" ? null : person.grants;
}

function cameraAllowed(
  granted: ReadonlySet<string> | "all",
  cameraId: string | null | undefined,
): boolean {
  if (granted === "all") return true;
  return typeof cameraId === "string" && granted.has(cameraId);
}

function what(r: Resource): string {
  return r.what ?? `camera "${r.cameraId ?? "?"}"`;
}
