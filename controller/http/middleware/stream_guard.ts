/**
 * Open streams (MJPEG, the grid mux, SSE) outlive the request that checked
 * access. The guard ends them when that access goes (docs/design/security.md
 * § Review findings #5):
 *
 * - on an access change of the stream's user (EventBus.accessChanged: grant
 *   or role removed, user deleted, password reset or changed, logout, token
 *   revoked) it resolves the request's credentials again and asks the stream
 *   whether the fresh principal may still watch; if not, the stream ends
 *   within the time one database lookup takes;
 * - every stream ends after `maxLifetimeMs` anyway, so whatever no event
 *   reports (a session expiring, a token's expiry) is caught at the latest
 *   then; clients reconnect and are checked like any new request.
 */
import type { AuthService, Principal } from "../../auth/service.ts";
import type { EventBus } from "../../events/bus.ts";
import { errorMessage, logger } from "../../../lib/log.ts";
import { principalFromRequest } from "./auth.ts";

const log = logger("streams");

/** Whether the fresh principal (with its visible cameras; null = all) may go on. */
export type StillAllowed = (
  p: Principal,
  visible: Set<string> | null,
) => boolean;

export interface StreamGuardOptions {
  bus: Pick<EventBus, "onAccessChange">;
  auth: Pick<
    AuthService,
    "visibleCameras" | "sessionPrincipal" | "tokenPrincipal"
  >;
  /** @default 15 min */
  maxLifetimeMs?: number;
}

export class StreamGuard {
  #o: Required<StreamGuardOptions>;
  constructor(o: StreamGuardOptions) {
    this.#o = { ...o, maxLifetimeMs: o.maxLifetimeMs ?? 15 * 60_000 };
  }

  get maxLifetimeMs(): number {
    return this.#o.maxLifetimeMs;
  }

  /**
   * A signal that aborts when `req` ends, when the stream has lived
   * `maxLifetimeMs`, or when its caller lost access. Abort it (or let the
   * request end) to stop watching.
   */
  watch(
    req: Request,
    principal: Principal,
    stillAllowed: StillAllowed = () => true,
  ): AbortSignal {
    const ac = new AbortController();
    const signal = AbortSignal.any([req.signal, ac.signal]);
    const lifetime = setTimeout(() => ac.abort(), this.#o.maxLifetimeMs);
    let checking = false;
    let again = false;
    const recheck = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          if (!(await this.#allowed(req, principal, stillAllowed))) {
            ac.abort();
            return;
          }
        } while (again && !signal.aborted);
      } catch (e) {
        // Cannot tell: end the stream; the client reconnects and is checked.
        log.warn("stream access re-check failed", { error: errorMessage(e) });
        ac.abort();
      } finally {
        checking = false;
      }
    };
    const off = this.#o.bus.onAccessChange((change) => {
      if (change.userId === principal.userId && !signal.aborted) {
        void recheck();
      }
    });
    signal.addEventListener("abort", () => {
      clearTimeout(lifetime);
      off();
    }, { once: true });
    return signal;
  }

  async #allowed(
    req: Request,
    before: Principal,
    stillAllowed: StillAllowed,
  ): Promise<boolean> {
    const p = await principalFromRequest(req, this.#o.auth as AuthService);
    if (!p || p.userId !== before.userId) return false;
    if (before.session && p.session?.idHash !== before.session.idHash) {
      return false;
    }
    if (before.tokenId && p.tokenId !== before.tokenId) return false;
    return stillAllowed(p, await this.#o.auth.visibleCameras(p));
  }
}
