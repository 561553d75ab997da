/**
 * The node agent's side of the protocol (lib/protocol/mod.ts): a heartbeat loop
 * (every `heartbeatMs`, or at once when poked because a camera changed state)
 * and a long poll that receives desired-state changes within milliseconds.
 * When the controller is unreachable both loops back off and retry; the node
 * keeps running on the last desired state meanwhile. Every call carries the
 * node's own secret (link/enrolment.ts); when the controller rejects it (401)
 * or the address (409), the link asks for a new credential and goes on.
 */
import { errorMessage, logger } from "../../lib/log.ts";
import type { DesiredState, Heartbeat } from "../../lib/protocol/mod.ts";

const log = logger("link");

export interface ControllerLinkOptions {
  controllerUrl: string;
  nodeName: string;
  /**
   * The node's secret, enrolling first when there is none; `rejected` says
   * the controller refused the last one (401) or the address (409).
   */
  credential: (
    rejected?: { status: 401 | 409; secret: string },
  ) => Promise<string | null>;
  heartbeatMs: number;
  /** Long-poll wait the controller may hold a request for. @default 25000 */
  pollWaitMs?: number;
  heartbeat: () => Promise<Heartbeat>;
  apply: (state: DesiredState) => Promise<void>;
  etag: () => string | null;
  /** HTTP client (e.g. bound to the controller's CA). @default globalThis.fetch */
  fetch?: typeof fetch;
}

export class ControllerLink {
  #ac = new AbortController();
  #wake: (() => void) | null = null;
  #poked = false;
  #connected = false;
  #loops: Promise<void>[] = [];

  constructor(private opts: ControllerLinkOptions) {}

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    this.#loops = [this.#heartbeatLoop(), this.#pollLoop()];
  }

  async stop(): Promise<void> {
    this.#ac.abort();
    this.#wake?.();
    await Promise.allSettled(this.#loops);
  }

  /** Sends a heartbeat now (debounced), e.g. after a camera changed state. */
  poke(): void {
    this.#poked = true;
    this.#wake?.();
  }

  #url(path: string): string {
    return `${this.opts.controllerUrl}/internal/v1/nodes/${
      encodeURIComponent(this.opts.nodeName)
    }${path}`;
  }

  async #headers(
    extra: Record<string, string> = {},
  ): Promise<Record<string, string>> {
    const token = await this.opts.credential();
    if (!token) throw new Error("not enrolled with the controller");
    return { authorization: `Bearer ${token}`, ...extra };
  }

  #secretOf(headers: Record<string, string>): string {
    return headers.authorization.slice("Bearer ".length);
  }

  get #fetch(): typeof fetch {
    return this.opts.fetch ?? fetch;
  }

  /** A 401/409 answer to `secret`: get a new credential before the next try. */
  async #rejected(status: number, secret: string): Promise<void> {
    if (status === 401 || status === 409) {
      await this.opts.credential({ status, secret });
    }
  }

  #setConnected(ok: boolean, error?: string) {
    if (ok !== this.#connected) {
      if (ok) {
        log.info("connected to controller", { url: this.opts.controllerUrl });
      } else {log.warn(
          "controller unreachable; running on the last desired state",
          { error },
        );}
    }
    this.#connected = ok;
  }

  async #heartbeatLoop() {
    const signal = this.#ac.signal;
    while (!signal.aborted) {
      this.#poked = false;
      try {
        const body = await this.opts.heartbeat();
        const headers = await this.#headers({
          "content-type": "application/json",
        });
        const res = await this.#fetch(this.#url("/heartbeat"), {
          method: "POST",
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.any([signal, AbortSignal.timeout(10000)]),
        });
        if (!res.ok) {
          const text = await res.text();
          await this.#rejected(res.status, this.#secretOf(headers));
          throw new Error(
            `controller answered ${res.status}: ${text.slice(0, 300)}`,
          );
        }
        const state = await res.json() as DesiredState;
        this.#setConnected(true);
        if (state.etag !== this.opts.etag()) await this.opts.apply(state);
      } catch (e) {
        if (signal.aborted) return;
        this.#setConnected(false, errorMessage(e));
      }
      // Wait for the next beat, or a poke (debounced so a burst of changes sends one heartbeat).
      await this.#sleep(this.#poked ? 50 : this.opts.heartbeatMs, true);
    }
  }

  async #pollLoop() {
    const signal = this.#ac.signal;
    const wait = this.opts.pollWaitMs ?? 25000;
    let backoff = 500;
    while (!signal.aborted) {
      try {
        const etag = this.opts.etag();
        const q = new URLSearchParams({
          wait_ms: String(wait),
          ...(etag ? { etag } : {}),
        });
        const headers = await this.#headers();
        const res = await this.#fetch(this.#url(`/desired?${q}`), {
          headers,
          signal: AbortSignal.any([signal, AbortSignal.timeout(wait + 10000)]),
        });
        if (!res.ok) {
          await res.body?.cancel();
          await this.#rejected(res.status, this.#secretOf(headers));
          throw new Error(`controller answered ${res.status}`);
        }
        const state = await res.json() as DesiredState;
        if (state.etag !== this.opts.etag()) await this.opts.apply(state);
        backoff = 500;
      } catch (e) {
        if (signal.aborted) return;
        log.debug("long poll failed", { error: errorMessage(e) });
        await this.#sleep(backoff, false);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.#wake === poke) this.#wake = null;
        this.#ac.signal.removeEventListener("abort", done);
        resolve();
      };
      const poke = () => {
        // A poke cuts a long wait short, but still leaves a short debounce.
        clearTimeout(t);
        t = setTimeout(done, this.#ac.signal.aborted ? 0 : 50);
      };
      let t = setTimeout(done, ms);
      if (wakeable) this.#wake = poke;
      this.#ac.signal.addEventListener("abort", done, { once: true });
      if (this.#ac.signal.aborted) done();
    });
  }
}
