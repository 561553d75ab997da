/**
 * The node agent's side of enrolment (controller/nodes/enrolment.ts, finding
 * #6 of issue 11): once, it sends the join token, the address it serves at
 * and a random key it will accept from the controller, and keeps the secret
 * it gets back in `<data dir>/node/<node>/credential.json` (0600). Every later
 * call to the controller carries that secret; the join token is used again
 * only when the node's address changes (with the secret, so the controller
 * lets it move) or after an admin reset.
 */
import { errorMessage, logger } from "../../lib/log.ts";

const log = logger("enrolment");

export interface NodeCredential {
  node: string;
  /** Controller the secret belongs to. */
  controller: string;
  /** Address the controller pinned. */
  address: string;
  /** The node's own secret (node → controller). */
  secret: string;
  /** The key the controller presents to this node (controller → node). */
  api_key: string;
}

/** URL-safe base64 of 32 random bytes. */
export function randomKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

export class CredentialStore {
  constructor(readonly path: string) {}

  async load(): Promise<NodeCredential | null> {
    try {
      const c = JSON.parse(await Deno.readTextFile(this.path));
      const ok = ["node", "controller", "address", "secret", "api_key"]
        .every((k) => typeof c?.[k] === "string" && c[k]);
      return ok ? c as NodeCredential : null;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        log.warn("node credential unreadable; enrolling again", {
          path: this.path,
          error: errorMessage(e),
        });
      }
      return null;
    }
  }

  /** Written atomically, readable by this user only. */
  async save(c: NodeCredential): Promise<void> {
    const dir = this.path.replace(/\/[^/]*$/, "");
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(c, null, 2) + "\n", {
      mode: 0o600,
    });
    await Deno.chmod(tmp, 0o600);
    await Deno.rename(tmp, this.path);
  }

  async remove(): Promise<void> {
    await Deno.remove(this.path).catch(() => {});
  }
}

/** The controller refused the enrolment for good (409 enrolled already, 401 wrong join token). */
export class EnrolmentRefused extends Error {}

/** One enrolment request; resolves with the new credential. */
export async function enrol(opts: {
  controllerUrl: string;
  nodeName: string;
  joinToken: string;
  address: string;
  apiKey: string;
  /** Current secret: the node moves to a new address. */
  secret?: string;
  fetch?: typeof fetch;
}): Promise<NodeCredential> {
  const base = opts.controllerUrl.replace(/\/+$/, "");
  const res = await (opts.fetch ?? fetch)(
    `${base}/internal/v1/nodes/${encodeURIComponent(opts.nodeName)}/enroll`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${opts.joinToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        address: opts.address,
        api_key: opts.apiKey,
        ...(opts.secret ? { secret: opts.secret } : {}),
      }),
      signal: AbortSignal.timeout(10000),
    },
  );
  const text = await res.text();
  if (res.status !== 201) {
    let message = text.slice(0, 300);
    try {
      message = JSON.parse(text).error.message ?? message;
    } catch { /* not JSON */ }
    const err = `controller refused enrolment (${res.status}): ${message}`;
    if (res.status === 401 || res.status === 409) {
      throw new EnrolmentRefused(err);
    }
    throw new Error(err);
  }
  const body = JSON.parse(text) as { secret?: unknown; address?: unknown };
  if (typeof body.secret !== "string" || typeof body.address !== "string") {
    throw new Error("controller's enrolment answer has no secret");
  }
  return {
    node: opts.nodeName,
    controller: base,
    address: body.address,
    secret: body.secret,
    api_key: opts.apiKey,
  };
}

export interface NodeEnrolmentOptions {
  store: CredentialStore;
  controllerUrl: string;
  nodeName: string;
  joinToken: string;
  /** Address this agent serves at (what the controller pins). */
  address: string;
  /** Key to enrol with when none is stored. @default a new random key */
  apiKey?: string;
  fetch?: typeof fetch;
}

/**
 * Holds the node's credential and gets one when needed: at start when there
 * is none for this controller and address, and again when the controller
 * rejects the secret (401: an admin reset it) or the address (409: moved).
 */
export class NodeEnrolment {
  #cred: NodeCredential | null = null;
  #apiKey: string;
  #pending: Promise<void> | null = null;

  constructor(private o: NodeEnrolmentOptions) {
    this.#apiKey = o.apiKey ?? randomKey();
  }

  /** Loads the stored credential; its key is the one the node API accepts. */
  async init(): Promise<void> {
    const c = await this.o.store.load();
    if (c && c.node === this.o.nodeName) {
      this.#cred = c;
      this.#apiKey = c.api_key;
    }
  }

  /** The key the controller must present to this node's API. */
  get apiKey(): string {
    return this.#apiKey;
  }

  /** The node's secret, once enrolled with this controller at this address. */
  get secret(): string | null {
    const c = this.#cred;
    return c && this.#current(c) ? c.secret : null;
  }

  #current(c: NodeCredential): boolean {
    return c.controller === this.o.controllerUrl.replace(/\/+$/, "") &&
      c.address === this.o.address.replace(/\/+$/, "");
  }

  /**
   * Enrols unless the credential is current; retries every few seconds
   * until it succeeds or `signal` aborts. `rejected` says the controller no
   * longer accepts the credential (401) or the address (409).
   */
  ensure(
    signal: AbortSignal,
    rejected?: { status: 401 | 409; secret: string },
  ): Promise<void> {
    // Only a rejection of the secret held now counts: a late answer to an
    // older one must not throw away a credential just obtained.
    if (rejected && this.#cred && rejected.secret === this.#cred.secret) {
      this.#cred = rejected.status === 401
        ? null
        : { ...this.#cred, address: "" }; // not current: move
    }
    if (this.secret) return Promise.resolve();
    return this.#pending ??= this.#loop(signal).finally(() => {
      this.#pending = null;
    });
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let backoff = 1000;
    while (!signal.aborted) {
      const moving = this.#cred?.controller ===
          this.o.controllerUrl.replace(/\/+$/, "")
        ? this.#cred.secret
        : undefined;
      try {
        const c = await enrol({
          controllerUrl: this.o.controllerUrl,
          nodeName: this.o.nodeName,
          joinToken: this.o.joinToken,
          address: this.o.address,
          apiKey: this.#apiKey,
          secret: moving,
          fetch: this.o.fetch,
        });
        await this.o.store.save(c);
        this.#cred = c;
        log.info(moving ? "moved to a new address" : "enrolled", {
          node: c.node,
          address: c.address,
        });
        return;
      } catch (e) {
        if (signal.aborted) return;
        const msg = errorMessage(e);
        if (e instanceof EnrolmentRefused) {
          log.error(
            `node "${this.o.nodeName}" cannot enrol: ${msg}. An admin can reset its enrolment on the Nodes page.`,
          );
          // A refused move (the controller forgot the secret) retries as a fresh enrolment.
          if (moving) this.#cred = null;
        } else {
          log.warn("enrolment failed; retrying", { error: msg });
        }
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, backoff);
        function done() {
          clearTimeout(t);
          signal.removeEventListener("abort", done);
          resolve();
        }
        signal.addEventListener("abort", done, { once: true });
      });
      backoff = Math.min(backoff * 2, 30000);
    }
  }
}
