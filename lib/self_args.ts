/**
 * argv that re-runs this program: `deno run -A --config … --lock … main.ts`
 * from source, nothing when compiled (the executable is the program). Used
 * to start the node agent child of `falcon up` and the `falcon agent`
 * children of the controller.
 */
export function selfArgs(): string[] {
  // This program's entry point, not Deno.mainModule: under `deno test` that
  // is the test file, which is no `falcon`.
  const main = new URL("../main.ts", import.meta.url).href;
  const isDeno = /(^|\/)deno(\.exe)?$/.test(Deno.execPath());
  if (!isDeno) return [];
  const config = new URL("../deno.json", import.meta.url);
  // The start path's lockfile (no test-only packages, so nothing more is
  // installed for the child); main.ts's graph covers the children's.
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

/** The command that runs `falcon <subcommand>` of this very program. */
export function selfCommand(...subcommand: string[]): string[] {
  return [Deno.execPath(), ...selfArgs(), ...subcommand];
}
