/**
 * The files area (`<data dir>/files`): snapshots, frames and media that
 * agents' tools make, one area per agent (`agents/<agent-id>/…`). Every path
 * comes from outside (a URL, a model's argument), so each is confined here:
 * relative only, no `..`, no NUL or backslash, and the real path (symlinks
 * resolved) must stay under the root; only regular files are read (no device
 * files, FIFOs or folders).
 */
import { AppError } from "../../lib/errors.ts";

/** Agent ids and other folder names the controller makes: uuid-like. */
const AREA_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const MAX_PATH = 1000;
const MAX_SEGMENT = 255;

/** A regular file of the area, resolved. */
export interface StoredFile {
  /** Path relative to the files root, with `/`. */
  path: string;
  /** The real absolute path. */
  abs: string;
  size: number;
  mtime: Date;
}

/**
 * The segments of a relative path, or a 400 naming `field` and saying what
 * is wrong with it.
 */
export function splitPath(rel: string, field = "path"): string[] {
  const bad = (why: string) =>
    new AppError("invalid_input", `${field}: ${why}`, { field });
  if (typeof rel !== "string" || rel.length === 0) throw bad("is empty");
  if (rel.length > MAX_PATH) throw bad(`longer than ${MAX_PATH} characters`);
  if (rel.includes("\0")) throw bad("contains NUL");
  if (rel.includes("\\")) throw bad("contains a backslash");
  if (rel.startsWith("/")) throw bad("must be relative to the files root");
  const parts = rel.split("/");
  for (const p of parts) {
    if (p === "" || p === ".") throw bad("has an empty segment");
    if (p === "..") throw bad("must not contain ..");
    if (p.length > MAX_SEGMENT) throw bad("has a segment over 255 characters");
  }
  return parts;
}

/** `/api/files/read/<path>`, each segment encoded. */
export function fileUrl(rel: string): string {
  return `/api/files/read/${rel.split("/").map(encodeURIComponent).join("/")}`;
}

/** A file name part from free text: `Front door` → `front-door`. */
export function slugOf(text: string): string {
  const s = text.normalize("NFKD").replace(/[^\w-]+/g, "-").replace(
    /-+/g,
    "-",
  ).replace(/^[-_]+|[-_]+$/g, "").toLowerCase().slice(0, 60);
  return s || "file";
}

export class FileStore {
  readonly root: string;
  #realRoot: Promise<string> | null = null;

  constructor(root: string) {
    this.root = root.replace(/\/+$/, "");
  }

  /** The area of one agent. */
  area(agentId: string): FileArea {
    if (!AREA_ID.test(agentId)) {
      throw new AppError("invalid_input", `Invalid agent id "${agentId}"`, {
        field: "agent_id",
      });
    }
    return new FileArea(this, `agents/${agentId}`);
  }

  async #root(): Promise<string> {
    return await (this.#realRoot ??= (async () => {
      await Deno.mkdir(this.root, { recursive: true });
      return await Deno.realPath(this.root);
    })());
  }

  /** A regular file under the root, or 404 (also for anything leading out). */
  async resolve(rel: string, field = "path"): Promise<StoredFile> {
    const parts = splitPath(rel, field);
    const root = await this.#root();
    const notFound = () =>
      new AppError("not_found", `No file "${rel}" in the files area`, {
        field,
      });
    let real: string;
    try {
      real = await Deno.realPath(`${root}/${parts.join("/")}`);
    } catch {
      throw notFound();
    }
    // A symlink that leads out of the root is as good as absent.
    if (!real.startsWith(`${root}/`)) throw notFound();
    const st = await Deno.stat(real).catch(() => null);
    if (!st?.isFile) throw notFound();
    return {
      path: parts.join("/"),
      abs: real,
      size: st.size,
      mtime: st.mtime ?? new Date(0),
    };
  }

  /**
   * Writes `data` at `rel` (folders made as needed) through a temporary file
   * renamed into place, so a reader never sees half a file and a symlink
   * planted at the target is replaced, not followed. Returns the path.
   */
  async write(rel: string, data: Uint8Array): Promise<string> {
    const parts = splitPath(rel);
    const root = await this.#root();
    // Folder by folder, so that no folder is made through a link leading out.
    let realDir = root;
    for (const [i, part] of parts.slice(0, -1).entries()) {
      const next = `${realDir}/${part}`;
      const st = await Deno.lstat(next).catch(() => null);
      if (!st) {
        await Deno.mkdir(next).catch((e) => {
          if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
        });
      }
      realDir = await Deno.realPath(next);
      const isDir = (await Deno.stat(realDir)).isDirectory;
      if (!realDir.startsWith(`${root}/`) || !isDir) {
        throw new AppError(
          "invalid_input",
          `path: "${
            parts.slice(0, i + 1).join("/")
          }" is not a folder of the files area`,
          { field: "path" },
        );
      }
    }
    const name = parts[parts.length - 1];
    const tmp = `${realDir}/.${name}.${crypto.randomUUID()}.tmp`;
    const f = await Deno.open(tmp, { write: true, createNew: true });
    try {
      let off = 0;
      while (off < data.length) off += await f.write(data.subarray(off));
    } finally {
      f.close();
    }
    try {
      await Deno.rename(tmp, `${realDir}/${name}`);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
    return parts.join("/");
  }
}

/** One agent's folder of the files area. */
export class FileArea {
  constructor(readonly store: FileStore, readonly prefix: string) {}

  /** Writes `rel` inside the area; returns the path relative to the files root. */
  async write(rel: string, data: Uint8Array): Promise<string> {
    splitPath(rel);
    return await this.store.write(`${this.prefix}/${rel}`, data);
  }
}
