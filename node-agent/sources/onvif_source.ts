/**
 * The relay's reader for an onvif camera: the same supervised ffmpeg as an
 * rtsp camera, fed the profile's RTSP URI that `OnvifResolver` asks the camera
 * for before each start. After a failed run the cached URI is dropped, so the
 * next start asks again (cameras change URIs after a reboot).
 */
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { relayArgs } from "../ffmpeg/relay_args.ts";
import { FfmpegSource } from "./ffmpeg_source.ts";
import type { FrameSink, FrameSource, SourceOptions } from "./source.ts";
import { type OnvifResolver, onvifResolver } from "../onvif/resolve.ts";

export function onvifFrameSource(
  spec: () => CameraSpec,
  sink: FrameSink,
  options: SourceOptions,
  resolver: OnvifResolver = onvifResolver,
): FrameSource {
  let failed = false;
  return new FfmpegSource(async () => {
    const s = spec();
    if (failed && s.source_url) resolver.invalidate(s.source_url);
    failed = false;
    // Live view needs the live profile only: a broken recording profile
    // must not take it down (the recorder resolves that one).
    return relayArgs(
      await resolver.resolveSpec({ ...s, record_source_url: null }),
    );
  }, {
    onFrame: (jpeg) => sink.onFrame(jpeg),
    onState: (state) => {
      if (state === "backoff") failed = true;
      sink.onState(state);
    },
  }, options);
}
