/**
 * Footprint of `falcon up` with its demo camera and nobody watching: memory of
 * the controller (embedded PGlite) and of the node agent, and the idle CPU of
 * the whole process tree (controller, node agent, ffmpeg and anything else).
 *
 *   deno run -A bench/footprint.ts [--seconds 60] [--no-write]
 *
 * Controller RSS: sampled every 100 ms from `/proc/PID/status` from spawn on;
 * "peak during start" is VmHWM once the dashboard answers, "steady" the VmRSS
 * after the idle window. Node agent: VmRSS of the `node-agent` child at the
 * end. Idle CPU: utime+stime of every process of the tree (/proc/PID/stat)
 * over the window, as CPU-seconds per minute.
 */
import { freePort } from "../tests/support/ports.ts";
import {
  descendantPids,
  processTreeCpuSeconds,
} from "../tests/support/processes.ts";
import { cmdline, machineFacts, positive, round2 } from "./support.ts";
import { spawnUp, waitHttp } from "./fanout.ts";

const ROOT = new URL("../", import.meta.url);
const RESULTS = new URL("bench/results/footprint.json", ROOT).pathname;

export const TARGETS = {
  controllerSteadyMb: 200,
  controllerPeakMb: 300,
  nodeAgentMb: 60,
  idleCpuSecondsPerMinute: 0.3,
};

export interface FootprintArgs {
  seconds: number;
  write: boolean;
}

export function parseFootprintArgs(
  argv: string[],
  opts: { lenient?: boolean } = {},
): FootprintArgs {
  const a: FootprintArgs = { seconds: 60, write: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--seconds") a.seconds = positive("--seconds", argv[++i]);
    else if (argv[i] === "--no-write") a.write = false;
    else if (!opts.lenient) {
      throw new Error(
        `unknown flag ${argv[i]}; known: --seconds N, --no-write`,
      );
    } else if (argv[i + 1] && !argv[i + 1].startsWith("--")) i++;
  }
  return a;
}

/** `VmRSS` and `VmHWM` of a process in MB (1e6 bytes), or null when gone. */
export function memoryMb(
  pid: number,
): { rss: number; hwm: number } | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { rss: kb("VmRSS") * 1024 / 1e6, hwm: kb("VmHWM") * 1024 / 1e6 };
}

export interface FootprintResult {
  seconds: number;
  controllerPeakMb: number;
  controllerSteadyMb: number;
  nodeAgentMb: number;
  idleCpuSecondsPerMinute: number;
  processes: { pid: number; what: string; rssMb: number }[];
  pass: boolean;
}

export async function runFootprint(args: FootprintArgs): Promise<
  { markdown: string; pass: boolean; result: FootprintResult }
> {
  const port = await freePort();
  const dataDir = await Deno.makeTempDir({ prefix: "falcon-footprint-" });
  const up = spawnUp(port, dataDir);
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    const m = memoryMb(up.pid);
    if (m) sampledPeak = Math.max(sampledPeak, m.rss);
  }, 100);
  try {
    await up.waitFor(/Falcon-Eye is running/, 120_000);
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
    // The node agent is up and the demo camera placed: give it a heartbeat.
    const agentPid = async () => {
      for (let i = 0; i < 300; i++) {
        const pid = descendantPids(up.pid).find((p) =>
          cmdline(p).includes("node-agent")
        );
        if (pid) return pid;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no node agent under falcon up:\n${up.tail()}`);
    };
    const agent = await agentPid();
    await new Promise((r) => setTimeout(r, 10_000));
    const peak = Math.max(sampledPeak, memoryMb(up.pid)?.hwm ?? 0);

    const cpu0 = processTreeCpuSeconds(up.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, args.seconds * 1000));
    const cpu1 = processTreeCpuSeconds(up.pid);
    const minutes = (performance.now() - t0) / 60_000;

    const processes = descendantPids(up.pid).map((pid) => ({
      pid,
      what: cmdline(pid).slice(0, 6).join(" ").slice(0, 80),
      rssMb: round2(memoryMb(pid)?.rss ?? 0),
    }));
    const result: FootprintResult = {
      seconds: args.seconds,
      controllerPeakMb: round2(peak),
      controllerSteadyMb: round2(memoryMb(up.pid)?.rss ?? NaN),
      // Looked up again: `falcon up` restarts a node agent that died.
      nodeAgentMb: round2(
        memoryMb(
          descendantPids(up.pid).find((p) =>
            cmdline(p).includes("node-agent")
          ) ?? agent,
        )?.rss ?? NaN,
      ),
      idleCpuSecondsPerMinute: round2((cpu1 - cpu0) / minutes),
      processes,
      pass: false,
    };
    result.pass = result.controllerSteadyMb <= TARGETS.controllerSteadyMb &&
      result.controllerPeakMb <= TARGETS.controllerPeakMb &&
      result.nodeAgentMb <= TARGETS.nodeAgentMb &&
      result.idleCpuSecondsPerMinute <= TARGETS.idleCpuSecondsPerMinute;
    if (args.write) {
      await Deno.writeTextFile(
        RESULTS,
        JSON.stringify(
          {
            date: new Date().toISOString(),
            machine: await machineFacts(),
            result,
          },
          null,
          2,
        ) + "\n",
      );
    }
    return { markdown: footprintMarkdown(result), pass: result.pass, result };
  } finally {
    clearInterval(sampler);
    try {
      up.child.kill("SIGINT");
    } catch { /* gone */ }
    await up.child.status;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

export function footprintMarkdown(r: FootprintResult): string {
  const row = (what: string, value: number, unit: string, target: number) =>
    `| ${what} | ${value} ${unit} | ≤ ${target} ${unit} | ${
      value <= target ? "PASS" : "FAIL"
    } |`;
  return [
    `### footprint — \`falcon up\`, demo camera, nobody watching (${r.seconds} s idle window)`,
    "",
    "| figure | measured | target | |",
    "| --- | --- | --- | --- |",
    row(
      "controller RSS, peak during start (VmHWM)",
      r.controllerPeakMb,
      "MB",
      TARGETS.controllerPeakMb,
    ),
    row(
      "controller RSS, steady",
      r.controllerSteadyMb,
      "MB",
      TARGETS.controllerSteadyMb,
    ),
    row("node agent RSS", r.nodeAgentMb, "MB", TARGETS.nodeAgentMb),
    row(
      "whole tree idle CPU",
      r.idleCpuSecondsPerMinute,
      "CPU-s/min",
      TARGETS.idleCpuSecondsPerMinute,
    ),
    "",
    "Processes under `falcon up` at the end: " +
    r.processes.map((p) => `${p.what} (${p.rssMb} MB)`).join("; "),
  ].join("\n");
}

if (import.meta.main) {
  const { markdown, pass } = await runFootprint(parseFootprintArgs(Deno.args));
  console.log(markdown);
  Deno.exit(pass ? 0 : 1);
}
