/**
 * Runs every Falcon-Eye benchmark in turn and prints their tables:
 * `deno task bench` (= `deno run -A bench/mod.ts`).
 *
 * Flags after the task name go to every benchmark that knows them, e.g.
 * `deno task bench --seconds 10`; the others skip them. `--only NAME` runs one benchmark.
 * Exits 1 when any benchmark misses a target, 0 otherwise.
 * @module
 */
import { parseAgentsArgs, runAgents } from "./agents.ts";
import { parseDashboardArgs, runDashboard } from "./dashboard.ts";
import { parseFanoutArgs, runFanout } from "./fanout.ts";
import { parseFootprintArgs, runFootprint } from "./footprint.ts";
import { parseRecordingArgs, runRecording } from "./recording.ts";

/** What a benchmark hands back to this runner. */
export interface BenchmarkResult {
  /** Markdown: table, breakdown, PASS/FAIL per target. */
  markdown: string;
  /** Every target met. */
  pass: boolean;
}

export interface Benchmark {
  name: string;
  /** One line: what it measures. */
  about: string;
  run(args: string[]): Promise<BenchmarkResult>;
}

/** Every benchmark of bench/, in the order they run. */
export const BENCHMARKS: Benchmark[] = [
  {
    name: "agents",
    about:
      "agents: tool-hub round trip, idle agent process RSS, time to first token added over a fake provider with concurrent chats",
    run: (args) => runAgents(parseAgentsArgs(args, { lenient: true })),
  },
  {
    name: "fanout",
    about:
      "live-view fan-out: CPU of the whole system and frames per viewer at 1, 10, 50 viewers of one RTSP camera",
    run: (args) => runFanout(parseFanoutArgs(args, { lenient: true })),
  },
  {
    name: "recording",
    about:
      "16 simultaneous 1080p25 RTSP recordings (stream copy, 10-s segments): CPU per recording and dropped segments",
    run: (args) => runRecording(parseRecordingArgs(args, { lenient: true })),
  },
  {
    name: "dashboard",
    about:
      "the camera grid with 16 cameras in Chromium: JavaScript of the first load, server render time of /, time to the first and to every live frame",
    run: (args) => runDashboard(parseDashboardArgs(args, { lenient: true })),
  },
  {
    name: "footprint",
    about:
      "falcon up with the demo camera, nobody watching: controller RSS (peak during start, steady), node agent RSS, idle CPU of the whole process tree",
    run: (args) => runFootprint(parseFootprintArgs(args, { lenient: true })),
  },
];

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let only: string | null = null;
  const i = args.indexOf("--only");
  if (i >= 0) {
    only = args[i + 1] ?? null;
    args.splice(i, 2);
  }
  const selected = BENCHMARKS.filter((b) => only === null || b.name === only);
  if (selected.length === 0) {
    console.error(
      `no benchmark named ${only}; known: ${
        BENCHMARKS.map((b) => b.name).join(", ")
      }`,
    );
    return 2;
  }
  const outcomes: { name: string; pass: boolean; error?: string }[] = [];
  for (const b of selected) {
    console.error(`\n== ${b.name}: ${b.about}`);
    const started = performance.now();
    try {
      const result = await b.run(args);
      console.log(`\n${result.markdown}\n`);
      outcomes.push({ name: b.name, pass: result.pass });
    } catch (e) {
      const error = e instanceof Error ? e.stack ?? e.message : String(e);
      console.error(`${b.name} failed to run: ${error}`);
      outcomes.push({ name: b.name, pass: false, error: String(e) });
    }
    console.error(
      `== ${b.name} took ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s`,
    );
  }
  console.log("### Summary\n");
  for (const o of outcomes) {
    console.log(
      `- ${o.pass ? "PASS" : "FAIL"} ${o.name}${
        o.error ? ` (did not complete: ${o.error})` : ""
      }`,
    );
  }
  return outcomes.every((o) => o.pass) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
