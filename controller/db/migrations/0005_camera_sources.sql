-- 0005: RTSP source options of a camera (docs/guide/cameras.md): the transport, and a
-- second URL for recording (the main stream) while the live view reads source_url (the sub-stream).

ALTER TABLE cameras
  ADD COLUMN rtsp_transport text NOT NULL DEFAULT 'tcp'  -- tcp | udp: how RTSP is read, live and recording
    CHECK (rtsp_transport IN ('tcp', 'udp')),
  ADD COLUMN record_source_url_sealed text,              -- AES-GCM sealed recording URL (with credentials); NULL = record source_url
  ADD COLUMN record_source_url_redacted text;            -- the same URL with its password replaced by ***

COMMENT ON COLUMN cameras.rtsp_transport IS
  'RTSP lower transport: tcp (interleaved, default) or udp (RTP over UDP); used by the relay and the recorder';
COMMENT ON COLUMN cameras.record_source_url_sealed IS
  'sealed URL of the stream to record (usually the main stream); NULL = record source_url';
COMMENT ON COLUMN cameras.record_source_url_redacted IS
  'record_source_url with its password replaced by ***; what the API shows';
