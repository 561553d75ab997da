/**
 * Worker side of the password hasher (hash_pool.ts): argon2id from hash-wasm,
 * off the controller's event loop. One job at a time; the pool never sends
 * another before the answer.
 */
/// <reference lib="deno.worker" />
import { argon2id, argon2Verify } from "hash-wasm";

export type HashJob =
  | { id: number; op: "hash"; password: string; salt: Uint8Array }
  | { id: number; op: "verify"; password: string; hash: string };

export type HashAnswer =
  | { id: number; ok: true; value: string | boolean }
  | { id: number; ok: false; error: string };

/** OWASP baseline: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_PARAMS = {
  parallelism: 1,
  iterations: 2,
  memorySize: 19456,
  hashLength: 32,
} as const;

self.onmessage = async (e: MessageEvent<HashJob>) => {
  const job = e.data;
  try {
    const value = job.op === "hash"
      ? await argon2id({
        password: job.password,
        salt: job.salt,
        ...ARGON2_PARAMS,
        outputType: "encoded",
      })
      : await argon2Verify({ password: job.password, hash: job.hash })
        .catch(() => false);
    self.postMessage({ id: job.id, ok: true, value } satisfies HashAnswer);
  } catch (err) {
    self.postMessage(
      { id: job.id, ok: false, error: String(err) } satisfies HashAnswer,
    );
  }
};
