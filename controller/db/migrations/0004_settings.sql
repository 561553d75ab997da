-- 0004: runtime settings an admin changes from the dashboard (controller/settings/).
-- A key absent here uses its default (controller/settings/schema.ts).

CREATE TABLE settings (
  key        text PRIMARY KEY,                  -- setting name, e.g. segment_seconds
  value      jsonb NOT NULL,                    -- its value as JSON (null is a value, e.g. "automatic")
  updated_at timestamptz NOT NULL DEFAULT now(),-- last change
  updated_by text                               -- user name of who changed it; NULL when not known
);

COMMENT ON TABLE settings IS 'runtime settings (controller/settings/schema.ts); validated on load and on save';
COMMENT ON COLUMN settings.key IS 'setting name; unknown names are ignored on load';
COMMENT ON COLUMN settings.value IS 'the value as JSON; an invalid stored value falls back to the default';
COMMENT ON COLUMN settings.updated_at IS 'when the value was last saved (UTC)';
COMMENT ON COLUMN settings.updated_by IS 'user name of the admin who saved it; NULL when not known';
