/**
 * All camera relays of this node, kept in step with the desired state the
 * controller hands out. `reconcile()` is idempotent: calling it with the same
 * list changes nothing, so the node agent can call it on every heartbeat
 * answer without tracking what changed.
 */
import type { CameraRuntime, CameraSpec } from "../../lib/protocol/mod.ts";
import type { Clock } from "../../lib/time/clock.ts";
import { CameraRelay, type RelayTuning } from "./relay.ts";
import { StartGate } from "./start_gate.ts";

export interface RelayManagerOptions {
  /** ffmpeg every relay runs. @default FALCON_FFMPEG, else `ffmpeg` on PATH */
  ffmpegPath?: string;
  /** Grace before an unwatched relay stops. @default 10000 */
  idleGraceMs?: number;
  /** A camera's runtime state or error changed (push a heartbeat now). */
  onChange?: (cameraId: string) => void;
  /** Supervisor tuning for every relay (tests shorten it). */
  tuning?: RelayTuning;
  /** Clock and timers; tests may inject their own. */
  timers?: Clock;
  /** Relays starting at once (see start_gate.ts). @default 2 × CPU cores */
  startConcurrency?: number;
}

export class RelayManager {
  #relays = new Map<string, CameraRelay>();
  #opts: RelayManagerOptions;
  #idleGraceMs: number;
  #startGate: StartGate;

  constructor(options: RelayManagerOptions = {}) {
    this.#opts = options;
    this.#idleGraceMs = options.idleGraceMs ?? 10_000;
    this.#startGate = new StartGate({
      limit: options.startConcurrency,
      timers: options.timers,
    });
  }

  /**
   * Sets the grace before an unwatched relay stops (the desired state's
   * `relay_idle_grace_ms`), for existing and future relays alike.
   */
  setIdleGrace(ms: number): void {
    this.#idleGraceMs = ms;
    for (const relay of this.#relays.values()) relay.idleGraceMs = ms;
  }

  /**
   * Creates relays for new cameras, updates changed ones and closes removed
   * ones. The map is updated before this returns its promise, so `get()` is
   * right at once; the promise resolves once every removed camera's ffmpeg
   * has exited.
   */
  async reconcile(cameras: CameraSpec[]): Promise<void> {
    const wanted = new Map(cameras.map((c) => [c.id, c]));
    const removed: CameraRelay[] = [];
    for (const [id, relay] of this.#relays) {
      if (wanted.has(id)) continue;
      this.#relays.delete(id);
      removed.push(relay);
    }
    for (const [id, spec] of wanted) {
      const relay = this.#relays.get(id);
      if (relay) {
        relay.update(spec);
      } else {
        this.#relays.set(id, this.#create(spec));
      }
    }
    await Promise.all(removed.map((r) => r.close()));
  }

  get(id: string): CameraRelay | undefined {
    return this.#relays.get(id);
  }

  /** Camera ids with a relay, in insertion order. */
  ids(): string[] {
    return [...this.#relays.keys()];
  }

  runtimes(): CameraRuntime[] {
    return [...this.#relays.values()].map((r) => r.runtime());
  }

  /** Closes every relay; resolves once no ffmpeg of this manager runs. */
  async closeAll(): Promise<void> {
    const relays = [...this.#relays.values()];
    this.#relays.clear();
    await Promise.all(relays.map((r) => r.close()));
  }

  #create(spec: CameraSpec): CameraRelay {
    const { onChange, ffmpegPath, tuning, timers } = this.#opts;
    return new CameraRelay(spec, {
      ffmpegPath,
      tuning,
      timers,
      idleGraceMs: this.#idleGraceMs,
      onChange: onChange ? () => onChange(spec.id) : undefined,
      startGate: this.#startGate,
    });
  }
}
