-- 0001: nodes and cameras.

CREATE TABLE nodes (
  name              text PRIMARY KEY,                 -- node name (Kubernetes node name, or the host name)
  address           text,                             -- base URL where the controller reaches its node agent
  version           text,                             -- node agent version
  status            text NOT NULL DEFAULT 'offline'   -- online | offline, from heartbeats
                    CHECK (status IN ('online', 'offline')),
  last_heartbeat_at timestamptz,                      -- time of the last heartbeat received
  info              jsonb NOT NULL DEFAULT '{}',      -- last heartbeat facts: ffmpeg, usb devices, disk, load
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cameras (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text NOT NULL,                  -- display name
  protocol            text NOT NULL                   -- rtsp | http | usb | demo
                      CHECK (protocol IN ('rtsp', 'http', 'usb', 'demo', 'onvif')),
  location            text,                           -- free text, e.g. "Front door"
  source_url_sealed   text,                           -- AES-GCM sealed full source URL (with credentials)
  source_url_redacted text,                           -- the same URL with its password replaced by ***
  device_path         text,                           -- /dev/videoN for usb
  node_name           text,                           -- node the user pinned the camera to; NULL = any
  assigned_node       text,                           -- node running the camera now; NULL = none online
  resolution          text NOT NULL DEFAULT '640x480',-- WIDTHxHEIGHT of the live view
  framerate           integer NOT NULL DEFAULT 15     -- frames per second of the live view
                      CHECK (framerate BETWEEN 1 AND 60),
  status              text NOT NULL DEFAULT 'pending' -- pending | online | error | offline
                      CHECK (status IN ('pending', 'online', 'error', 'offline')),
  error_message       text,                           -- redacted reason of the last failure
  metadata            jsonb NOT NULL DEFAULT '{}',    -- user data
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cameras_assigned_node_idx ON cameras (assigned_node);
CREATE INDEX cameras_created_at_idx ON cameras (created_at DESC);
-- A USB device is opened by one process only: one camera per node device.
CREATE UNIQUE INDEX cameras_usb_device_uniq ON cameras (node_name, device_path) WHERE protocol = 'usb';
