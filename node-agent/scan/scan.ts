/**
 * One node's camera scan (`POST /v1/scan`): its video devices, a
 * WS-Discovery probe, and the opt-in port probe of one range, run side by
 * side under one time limit. One scan at a time per node: a second request
 * while one runs is refused (409), so two admins clicking "Scan" cannot
 * double the traffic on the network.
 *
 * Each part reports on its own (`ScanPartReport`): a node without
 * WS-Discovery still returns its USB devices, with the discovery's error.
 */
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { redactText } from "../../lib/redact.ts";
import type {
  ScanPartReport,
  ScanReport,
  ScanRequest,
  ScanResult,
} from "../../lib/protocol/mod.ts";
import { parseSubnet } from "../../lib/cidr.ts";
import {
  checkPorts,
  type SubnetProbeOptions,
  type SubnetProbeOutcome,
} from "./subnet.ts";

const log = logger("scan");

export interface ScannerDeps {
  /** This node's name, put in every USB suggestion. */
  node: string;
  /** The node's video devices as results. */
  usb: (signal: AbortSignal) => Promise<ScanResult[]>;
  /** WS-Discovery results. */
  onvif: (opts: { timeoutMs: number; signal: AbortSignal }) => Promise<
    ScanResult[]
  >;
  /** The port probe (subnet.ts). */
  probeSubnet: (
    cidr: string,
    opts: SubnetProbeOptions,
  ) => Promise<SubnetProbeOutcome>;
  /** Time limit of the whole scan. @default 20000 */
  timeLimitMs?: number;
  /** How long WS-Discovery listens for answers. @default 3000 */
  discoveryMs?: number;
  /** Extra probe settings (tests shorten them). */
  probe?: Omit<SubnetProbeOptions, "ports" | "signal" | "timeLimitMs">;
}

export class Scanner {
  #deps: ScannerDeps;
  #running: { since: number } | null = null;

  constructor(deps: ScannerDeps) {
    this.#deps = deps;
  }

  /** Whether a scan runs now. */
  get busy(): boolean {
    return this.#running !== null;
  }

  /**
   * Runs one scan. Throws AppError("conflict") while another runs, and
   * AppError("invalid_input") for a range or ports the probe refuses (before
   * any part starts).
   */
  async scan(req: ScanRequest, signal?: AbortSignal): Promise<ScanReport> {
    if (this.#running) {
      const s = Math.round((performance.now() - this.#running.since) / 1000);
      throw new AppError(
        "conflict",
        `A scan is already running on node "${this.#deps.node}" (for ${s} s); try again when it ends`,
      );
    }
    const started = performance.now();
    this.#running = { since: started };
    const limitMs = this.#deps.timeLimitMs ?? 20_000;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), limitMs);
    const onAbort = () => ac.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // A refused range or port list fails the request as a whole (400 naming
      // the field) before any part starts.
      if (req.subnet) {
        parseSubnet(req.subnet);
        if (req.ports) checkPorts(req.ports);
      }
      const subnetRun = req.subnet
        ? this.#deps.probeSubnet(req.subnet, {
          ...this.#deps.probe,
          ports: req.ports,
          signal: ac.signal,
          timeLimitMs: limitMs,
        })
        : null;
      const [usb, onvif, subnet] = await Promise.all([
        req.usb ? part(() => this.#deps.usb(ac.signal), ac.signal) : null,
        req.onvif
          ? part(
            () =>
              this.#deps.onvif({
                timeoutMs: Math.min(this.#deps.discoveryMs ?? 3000, limitMs),
                signal: ac.signal,
              }),
            ac.signal,
          )
          : null,
        subnetRun,
      ]);
      const results = [
        ...(usb?.results ?? []),
        ...(onvif?.results ?? []),
        ...(subnet?.results ?? []),
      ];
      return {
        node: this.#deps.node,
        results,
        usb: usb?.report ?? null,
        onvif: onvif?.report ?? null,
        subnet: subnet?.report ?? null,
        elapsed_ms: Math.round(performance.now() - started),
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      this.#running = null;
    }
  }
}

/** Runs one part; its failure or the time limit becomes its report, not the scan's. */
async function part(
  run: () => Promise<ScanResult[]>,
  signal: AbortSignal,
): Promise<{ results: ScanResult[]; report: ScanPartReport }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let onAbort = () => {};
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const out = await Promise.race([run(), aborted]);
    if (out === "aborted") {
      return {
        results: [],
        report: {
          ok: false,
          error: "time limit reached",
          elapsed_ms: elapsed(),
        },
      };
    }
    return {
      results: out,
      report: { ok: true, error: null, elapsed_ms: elapsed() },
    };
  } catch (e) {
    const error = redactText(errorMessage(e));
    log.warn("scan part failed", { error });
    return { results: [], report: { ok: false, error, elapsed_ms: elapsed() } };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
