/** Recordings: sessions, segments, node events, footage, reconcile (docs/guide/recordings.md). */
export {
  MAX_JOIN_SEGMENTS,
  type RecordingDetail,
  type RecordingNodes,
  RecordingService,
  type RecordingServiceDeps,
  type RecordingStatus,
} from "./service.ts";
export {
  type ReconcileOptions,
  type ReconcileReport,
  RecordingReconciler,
} from "./reconcile.ts";
export {
  DEFAULT_SEGMENT_SECONDS,
  MIN_FREE_BYTES,
  MIN_FREE_RATIO,
  recordSpecsFor,
  storagePolicyFor,
} from "./desired.ts";
export { MAX_EVENTS, MAX_PLAYBACK_MS, parseListQuery } from "./schema.ts";
export type { RecordingJson, SegmentJson, SessionJson } from "./view.ts";
