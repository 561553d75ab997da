/**
 * `/agents/ask?camera={id}` (admins): "Ask about this camera" on the camera
 * page leads here. With one agent (or only the main one), straight to its
 * chat with a question naming the camera in the message box (303); with
 * several, a chooser with the main agent first. Without `camera`, the same
 * chooser without a question. No JavaScript.
 */
import { Layout } from "../_layout/Layout.tsx";
import type { AgentChoice, RouteContext } from "../../controller/web/types.ts";

export const title = "Ask an agent";
export const access = "admin";

/** The question put in the message box for a camera. */
export function cameraQuestion(camera: { id: string; name: string }): string {
  return `What is on the camera “${camera.name}” (id ${camera.id}) right now?`;
}

/** The chat URL of an agent, with the question to prefill. */
export function chatUrl(agentId: string, ask: string | null): string {
  const base = `/agents/${encodeURIComponent(agentId)}/chat`;
  return ask ? `${base}?ask=${encodeURIComponent(ask)}` : base;
}

/** Main agent first, then by name. */
export function orderAgents(agents: AgentChoice[]): AgentChoice[] {
  return [...agents].sort((a, b) =>
    Number(b.is_main) - Number(a.is_main) || a.name.localeCompare(b.name)
  );
}

export default async function AskPage({ deps, user, url }: RouteContext) {
  const me = user!;
  const cameraId = url.searchParams.get("camera");
  const camera = cameraId
    ? (await deps.listCameras(me)).find((c) => c.id === cameraId) ?? null
    : null;
  const ask = camera ? cameraQuestion(camera) : null;
  const agents = deps.listAgents
    ? orderAgents(await deps.listAgents(me))
    : null;
  if (agents && agents.length === 1) {
    return new Response(null, {
      status: 303,
      headers: { location: chatUrl(agents[0].id, ask) },
    });
  }
  return (
    <Layout user={me} current="/agents">
      <section class="stack narrow" aria-labelledby="ask-h">
        <h2 id="ask-h">
          {camera ? `Ask about “${camera.name}”` : "Chat with an agent"}
        </h2>
        {cameraId && !camera && (
          <p class="err" role="alert">
            There is no camera{" "}
            <code>{cameraId}</code>; it may have been deleted.
          </p>
        )}
        {!agents && (
          <p class="empty" role="alert">This controller does not run agents.</p>
        )}
        {agents?.length === 0 && (
          <p class="empty">
            No agent yet. Set a provider in{" "}
            <a href="/settings#providers-h">Settings → AI providers</a>, then
            {" "}
            <a href="/agents">add an agent</a>.
          </p>
        )}
        {agents && agents.length > 1 && (
          <>
            <p class="hint">Which agent should answer?</p>
            <ul class="choose">
              {agents.map((a) => (
                <li key={a.id}>
                  <a class="button" href={chatUrl(a.id, ask)}>
                    {a.name}
                    {a.is_main && " (main)"}
                  </a>
                  {a.desired !== "running" && <span class="mut">stopped</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </Layout>
  );
}
