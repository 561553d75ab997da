/**
 * Encryption at rest for secrets (camera source URLs with credentials, later
 * LLM keys and bot tokens): AES-256-GCM through WebCrypto. A sealed value is
 * `v1:` + base64(iv ‖ ciphertext+tag); the version prefix leaves room for key
 * rotation.
 */

const VERSION = "v1:";

export class SecretBox {
  #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /** Builds a box from 32 raw key bytes. */
  static async fromKey(raw: Uint8Array): Promise<SecretBox> {
    if (raw.byteLength !== 32) {
      throw new Error(`Secret key must be 32 bytes, got ${raw.byteLength}`);
    }
    const key = await crypto.subtle.importKey(
      "raw",
      raw as Uint8Array<ArrayBuffer>,
      "AES-GCM",
      false,
      [
        "encrypt",
        "decrypt",
      ],
    );
    return new SecretBox(key);
  }

  async seal(plain: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        this.#key,
        new TextEncoder().encode(plain),
      ),
    );
    const out = new Uint8Array(iv.byteLength + ct.byteLength);
    out.set(iv);
    out.set(ct, iv.byteLength);
    return VERSION + toBase64(out);
  }

  async open(sealed: string): Promise<string> {
    if (!sealed.startsWith(VERSION)) {
      throw new Error("Cannot open secret: unknown format");
    }
    const bytes = fromBase64(sealed.slice(VERSION.length));
    const iv = bytes.slice(0, 12);
    const ct = bytes.slice(12);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv },
      this.#key,
      ct,
    );
    return new TextDecoder().decode(plain);
  }
}

export function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Loads the controller's secret key: from `FALCON_SECRET_KEY` (base64 of 32
 * bytes) when given, else from `<dataDir>/secret.key`, generating that file
 * (mode 0600) on first run.
 */
export async function loadSecretKey(
  opts: { envValue?: string; dataDir: string },
): Promise<Uint8Array> {
  if (opts.envValue) {
    let raw: Uint8Array;
    try {
      raw = fromBase64(opts.envValue.trim());
    } catch {
      throw new Error(
        "FALCON_SECRET_KEY must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`)",
      );
    }
    if (raw.byteLength !== 32) {
      throw new Error(
        `FALCON_SECRET_KEY must decode to 32 bytes, got ${raw.byteLength}`,
      );
    }
    return raw;
  }
  const path = `${opts.dataDir}/secret.key`;
  try {
    const raw = fromBase64((await Deno.readTextFile(path)).trim());
    if (raw.byteLength === 32) return raw;
    throw new Error(`${path} is corrupt: expected base64 of 32 bytes`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(opts.dataDir, { recursive: true });
  const raw = crypto.getRandomValues(new Uint8Array(32));
  await Deno.writeTextFile(path, toBase64(raw) + "\n", {
    mode: 0o600,
    createNew: true,
  });
  return raw;
}
