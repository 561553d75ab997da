/**
 * Password hashing with argon2id (OWASP baseline: 19 MiB, 2 passes, 1 lane)
 * from hash-wasm, a maintained WebAssembly build that runs the same in Deno,
 * browsers and compiled binaries.
 */
import { argon2id, argon2Verify } from "hash-wasm";

const PARAMS = {
  parallelism: 1,
  iterations: 2,
  memorySize: 19456,
  hashLength: 32,
} as const;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return await argon2id({ password, salt, ...PARAMS, outputType: "encoded" });
}

export async function verifyPassword(
  password: string,
  hash: string,
): Promise<boolean> {
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}

let dummy: Promise<string> | null = null;

/**
 * Spends the same work as a real verification, so "no such user" and "wrong
 * password" take equally long and cannot be told apart by timing.
 */
export async function burnVerification(password: string): Promise<false> {
  dummy ??= hashPassword("falcon-eye dummy password for timing");
  await verifyPassword(password, await dummy);
  return false;
}
