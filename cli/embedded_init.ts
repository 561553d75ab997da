/**
 * First start of the embedded database outside the long-running process.
 *
 * PGlite's initdb (a fresh data dir) peaks at ~600–750 MB RSS and leaves
 * ~200 MB of wasm memory the process never gets back, against ~170 MB for
 * opening an existing data dir (bench/footprint.ts, docs/adr/0005). So
 * `falcon up` and `falcon controller` run `falcon migrate` — initdb plus every
 * migration — as a short-lived child first, and then open a ready data dir.
 */
import { embeddedDir } from "../controller/db/client.ts";
import { embeddedDataDirReady } from "../controller/db/embedded.ts";
import { logger } from "../lib/log.ts";
import { selfArgs } from "../lib/self_args.ts";

const log = logger("database");

export interface EmbeddedInitOptions {
  /** With a PostgreSQL URL there is nothing to initialize. */
  databaseUrl?: string;
  dataDir: string;
  logLevel: string;
  logFormat: string;
  /** Runs the child and resolves with its exit code. Default: this program, `migrate`. */
  run?: (args: string[], env: Record<string, string>) => Promise<number>;
}

/** What was done: `external` database, data dir already `ready`, or `initialized` now. */
export type EmbeddedInit = "external" | "ready" | "initialized";

export async function initEmbeddedDatabase(
  opts: EmbeddedInitOptions,
): Promise<EmbeddedInit> {
  if (opts.databaseUrl) return "external";
  if (await embeddedDataDirReady(embeddedDir(opts.dataDir))) return "ready";
  log.info("first run: creating the embedded database in a child process", {
    dir: embeddedDir(opts.dataDir),
  });
  const args = ["migrate", "--data-dir", opts.dataDir];
  const code = await (opts.run ?? runSelf)(args, {
    FALCON_LOG_LEVEL: opts.logLevel,
    FALCON_LOG_FORMAT: opts.logFormat,
  });
  if (code !== 0) {
    throw new Error(
      `creating the embedded database failed: "falcon ${
        args.join(" ")
      }" exited with code ${code} (its output is above)`,
    );
  }
  return "initialized";
}

async function runSelf(
  args: string[],
  env: Record<string, string>,
): Promise<number> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [...selfArgs(), ...args],
    env,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}
