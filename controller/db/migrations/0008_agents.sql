-- 0008: AI agents (docs/design/agents.md, issue 12). An agent row is what the user asked
-- for; its process is supervised by the controller and holds none of these secrets.

CREATE TABLE agents (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug            text NOT NULL UNIQUE,                 -- lowercase letters, digits, dashes
  name            text NOT NULL,
  provider        text NOT NULL CHECK (provider IN ('openai', 'anthropic', 'openai_compatible')),
  model           text NOT NULL,
  base_url        text,                                 -- NULL: the shared provider's, else the public endpoint
  api_key_sealed  text,                                 -- AES-GCM sealed own key; NULL: the shared key
  system_prompt   text NOT NULL DEFAULT '',
  temperature     real NOT NULL DEFAULT 0.2,
  max_tokens      integer NOT NULL DEFAULT 1024,
  step_limit      integer NOT NULL DEFAULT 12,
  context_window  integer,                              -- NULL: known for the model, else 32k
  tokens_per_day  integer NOT NULL DEFAULT 200000,
  tool_timeout_s  integer NOT NULL DEFAULT 60,
  llm_timeout_s   integer NOT NULL DEFAULT 120,
  tools           text[] NOT NULL DEFAULT '{}',         -- tool names (lib/api/tools.ts)
  camera_ids      uuid[],                               -- NULL: every camera
  is_main         boolean NOT NULL DEFAULT false,
  desired         text NOT NULL DEFAULT 'stopped' CHECK (desired IN ('running', 'stopped')),
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- At most one main agent.
CREATE UNIQUE INDEX agents_one_main ON agents (is_main) WHERE is_main;

-- The credential of the agent's current process start: only its SHA-256 is kept; a new
-- start replaces it, so the previous generation stops working at once.
CREATE TABLE agent_credentials (
  agent_id       uuid PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
  generation     integer NOT NULL,
  secret_sha256  text NOT NULL UNIQUE,
  issued_at      timestamptz NOT NULL DEFAULT now()
);

-- Tokens used per agent and UTC day, from the providers' own usage figures (the gateway).
CREATE TABLE agent_usage (
  agent_id           uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  day                date NOT NULL,
  prompt_tokens      bigint NOT NULL DEFAULT 0,
  completion_tokens  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, day)
);

-- Shared providers (Settings → AI providers): one row per provider kind.
CREATE TABLE ai_providers (
  provider        text PRIMARY KEY CHECK (provider IN ('openai', 'anthropic', 'openai_compatible')),
  base_url        text,
  api_key_sealed  text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Whether the main agent was made once (so deleting settings never re-creates or resets it).
CREATE TABLE agent_bootstrap (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  main_made_at timestamptz NOT NULL DEFAULT now()
);
