/** system_info: real figures of the whole system, as the agent may see it. */
import { z } from "zod";
import { authorize, cameraScope } from "../access/policy.ts";
import { openSessionsOf } from "../db/recordings.ts";
import { bytesText, durationText, isoSeconds, nowOf } from "./common.ts";
import { nodeFacts, nodeLine } from "./node_text.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "system_info",
  description:
    "Facts about the Falcon-Eye system now: versions, controller uptime and memory, database, every node with its heartbeat load and disk, cameras counted by status and the recordings running now. Use it for questions about the system's health.",
  category: "system",
  writes: false,
  actions: ["system.info"],
  schema: z.strictObject({}),
  async run(ctx) {
    authorize(ctx.principal, "system.info");
    const now = nowOf(ctx);
    const scope = cameraScope(ctx.principal);
    const [cameras, nodes, db] = await Promise.all([
      ctx.cameras.all().then((all) =>
        all.filter((c) => !scope || scope.has(c.id))
      ),
      ctx.nodes.all(),
      ctx.sql<{ v: string }[]>`select version() as v`.then((r) =>
        r[0]?.v.split(",")[0] ?? "?"
      ),
    ]);
    const open = await openSessionsOf(ctx.sql, cameras.map((c) => c.id));
    const byStatus = new Map<string, number>();
    for (const c of cameras) {
      byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
    }
    const mem = Deno.memoryUsage();
    const online = nodes.filter((n) => n.status === "online");
    const free = online.reduce((s, n) => s + (nodeFacts(n).disk?.free ?? 0), 0);
    const recordings = [...open.values()].map((s) =>
      `- ${s.camera_name}: recording ${s.id} (${s.kind}) since ${
        isoSeconds(s.started_at)
      }`
    );
    const lines = [
      `Falcon-Eye ${ctx.version}; Deno ${Deno.version.deno}; ${db}`,
      `controller: up ${
        durationText(now.getTime() - ctx.startedAt.getTime())
      } (since ${isoSeconds(ctx.startedAt)}); memory RSS ${
        bytesText(mem.rss)
      }, heap ${bytesText(mem.heapUsed)}`,
      `nodes: ${nodes.length} (${online.length} online; ${
        bytesText(free)
      } disk free on the online ones)`,
      ...nodes.map(nodeLine),
      `cameras: ${cameras.length}${
        cameras.length
          ? ` (${[...byStatus].map(([s, n]) => `${n} ${s}`).join(", ")})`
          : ""
      }`,
      `recording now: ${recordings.length}`,
      ...recordings,
    ];
    return {
      text: lines.join("\n"),
      summary:
        `${online.length}/${nodes.length} nodes online, ${cameras.length} cameras, ${recordings.length} recording`,
    };
  },
});
