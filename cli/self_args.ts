/** How this program runs itself again as a child process (`falcon up`'s node agent, the first-run database init). */

/** argv that re-runs this program: `deno run -A main.ts` from source, nothing when compiled. */
export function selfArgs(): string[] {
  const main = Deno.mainModule;
  const isDeno = /(^|\/)deno(\.exe)?$/.test(Deno.execPath());
  if (!isDeno) return [];
  const config = new URL("../deno.json", import.meta.url);
  // The start path's lockfile (no test-only packages, so nothing more is
  // installed for the child); main.ts's graph covers the node agent's.
  const lock = new URL("../deno.start.lock", import.meta.url);
  return [
    "run",
    "-A",
    "--config",
    config.pathname,
    "--lock",
    lock.pathname,
    main,
  ];
}
