/**
 * The cache folder of joined downloads and web renditions: disposable files
 * that may be rebuilt from the segments at any time.
 */

/** Removes cache files not modified for `maxAgeMs`. */
export async function pruneCache(dir: string, maxAgeMs: number): Promise<void> {
  const cutoff = Date.now() - maxAgeMs;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile) continue;
    const p = `${dir}/${e.name}`;
    const st = await Deno.stat(p).catch(() => null);
    if (st && (st.mtime?.getTime() ?? 0) < cutoff) {
      await Deno.remove(p).catch(() => {});
    }
  }
}
