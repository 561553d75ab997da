/** list_nodes: the machines that run cameras. */
import { z } from "zod";
import { nodeLine } from "./node_text.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "list_nodes",
  description:
    "List the nodes (machines running a Falcon-Eye node agent): online or offline, last heartbeat, cameras placed on each, free disk, the node agent's CPU and memory, ffmpeg version. Use it when cameras are offline or recordings fail, to see whether their node is the cause.",
  category: "nodes",
  writes: false,
  actions: ["node.list"],
  schema: z.strictObject({}),
  async run(ctx) {
    const nodes = await ctx.nodes.list(ctx.principal);
    if (nodes.length === 0) {
      return { text: "No node has enrolled yet.", summary: "0 nodes" };
    }
    const online = nodes.filter((n) => n.status === "online").length;
    return {
      text: `${nodes.length} node(s), ${online} online:\n${
        nodes.map(nodeLine).join("\n")
      }`,
      summary: `${nodes.length} nodes, ${online} online`,
    };
  },
});
