/**
 * The few filesystem moves durability is built from: fsync a file, fsync a
 * directory (so a rename or a new name survives a power cut), write a file
 * atomically, create folders durably. Every "this is on disk now" claim in
 * docs/design/recording.md ends in one of these.
 */

/** fsync of a file's data and metadata. A read-only descriptor is enough on Linux. */
export async function fsyncFile(path: string): Promise<void> {
  const f = await Deno.open(path, { read: true });
  try {
    await f.sync();
  } finally {
    f.close();
  }
}

/** fsync of a directory: makes creations, renames and unlinks in it durable. */
export async function fsyncDir(path: string): Promise<void> {
  const d = await Deno.open(path, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}

/** Parent folder of a path (`/a/b/c` → `/a/b`). */
export function parentOf(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

/**
 * Writes `data` to `path` so that a reader (or a crash) sees the old content
 * or the new one, never a mix: temp file in the same folder, fsync, rename,
 * fsync of the folder.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  const f = await Deno.open(tmp, {
    write: true,
    create: true,
    truncate: true,
    mode: options.mode ?? 0o600,
  });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } catch (e) {
    f.close();
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  f.close();
  await Deno.rename(tmp, path);
  await fsyncDir(parentOf(path));
}

/**
 * `mkdir -p` that also fsyncs the parent of every folder it created, so the
 * new folder's name is durable before a file renamed into it is.
 */
export async function mkdirDurable(path: string): Promise<void> {
  const missing: string[] = [];
  let p = path;
  while (p !== "/" && p !== "." && p !== "") {
    try {
      await Deno.stat(p);
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      missing.push(p);
      p = parentOf(p);
    }
  }
  if (missing.length === 0) return;
  await Deno.mkdir(path, { recursive: true });
  for (const dir of missing) await fsyncDir(parentOf(dir));
}

/** Deletes a file; true when it existed. */
export async function removeIfExists(path: string): Promise<boolean> {
  try {
    await Deno.remove(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** True when something exists at `path` (not following a final symlink). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
