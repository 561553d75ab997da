/**
 * Keeps the last desired state on the node's disk so that a restarted node
 * agent runs its cameras even while the controller is away. The file holds
 * decrypted camera sources, so it is sealed with AES-GCM under a key derived
 * (HKDF) from the node token, and written atomically (temp file + rename).
 */
import type { DesiredState } from "../../lib/protocol/mod.ts";

export class DesiredStore {
  #key: Promise<CryptoKey>;
  constructor(private path: string, nodeToken: string) {
    this.#key = deriveKey(nodeToken);
  }

  async load(): Promise<DesiredState | null> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(this.path);
    } catch {
      return null;
    }
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.slice(0, 12) },
        await this.#key,
        bytes.slice(12),
      );
      return JSON.parse(new TextDecoder().decode(plain)) as DesiredState;
    } catch {
      return null; // sealed with another token or damaged: start empty and wait for the controller
    }
  }

  async save(state: DesiredState): Promise<void> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        await this.#key,
        new TextEncoder().encode(JSON.stringify(state)),
      ),
    );
    const out = new Uint8Array(12 + ct.byteLength);
    out.set(iv);
    out.set(ct, 12);
    const dir = this.path.replace(/\/[^/]*$/, "");
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    await Deno.writeFile(tmp, out, { mode: 0o600 });
    await Deno.rename(tmp, this.path);
  }
}

async function deriveKey(token: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(token),
    "HKDF",
    false,
    ["deriveKey"],
  );
  return await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new TextEncoder().encode("falcon-eye node state"),
      info: new Uint8Array(),
    },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}
