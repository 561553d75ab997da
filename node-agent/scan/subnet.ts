/**
 * The opt-in port probe of ONE range the user gave: every host of the range ×
 * every port, with at most `concurrency` sockets open, at most `ratePerSec`
 * connects started per second, `connectTimeoutMs` per connect and a time
 * limit for the whole probe. An open port is identified (identify.ts) on the
 * same budget.
 *
 * The range is parsed here again (lib/cidr.ts), whatever the caller checked,
 * and every address handed to `connect` comes from `hostsOf(range)` and is
 * re-checked with `isHostOf` right before the connect: nothing outside the
 * range is ever touched.
 */
import { hostsOf, isHostOf, parseSubnet } from "../../lib/cidr.ts";
import { AppError } from "../../lib/errors.ts";
import {
  SCAN_DEFAULT_PORTS,
  type ScanResult,
  type SubnetScanReport,
} from "../../lib/protocol/mod.ts";
import {
  type ConnectFn,
  identify,
  type ProbeConn,
  tcpConnect,
  withTimeout,
} from "./identify.ts";

export interface SubnetProbeOptions {
  /** TCP ports per host. @default SCAN_DEFAULT_PORTS */
  ports?: readonly number[];
  /** Sockets open at once. @default 64 */
  concurrency?: number;
  /** Connects started per second at most. @default 300 */
  ratePerSec?: number;
  /** Longest wait for one connect. @default 400 */
  connectTimeoutMs?: number;
  /** Longest wait for one identification reply. @default 1500 */
  replyTimeoutMs?: number;
  /** The whole probe ends after this, with what it found so far. @default 20000 */
  timeLimitMs?: number;
  /** Ends the probe early, like the time limit. */
  signal?: AbortSignal;
  /** How to open a TCP connection (tests record every attempt). @default tcpConnect */
  connect?: ConnectFn;
}

export interface SubnetProbeOutcome {
  results: ScanResult[];
  report: SubnetScanReport;
}

/**
 * Probes `cidr`. Throws `AppError("invalid_input", field "subnet")` for a
 * range lib/cidr.ts refuses, and for bad ports (field "ports"); otherwise
 * never throws: a time limit or abort returns what was found, `truncated`.
 */
export async function probeSubnet(
  cidr: string,
  options: SubnetProbeOptions = {},
): Promise<SubnetProbeOutcome> {
  const started = performance.now();
  const subnet = parseSubnet(cidr);
  const ports = checkPorts(options.ports ?? SCAN_DEFAULT_PORTS);
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const intervalMs = 1000 / Math.max(1, options.ratePerSec ?? 300);
  const connectTimeoutMs = options.connectTimeoutMs ?? 400;
  const connect = options.connect ?? tcpConnect;

  const stop = new AbortController();
  const limit = setTimeout(
    () => stop.abort(),
    options.timeLimitMs ?? 20_000,
  );
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  // Every connect (probe and identification) waits its turn here.
  let nextStartAt = 0;
  const paced: ConnectFn = async (address, port, signal) => {
    if (!isHostOf(subnet, address)) {
      throw new Error(`${address} is outside ${subnet.cidr}`); // never reached
    }
    const now = performance.now();
    const at = Math.max(now, nextStartAt);
    nextStartAt = at + intervalMs;
    if (at > now) await sleep(at - now, signal);
    if (signal.aborted) throw new Error("aborted");
    return await connect(address, port, signal);
  };

  const hosts = hostsOf(subnet);
  const planned = hosts.length * ports.length;
  let next = 0;
  let attempted = 0;
  let open = 0;
  const results: ScanResult[] = [];

  const worker = async () => {
    while (!stop.signal.aborted && next < planned) {
      const i = next++;
      const address = hosts[Math.floor(i / ports.length)];
      const port = ports[i % ports.length];
      attempted++;
      if (!(await isOpen(paced, address, port, connectTimeoutMs, stop))) {
        continue;
      }
      open++;
      const found = await identify(address, port, {
        connect: paced,
        connectTimeoutMs,
        replyTimeoutMs: options.replyTimeoutMs,
        signal: stop.signal,
      });
      if (found) results.push(found);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, planned) }, worker),
  );
  clearTimeout(limit);
  options.signal?.removeEventListener("abort", onAbort);
  const truncated = attempted < planned || stop.signal.aborted;

  results.sort((a, b) =>
    addressOrder(a.address!) - addressOrder(b.address!) ||
    (a.port ?? 0) - (b.port ?? 0)
  );
  return {
    results,
    report: {
      ok: true,
      error: truncated
        ? `time limit reached: ${attempted} of ${planned} connects tried`
        : null,
      elapsed_ms: Math.round(performance.now() - started),
      subnet: subnet.cidr,
      ports,
      planned,
      attempted,
      open,
      truncated,
    },
  };
}

/** A TCP connect that succeeds within the timeout; the connection is closed at once. */
async function isOpen(
  connect: ConnectFn,
  address: string,
  port: number,
  timeoutMs: number,
  stop: AbortController,
): Promise<boolean> {
  const ac = new AbortController();
  const onStop = () => ac.abort();
  stop.signal.addEventListener("abort", onStop, { once: true });
  let conn: ProbeConn | null = null;
  try {
    conn = await withTimeout(connect(address, port, ac.signal), timeoutMs, ac);
    return conn !== null;
  } catch {
    return false;
  } finally {
    stop.signal.removeEventListener("abort", onStop);
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}

/** Whole numbers 1-65535, at most 32 of them, duplicates dropped. */
export function checkPorts(ports: readonly number[]): number[] {
  const out = [...new Set(ports)];
  if (
    out.length === 0 || out.length > 32 ||
    out.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)
  ) {
    throw new AppError(
      "invalid_input",
      "ports must be 1 to 32 whole numbers between 1 and 65535",
      { field: "ports" },
    );
  }
  return out;
}

function addressOrder(a: string): number {
  return a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
