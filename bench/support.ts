/** Helpers the benchmarks share: machine facts, /proc readers, flag parsing, waiting. */

import { delay } from "../tests/support/ports.ts";

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

/** GStreamer's videotestsrc patterns the benchmarks' sources can show. */
export type Pattern = "ball" | "smpte" | "snow";

export function pattern(flag: string, raw: string): Pattern {
  if (raw !== "ball" && raw !== "smpte" && raw !== "snow") {
    throw new Error(`${flag} must be ball, smpte or snow, got ${raw}`);
  }
  return raw;
}

/**
 * Walks `--flag value` and `--flag=value` arguments: `take(flag, value)`
 * handles one (`value()` consumes its value) and returns false for a flag it
 * does not know, which throws naming the flags in `usage` — or, when
 * `lenient` (bench/mod.ts hands every flag to every benchmark), is skipped
 * with its value.
 */
export function eachFlag(
  args: string[],
  usage: string,
  take: (flag: string, value: () => string) => boolean,
  lenient = false,
): void {
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const value = () => inline ?? args[++i];
    if (take(flag, value)) continue;
    if (!lenient) throw new Error(`unknown flag ${flag}; use ${usage}`);
    if (inline === undefined && args[i + 1]?.startsWith("--") === false) i++;
  }
}

/** How a benchmark's parser treats flags it does not know. */
export interface ParseOptions {
  /** Skip them (bench/mod.ts) instead of refusing them (a direct run). */
  lenient?: boolean;
}

/** Polls `predicate` every `everyMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await delay(everyMs);
  }
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
export const round2 = (x: number): number => Math.round(x * 100) / 100;
