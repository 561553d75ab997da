/**
 * A node agent keeps running its cameras while the controller is away, and a
 * node agent restarted meanwhile restores its last desired state from disk.
 */
import assert from "node:assert/strict";
import { isJpeg } from "../../lib/mjpeg.ts";
import { eventually, startStack } from "../support/stack.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function snapshot(
  nodeUrl: string,
  id: string,
  token: string,
): Promise<Uint8Array | null> {
  try {
    const res = await fetch(`${nodeUrl}/v1/cameras/${id}/snapshot`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(8000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    return new Uint8Array(await res.arrayBuffer());
  } catch {
    return null;
  }
}

Deno.test({
  name:
    "node agent runs on its last desired state while the controller is away, across its own restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({});
    const joinToken = stack.controller.joinToken;
    const agent = await stack.startNodeAgent("away-node");
    // The key the controller presents to this node (it chose it at enrolment).
    const token = (await stack.controller.nodes.target("away-node"))!.token;
    const res = await stack.api("/api/cameras", {
      method: "POST",
      json: { name: "Demo", protocol: "demo" },
    });
    const cam = await res.json();
    const nodeUrl = (await stack.controller.nodes.address("away-node"))!;
    await eventually(
      async () => (await snapshot(nodeUrl, cam.id, token)) !== null,
      10000,
      "a first snapshot",
    );
    const byJoinToken = await fetch(
      `${nodeUrl}/v1/cameras/${cam.id}/snapshot`,
      {
        headers: { authorization: `Bearer ${joinToken}` },
      },
    );
    await byJoinToken.body?.cancel();
    assert.equal(byJoinToken.status, 401, "the join token opens no node API");

    // The controller goes away; the node agent keeps serving.
    await stack.controller.close();
    const during = await snapshot(nodeUrl, cam.id, token);
    assert.ok(
      during && isJpeg(during),
      "snapshot from the node agent while the controller is down",
    );

    // Restart the node agent on a fixed port while the controller is still down.
    await agent.kill("SIGTERM");
    const port = new URL(nodeUrl).port;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "node-agent",
        "--port",
        port,
        "--host",
        "127.0.0.1",
        "--log-level",
        "error",
      ],
      env: {
        FALCON_NODE_NAME: "away-node",
        FALCON_NODE_TOKEN: joinToken,
        FALCON_CONTROLLER_URL: stack.url,
        FALCON_DATA_DIR: stack.dataDir,
      },
      stdin: "null",
    }).spawn();
    try {
      await eventually(
        async () => (await snapshot(nodeUrl, cam.id, token)) !== null,
        15000,
        "restored camera",
      );
      const after = await snapshot(nodeUrl, cam.id, token);
      assert.ok(
        after && isJpeg(after),
        "the restarted node agent restored the camera without the controller",
      );
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(stack.dataDir, { recursive: true }).catch(() => {});
    }
  },
});
