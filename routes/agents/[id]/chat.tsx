/**
 * `/agents/{id}/chat` (admins): the chat with one agent — sessions, the
 * streamed answer with its tool trace, media and token counts. `?session=`
 * opens a session, `?ask=` puts a question in the message box ("Ask about
 * this camera"). The island (the only one with the markdown parser) loads
 * the agent, its sessions and the history from the API.
 */
import { Layout } from "../../_layout/Layout.tsx";
import { Island } from "../../../controller/web/island.tsx";
import type { RouteContext } from "../../../controller/web/types.ts";
import AgentChat from "../../../islands/AgentChat.tsx";
import { MAX_MESSAGE_CHARS } from "../../../lib/api/chat.ts";
import { UUID } from "../../../lib/api/common.ts";

export const title = "Chat";
export const access = "admin";

export default function ChatPage({ user, params, url }: RouteContext) {
  const session = url.searchParams.get("session");
  const ask = url.searchParams.get("ask");
  return (
    <Layout user={user!} current="/agents">
      <nav aria-label="Breadcrumb">
        <a href="/agents">← All agents</a>
      </nav>
      <Island
        name="AgentChat"
        component={AgentChat}
        props={{
          agentId: params.id ?? "",
          ask: ask ? ask.slice(0, MAX_MESSAGE_CHARS) : null,
          sessionId: session && UUID.test(session) ? session : null,
        }}
      />
    </Layout>
  );
}
