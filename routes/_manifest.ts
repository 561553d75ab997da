/**
 * Every route of the dashboard, written out by hand (Fresh generates this
 * file; an explicit list keeps `deno compile` aware of every route).
 * `controller/web/manifest_test.ts` fails when a file in `routes/` is missing
 * here or its pattern does not follow the file name.
 */
import type { RouteManifest } from "../controller/web/types.ts";
import * as NotFound from "./_404.tsx";
import * as Account from "./account.tsx";
import * as AgentAsk from "./agents/ask.tsx";
import * as AgentChat from "./agents/[id]/chat.tsx";
import * as Agents from "./agents/index.tsx";
import * as ApiDocs from "./api-docs.tsx";
import * as Audit from "./audit.tsx";
import * as CameraPage from "./cameras/[id].tsx";
import * as CameraScan from "./cameras/scan.tsx";
import * as Index from "./index.tsx";
import * as Login from "./login.tsx";
import * as Nodes from "./nodes.tsx";
import * as Recordings from "./recordings.tsx";
import * as Settings from "./settings.tsx";
import * as Setup from "./setup.tsx";
import * as Tokens from "./tokens.tsx";
import * as Users from "./users.tsx";

export const manifest: RouteManifest = {
  routes: [
    { file: "index.tsx", pattern: "/", module: Index },
    // Before /cameras/:id, which would otherwise take "scan" for an id.
    { file: "cameras/scan.tsx", pattern: "/cameras/scan", module: CameraScan },
    { file: "cameras/[id].tsx", pattern: "/cameras/:id", module: CameraPage },
    { file: "nodes.tsx", pattern: "/nodes", module: Nodes },
    { file: "recordings.tsx", pattern: "/recordings", module: Recordings },
    { file: "login.tsx", pattern: "/login", module: Login },
    { file: "setup.tsx", pattern: "/setup", module: Setup },
    { file: "users.tsx", pattern: "/users", module: Users },
    { file: "tokens.tsx", pattern: "/tokens", module: Tokens },
    { file: "audit.tsx", pattern: "/audit", module: Audit },
    { file: "settings.tsx", pattern: "/settings", module: Settings },
    { file: "account.tsx", pattern: "/account", module: Account },
    { file: "api-docs.tsx", pattern: "/api-docs", module: ApiDocs },
    { file: "agents/index.tsx", pattern: "/agents", module: Agents },
    { file: "agents/ask.tsx", pattern: "/agents/ask", module: AgentAsk },
    {
      file: "agents/[id]/chat.tsx",
      pattern: "/agents/:id/chat",
      module: AgentChat,
    },
  ],
  notFound: { file: "_404.tsx", module: NotFound },
};
