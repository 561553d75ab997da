-- 0009: chat with agents (docs/design/agents.md "A turn", "History and the context window").
-- A session holds messages; each message a user sends queues a turn; the agent process
-- claims turns one at a time per session, streams events and ends them with an answer or
-- an error. lib/api/chat.ts is the API's view of these rows.

CREATE TABLE chat_sessions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id         uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  title            text,                                  -- the first message, shortened
  summary          text,                                  -- running summary of messages folded out of the context
  summary_upto_turn_seq bigint,                           -- the summary covers the messages of turns up to this queue_seq
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_sessions_agent ON chat_sessions (agent_id, updated_at DESC);

CREATE TABLE chat_turns (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id         uuid NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
  agent_id           uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  queue_seq          bigint GENERATED ALWAYS AS IDENTITY,  -- claim order
  status             text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted', 'cancelled')),
  error              jsonb,                                -- lib/api/chat.ts turnErrorSchema
  lease_until        timestamptz,                          -- running: taken back after this
  claimed_generation integer,                              -- the agent credential generation that claimed it
  last_seq           integer NOT NULL DEFAULT 0,           -- highest event seq applied (idempotent posting)
  prompt_tokens      integer NOT NULL DEFAULT 0,
  completion_tokens  integer NOT NULL DEFAULT 0,
  steps              integer NOT NULL DEFAULT 0,           -- tool calls started
  created_at         timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  finished_at        timestamptz
);
-- One turn runs at a time per session, whichever controller replica claims it.
CREATE UNIQUE INDEX chat_turns_one_running ON chat_turns (session_id) WHERE status = 'running';
CREATE INDEX chat_turns_queued ON chat_turns (agent_id, queue_seq) WHERE status = 'queued';
CREATE INDEX chat_turns_session ON chat_turns (session_id, status);
CREATE INDEX chat_turns_lease ON chat_turns (lease_until) WHERE status = 'running';

CREATE TABLE chat_messages (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id        uuid NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
  seq               bigint GENERATED ALWAYS AS IDENTITY,   -- order within a session (ids are random)
  turn_id           uuid REFERENCES chat_turns (id) ON DELETE SET NULL,
  role              text NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'note')),
  content           text NOT NULL,
  tool_calls        jsonb NOT NULL DEFAULT '[]',           -- assistant: [{id, name, args}]
  tool_call_id      text,                                  -- tool: the call it answers
  tool_name         text,
  tool_summary      text,                                  -- tool: one line, sent instead of old results
  source            text NOT NULL
                    CHECK (source IN ('dashboard', 'api', 'telegram', 'webhook', 'schedule', 'agent', 'system')),
  source_user       text,
  automated         boolean NOT NULL DEFAULT false,
  media             jsonb NOT NULL DEFAULT '[]',           -- lib/api/tools.ts toolMediaSchema[]
  prompt_tokens     integer,
  completion_tokens integer,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_session ON chat_messages (session_id, seq);
CREATE INDEX chat_messages_turn ON chat_messages (turn_id);

-- Images sent with a user message (at most 10, bounded by POST /send and the body limit).
CREATE TABLE chat_message_images (
  message_id uuid NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
  idx        smallint NOT NULL CHECK (idx BETWEEN 0 AND 9),
  mime       text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),
  data       bytea NOT NULL,
  PRIMARY KEY (message_id, idx)
);

-- The tool trace of a turn (lib/api/chat.ts toolTraceSchema), one row per tool call.
CREATE TABLE chat_tool_trace (
  turn_id    uuid NOT NULL REFERENCES chat_turns (id) ON DELETE CASCADE,
  call_id    text NOT NULL,
  ord        integer NOT NULL,                             -- order of tool_start within the turn
  name       text NOT NULL,
  args       jsonb NOT NULL DEFAULT '{}',
  summary    text,
  ms         double precision,
  error      text,
  started_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (turn_id, call_id)
);
