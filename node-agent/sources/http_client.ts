/**
 * GET requests to one camera URL with the credentials written in it
 * (`http://user:pass@cam/...`): the URL is sent without them, and a 401 is
 * answered once with Digest (RFC 7616) or Basic, whichever the camera asks
 * for. The accepted challenge is kept, so later requests (JPEG polling) carry
 * the answer up front with a growing nonce count instead of paying a 401
 * round trip each time; a `stale=true` or new nonce is answered again.
 */
import {
  basicAuthorization,
  type Challenge,
  digestAuthorization,
  parseChallenges,
  pickChallenge,
} from "../http_auth/digest.ts";

export class HttpClient {
  /** The URL as requested: without user and password. */
  readonly url: string;
  #user: string;
  #password: string;
  #challenge: Challenge | null = null;
  #nc = 0;

  constructor(sourceUrl: string) {
    const u = new URL(sourceUrl);
    this.#user = safeDecode(u.username);
    this.#password = safeDecode(u.password);
    u.username = "";
    u.password = "";
    this.url = u.toString();
  }

  /** True when the URL carries credentials to answer a 401 with. */
  get hasCredentials(): boolean {
    return this.#user !== "" || this.#password !== "";
  }

  /**
   * GETs the URL; answers one 401 with the camera's preferred scheme. A 401
   * that remains (wrong credentials, unsupported scheme) is returned as is.
   */
  async get(signal: AbortSignal): Promise<Response> {
    const sent = this.#challenge;
    const res = await this.#fetch(signal);
    if (res.status !== 401 || !this.hasCredentials) return res;
    const picked = pickChallenge(
      parseChallenges(res.headers.get("www-authenticate") ?? ""),
    );
    // Retry only with something new: a first answer, a fresh nonce, or stale.
    const fresh = picked !== null &&
      (sent === null || picked.scheme !== sent.scheme ||
        picked.params.nonce !== sent.params.nonce ||
        picked.params.stale?.toLowerCase() === "true");
    if (!fresh) return res;
    await res.body?.cancel().catch(() => {});
    this.#challenge = picked;
    this.#nc = 0;
    return await this.#fetch(signal);
  }

  #fetch(signal: AbortSignal): Promise<Response> {
    const headers = new Headers({ "user-agent": "falcon-eye" });
    const auth = this.#authorization();
    if (auth) headers.set("authorization", auth);
    return fetch(this.url, { headers, signal });
  }

  #authorization(): string | null {
    const c = this.#challenge;
    if (!c) return null;
    if (c.scheme === "basic") {
      return basicAuthorization(this.#user, this.#password);
    }
    const u = new URL(this.url);
    return digestAuthorization({
      challenge: c,
      username: this.#user,
      password: this.#password,
      method: "GET",
      uri: u.pathname + u.search,
      nc: ++this.#nc,
    });
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
