/**
 * `falcon agent`: one agent's process. It reads its credential, then asks
 * the controller for turns (a long poll) and runs them one at a time until
 * stopped, or until the controller rejects its credential (revoked: the
 * supervisor starts a new process with a new one).
 */
import {
  configureLog,
  errorMessage,
  logger,
  registerSecret,
} from "../lib/log.ts";
import { backoffDelayMs } from "../lib/supervise/backoff.ts";
import type { AgentConfig } from "./config.ts";
import { loadCredential } from "./credential.ts";
import {
  type ControllerClient,
  controllerClient,
  CredentialRejected,
} from "./client.ts";
import { sleep } from "./events.ts";

const log = logger("agent");

/** Runs until `stop` aborts (resolves) or the credential is rejected (throws). */
export async function runAgent(
  cfg: AgentConfig,
  stop: AbortSignal,
): Promise<void> {
  configureLog({ level: cfg.logLevel, json: cfg.logFormat === "json" });
  const credential = await loadCredential(cfg.credentialFile);
  registerSecret(credential.secret);
  const client = controllerClient(credential);
  log.info("started", {
    agent: credential.agent_id,
    generation: credential.generation,
    controller: credential.controller_url,
  });
  await serveTurns(client, cfg.pollWaitS, stop);
}

/** The loop: poll, run, repeat; network errors back off (lib/supervise). */
export async function serveTurns(
  client: ControllerClient,
  waitS: number,
  stop: AbortSignal,
): Promise<void> {
  let failures = 0;
  // Trim once idle: after start-up, and a while after each turn (never
  // between turns that follow each other closely; a trim stalls the process).
  let trim: ReturnType<typeof setTimeout> | undefined = setTimeout(
    trimMemory,
    TRIM_AFTER_MS,
  );
  try {
    while (!stop.aborted) {
      let job;
      try {
        job = await client.nextTurn(waitS, stop);
        failures = 0;
      } catch (e) {
        if (e instanceof CredentialRejected) throw e;
        if (stop.aborted) break;
        failures++;
        const wait = backoffDelayMs(failures);
        log.warn("cannot reach the controller", {
          error: errorMessage(e),
          retry_in_ms: wait,
        });
        await sleep(wait, stop);
        continue;
      }
      if (!job) continue;
      clearTimeout(trim);
      const t0 = Date.now();
      // Loaded with the first turn: an agent nobody talks to stays small.
      const { runTurn } = await import("./turn.ts");
      const outcome = await runTurn(job, client, { stop });
      const mem = Deno.memoryUsage();
      log.info("turn", {
        turn: job.turn_id,
        outcome,
        ms: Date.now() - t0,
        rss_mb: Math.round(mem.rss / 1e6),
        heap_mb: Math.round(mem.heapUsed / 1e6),
      });
      trim = setTimeout(trimMemory, TRIM_AFTER_MS);
    }
  } finally {
    clearTimeout(trim);
  }
}

const TRIM_AFTER_MS = 3000;

/**
 * Hands freed memory back to the system between turns when the launcher
 * enabled Deno's trim-on-SIGUSR2 (DENO_USR2_MEMORY_TRIM): an idle agent
 * keeps 10–15 MB less resident. Without it SIGUSR2 would end the process,
 * so it is only sent when enabled.
 */
function trimMemory(): void {
  // With --v8-flags=--expose-gc: collect the turn's garbage first.
  (globalThis as { gc?: () => void }).gc?.();
  if (!Deno.env.get("DENO_USR2_MEMORY_TRIM")) return;
  try {
    Deno.kill(Deno.pid, "SIGUSR2");
  } catch { /* not Linux */ }
}
