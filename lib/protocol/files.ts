/**
 * Recording files on a node (controller → node, bearer): storage use, the
 * listing the reconcile job reads, joins for downloads and web renditions.
 * The node validates the requests with these schemas.
 *
 *   GET    /v1/storage                      → NodeStorageReport
 *   GET    /v1/recordings/list?camera_id&after&limit → FileListPage
 *   POST   /v1/recordings/join  JoinRequest → the joined file's id
 *   POST   /v1/renditions       RenditionRequest → RenditionStatus (202 while working)
 *   POST   /v1/recordings/frames FramesRequest → FramesResult (JPEGs extracted on the node)
 */
import { z } from "zod";

/** Most segments one join may name (a day of 60-s segments is 1440). */
export const MAX_JOIN_PATHS = 5000;
/** Longest page of a listing. */
export const MAX_LIST_PAGE = 5000;

const paths = z.array(z.string().min(1).max(300)).min(1).max(MAX_JOIN_PATHS);

export const joinRequestSchema = z.object({ paths }).strict();
export type JoinRequest = z.infer<typeof joinRequestSchema>;

export const renditionRequestSchema = z.object({
  paths,
  /** Sum of the segments' durations, for progress; optional. */
  duration_ms: z.number().int().min(0).max(1e12).optional(),
}).strict();
export type RenditionRequest = z.infer<typeof renditionRequestSchema>;

/** The listing's query (an empty parameter means "not given"). */
export const fileListQuerySchema = z.object({
  camera_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, {
    message: "letters, digits, '-' and '_' (at most 128)",
  }).optional(),
  after: z.string().max(1024).refine((s) => !s.includes("\0"), {
    message: "must not contain NUL",
  }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_PAGE).optional(),
}).strict();

export const fileListPageSchema = z.object({
  camera_id: z.string().nullable(),
  entries: z.array(z.object({
    path: z.string(),
    size_bytes: z.number(),
    /** File mtime (≈ when it was closed), ISO 8601. */
    mtime: z.string(),
  })),
  /** Cursor of the next page; null when this page ends the listing. */
  next_after: z.string().nullable(),
});
export type FileListPage = z.infer<typeof fileListPageSchema>;

/** Bytes and segment count of one camera (closed segments + incoming files). */
export const cameraUsageSchema = z.object({
  camera_id: z.string(),
  bytes: z.number(),
  segments: z.number(),
  /** Start of the oldest / newest closed segment, ISO 8601; null when none. */
  oldest_at: z.string().nullable().optional(),
  newest_at: z.string().nullable().optional(),
});

export const nodeStorageReportSchema = z.object({
  root: z.string(),
  total_bytes: z.number(),
  free_bytes: z.number(),
  /** The free-space floor the node keeps (storage policy applied to this disk). */
  required_free_bytes: z.number().optional(),
  cameras: z.array(cameraUsageSchema),
});
export type NodeStorageReport = z.infer<typeof nodeStorageReportSchema>;

/** What a node says about a web rendition. */
export const renditionStatusSchema = z.object({
  id: z.string(),
  state: z.enum(["ready", "working", "failed"]),
  /** 0–1 while working, when known. */
  progress: z.number().optional(),
  /** Jobs ahead of it on the node (0 while it runs). */
  queue_position: z.number().optional(),
  /** Redacted reason, when failed. */
  error: z.string().optional(),
});
export type RenditionStatus = z.infer<typeof renditionStatusSchema>;

/** Most frames one `POST /v1/recordings/frames` may ask for. */
export const MAX_FRAMES = 10;

/**
 * Frames of recorded segments, extracted on the node (ffmpeg seeks in each
 * file): the controller receives the JPEGs, never the footage.
 */
export const framesRequestSchema = z.object({
  frames: z.array(
    z.object({
      path: z.string().min(1).max(300),
      /** Offset into that segment file, ms. */
      at_ms: z.number().int().min(0).max(7 * 24 * 3600_000),
    }).strict(),
  ).min(1).max(MAX_FRAMES),
  /** Frames wider than this are scaled down (aspect kept). @default 1280 */
  max_width: z.number().int().min(64).max(7680).optional(),
}).strict();
export type FramesRequest = z.infer<typeof framesRequestSchema>;

export const framesResultSchema = z.object({
  frames: z.array(z.object({
    path: z.string(),
    at_ms: z.number(),
    /** The JPEG, base64. */
    jpeg: z.string(),
  })),
});
export type FramesResult = z.infer<typeof framesResultSchema>;
