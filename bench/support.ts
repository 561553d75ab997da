/** Helpers the benchmarks share: machine facts, /proc readers, flag parsing. */

export interface MachineFacts {
  nproc: number;
  kernel: string;
  deno: string;
  cpu: string;
}

export async function machineFacts(): Promise<MachineFacts> {
  const run = async (cmd: string, args: string[]) => {
    try {
      const out = await new Deno.Command(cmd, { args, stderr: "null" })
        .output();
      return new TextDecoder().decode(out.stdout).trim();
    } catch {
      return "";
    }
  };
  const nproc = Number(await run("nproc", [])) ||
    navigator.hardwareConcurrency;
  const kernel = await run("uname", ["-r"]) || Deno.osRelease();
  let cpu = "";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(
      Deno.readTextFileSync("/proc/cpuinfo"),
    )?.[1] ?? "";
  } catch { /* not Linux */ }
  return { nproc, kernel, deno: Deno.version.deno, cpu };
}

export function cmdline(pid: number): string[] {
  try {
    return new TextDecoder().decode(Deno.readFileSync(`/proc/${pid}/cmdline`))
      .replace(/\0$/, "").split("\0");
  } catch {
    return [];
  }
}

export function loadAverage(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return 0;
  }
}

export function positive(flag: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${flag} needs a positive number, got ${raw}`);
  }
  return n;
}
