/** A random token kept in a 0600 file, made on first use (node token for `falcon up`). */
export async function loadOrCreateToken(path: string): Promise<string> {
  try {
    const t = (await Deno.readTextFile(path)).trim();
    if (t.length >= 16) return t;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const dir = path.replace(/\/[^/]*$/, "");
  if (dir && dir !== path) await Deno.mkdir(dir, { recursive: true });
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  await Deno.writeTextFile(path, token + "\n", { mode: 0o600 });
  return token;
}
