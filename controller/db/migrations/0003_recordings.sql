-- 0003: recording sessions, their segments, applied node events; camera recording settings.
-- docs/guide/recordings.md describes the behaviour; lib/protocol.ts the node events.

ALTER TABLE cameras
  ADD COLUMN recording_mode text NOT NULL DEFAULT 'off'  -- off | manual | continuous
    CHECK (recording_mode IN ('off', 'manual', 'continuous')),
  ADD COLUMN retention_days integer                      -- days of footage the node keeps; NULL = no age limit
    CHECK (retention_days BETWEEN 1 AND 3650);

COMMENT ON COLUMN cameras.recording_mode IS
  'off: records only when started by hand; manual: the same, chosen explicitly; continuous: always records';
COMMENT ON COLUMN cameras.retention_days IS
  'days of footage the node keeps for this camera (1-3650); NULL = no age limit (free-space floor only)';

-- A recording: one span of segments of one camera on one node (manual start/stop,
-- or a continuous day). The row outlives its camera (camera_id set NULL).
CREATE TABLE recording_sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  camera_id     uuid REFERENCES cameras (id) ON DELETE SET NULL,
  camera_name   text NOT NULL,
  node_name     text,
  kind          text NOT NULL CHECK (kind IN ('manual', 'continuous')),
  status        text NOT NULL DEFAULT 'recording'
                CHECK (status IN ('recording', 'completed', 'failed', 'interrupted', 'expired')),
  started_at    timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz,
  keep          boolean NOT NULL DEFAULT false,
  error_message text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);

COMMENT ON TABLE recording_sessions IS 'recordings: a manual start/stop or a continuous day, a span of segments';
COMMENT ON COLUMN recording_sessions.id IS 'session id sent to the node in CameraSpec.record.session_id';
COMMENT ON COLUMN recording_sessions.camera_id IS 'camera recorded; NULL once the camera is deleted';
COMMENT ON COLUMN recording_sessions.camera_name IS 'camera name when the session began, kept after the camera is deleted';
COMMENT ON COLUMN recording_sessions.node_name IS 'node whose disk holds the segments; NULL while the camera has no node';
COMMENT ON COLUMN recording_sessions.kind IS 'manual (started and stopped by a user) | continuous (recording_mode continuous)';
COMMENT ON COLUMN recording_sessions.status IS
  'recording (open) | completed (stopped) | failed | interrupted (camera gone, node lost, or unknown to the controller) | expired (every segment deleted on the node)';
COMMENT ON COLUMN recording_sessions.started_at IS 'when recording was asked for (UTC)';
COMMENT ON COLUMN recording_sessions.ended_at IS 'when recording was stopped or given up (UTC); NULL while recording';
COMMENT ON COLUMN recording_sessions.keep IS 'true: retention and the free-space guard never delete its segments';
COMMENT ON COLUMN recording_sessions.error_message IS 'redacted reason of the last recording failure the node reported';
COMMENT ON COLUMN recording_sessions.created_at IS 'row creation time';
COMMENT ON COLUMN recording_sessions.updated_at IS 'last change of the row';

-- One open session per camera: start answers 409, and desired state can create on demand without races.
CREATE UNIQUE INDEX recording_sessions_open_uniq ON recording_sessions (camera_id) WHERE status = 'recording';
CREATE INDEX recording_sessions_camera_started_idx ON recording_sessions (camera_id, started_at DESC);
CREATE INDEX recording_sessions_started_idx ON recording_sessions (started_at DESC, id);
CREATE INDEX recording_sessions_status_idx ON recording_sessions (status);
CREATE INDEX recording_sessions_keep_idx ON recording_sessions (node_name) WHERE keep;

-- One self-contained MP4 file on a node's disk, reported by a segment.closed event.
CREATE TABLE recording_segments (
  id          bigserial PRIMARY KEY,
  session_id  uuid NOT NULL REFERENCES recording_sessions (id) ON DELETE CASCADE,
  camera_id   uuid,
  node_name   text NOT NULL,
  path        text NOT NULL,
  start_at    timestamptz NOT NULL,
  end_at      timestamptz NOT NULL,
  duration_ms bigint NOT NULL CHECK (duration_ms >= 0),
  size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
  video_codec text NOT NULL,
  audio_codec text,
  recovered   boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (node_name, path)
);

COMMENT ON TABLE recording_segments IS 'segment files on node disks; a row goes when the node deletes the file';
COMMENT ON COLUMN recording_segments.session_id IS 'recording the segment belongs to';
COMMENT ON COLUMN recording_segments.camera_id IS 'camera recorded (no foreign key: kept after the camera is deleted)';
COMMENT ON COLUMN recording_segments.node_name IS 'node whose disk holds the file';
COMMENT ON COLUMN recording_segments.path IS 'path relative to the node recordings root: {camera_id}/{YYYY-MM-DD}/{file}.mp4';
COMMENT ON COLUMN recording_segments.start_at IS 'wall-clock time of the first frame (UTC)';
COMMENT ON COLUMN recording_segments.end_at IS 'wall-clock time after the last frame (UTC)';
COMMENT ON COLUMN recording_segments.duration_ms IS 'media duration read from the file, milliseconds';
COMMENT ON COLUMN recording_segments.size_bytes IS 'file size, bytes';
COMMENT ON COLUMN recording_segments.video_codec IS 'video codec name as ffprobe gives it, e.g. h264';
COMMENT ON COLUMN recording_segments.audio_codec IS 'audio codec name, NULL without audio';
COMMENT ON COLUMN recording_segments.recovered IS 'true: repaired by the node at start after a crash';
COMMENT ON COLUMN recording_segments.created_at IS 'when the controller learnt of the segment';

CREATE INDEX recording_segments_session_idx ON recording_segments (session_id, start_at);
CREATE INDEX recording_segments_camera_time_idx ON recording_segments (camera_id, start_at);

-- Node events already applied: a repeated event id is acknowledged without effect.
CREATE TABLE node_events_applied (
  event_id   text PRIMARY KEY,
  node_name  text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE node_events_applied IS 'ids of node outbox events applied, for idempotence; pruned after 30 days';
COMMENT ON COLUMN node_events_applied.event_id IS 'NodeEvent.id as the node sent it';
COMMENT ON COLUMN node_events_applied.node_name IS 'node that sent the event';
COMMENT ON COLUMN node_events_applied.applied_at IS 'when the event took effect (UTC)';

CREATE INDEX node_events_applied_at_idx ON node_events_applied (applied_at);
