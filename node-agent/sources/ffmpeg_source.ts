/**
 * A camera read by one ffmpeg that writes MJPEG (`-f mpjpeg`) on stdout: the
 * Supervisor keeps it alive, the parser cuts the stream into JPEG frames.
 */
import { isJpeg, MjpegParser } from "../../lib/mjpeg.ts";
import { Supervisor } from "../ffmpeg/supervisor.ts";
import type {
  FrameSink,
  FrameSource,
  SourceOptions,
  SourceState,
} from "./source.ts";

export class FfmpegSource implements FrameSource {
  #sup: Supervisor;
  #sink: FrameSink;
  #parser = new MjpegParser();

  /** `args` is rebuilt at every start, so a changed camera takes effect. */
  constructor(
    args: () => string[] | Promise<string[]>,
    sink: FrameSink,
    options: SourceOptions,
  ) {
    this.#sink = sink;
    this.#sup = new Supervisor({
      ...options.tuning,
      name: options.name,
      command: options.ffmpegPath,
      args,
      onStdout: (chunk) => this.#onStdout(chunk),
      onState: (state) => this.#onState(state),
      secrets: options.secrets,
      timers: options.timers,
    });
  }

  get state(): SourceState {
    return this.#sup.state;
  }

  get pid(): number | null {
    return this.#sup.pid;
  }

  get restarts(): number {
    return this.#sup.restarts;
  }

  get lastError(): string | null {
    return this.#sup.lastError;
  }

  start(): void {
    this.#sup.start();
  }

  stop(): Promise<void> {
    return this.#sup.stop();
  }

  restart(): void {
    this.#sup.restart();
  }

  setSecrets(secrets: string[]): void {
    this.#sup.setSecrets(secrets);
  }

  #onStdout(chunk: Uint8Array): void {
    // A parse error propagates: the supervisor kills ffmpeg and restarts it.
    for (const frame of this.#parser.push(chunk)) {
      if (!isJpeg(frame)) continue;
      this.#sink.onFrame(frame);
      this.#sup.progress();
    }
  }

  #onState(state: SourceState): void {
    // A new ffmpeg starts a new multipart stream.
    if (state === "starting") this.#parser = new MjpegParser();
    this.#sink.onState(state);
  }
}
