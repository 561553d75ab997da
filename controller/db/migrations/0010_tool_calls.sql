-- 0010: tool calls of agents (docs/design/agents.md § Tools, issue 12). One row per
-- (turn, model call id): a repeated POST /api/tools/execute with the same pair answers
-- the stored outcome instead of running the tool again. No foreign key to the chat
-- tables: turns live in 0009, and a row must outlive neither more nor less than the
-- retention the chat gives its turns (it deletes by turn_id).

CREATE TABLE tool_calls (
  turn_id      uuid NOT NULL,
  call_id      text NOT NULL CHECK (length(call_id) BETWEEN 1 AND 200),
  agent_id     text NOT NULL,
  tool         text NOT NULL,
  arguments    jsonb NOT NULL DEFAULT '{}',
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  result       jsonb,                         -- toolResultSchema when done
  error        jsonb,                         -- {code, message, field?} when failed
  ms           integer,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  PRIMARY KEY (turn_id, call_id)
);
-- An agent's recent calls (the dashboard's trace, retention sweeps).
CREATE INDEX tool_calls_agent_started ON tool_calls (agent_id, started_at);
