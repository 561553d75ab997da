/**
 * Per-node credentials (finding #6 of issue 11, docs/design/security.md).
 *
 * A node agent enrols once with the join token (`FALCON_NODE_TOKEN`): it sends
 * the address the controller should reach it at and a random key it will
 * accept from the controller, and gets back its own secret. The controller
 * keeps only the SHA-256 of that secret and the key sealed (AES-GCM), and pins
 * the address. From then on the node authenticates with its secret, which
 * names exactly one node; heartbeats cannot move the address. An enrolled
 * node is enrolled again only after an admin reset, or by itself: a request
 * that carries the join token and the node's current secret (a DaemonSet pod
 * that restarted with a new pod IP).
 */
import { z } from "zod";
import { invalidInput } from "../../lib/validation.ts";
import { randomToken, sha256Hex } from "../auth/crypto.ts";

/** A key or secret: URL-safe base64 of at least 24 random bytes. */
const KEY = /^[A-Za-z0-9_-]{32,256}$/;

export const enrolSchema = z.object({
  address: z.url({ protocol: /^https?$/ }).max(2048),
  api_key: z.string().regex(
    KEY,
    "32-256 characters of URL-safe base64 (24+ random bytes)",
  ),
  /** The node's current secret, when an enrolled node moves itself. */
  secret: z.string().max(256).optional(),
});

export type EnrolRequest = z.infer<typeof enrolSchema>;

/** `POST /internal/v1/nodes/{node}/enroll` → 201 with this. */
export interface Enrolment {
  node: string;
  /** The node's own secret: shown once, stored hashed. */
  secret: string;
  /** The pinned address. */
  address: string;
}

export function parseEnrolRequest(body: unknown): EnrolRequest {
  const parsed = enrolSchema.safeParse(body);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  // Normalised, so the pin compares like with like (no trailing slash).
  const address = parsed.data.address.replace(/\/+$/, "");
  return { ...parsed.data, address };
}

export function newNodeSecret(): string {
  return randomToken(32);
}

export function hashNodeSecret(secret: string): Promise<string> {
  return sha256Hex(secret);
}
