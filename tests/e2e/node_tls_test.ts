/**
 * Controller → node over https (issue 11 #6): a node agent serving its API
 * with --tls-cert/--tls-key enrols at an https address, and the controller
 * checks its certificate against --node-ca-file before it sends the node's
 * key: snapshots flow. Without that CA the certificate is not trusted.
 */
import assert from "node:assert/strict";
import { isJpeg } from "../../lib/mjpeg.ts";
import { eventually, startStack } from "../support/stack.ts";

/** A CA and a certificate it signed for 127.0.0.1, made with openssl. */
async function makeCerts(dir: string) {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  };
  await run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=falcon test CA",
  ]);
  await run([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "node.key",
    "-out",
    "node.csr",
    "-subj",
    "/CN=tls-node",
  ]);
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  await run([
    "x509",
    "-req",
    "-in",
    "node.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "node.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ]);
  return {
    ca: `${dir}/ca.pem`,
    cert: `${dir}/node.pem`,
    key: `${dir}/node.key`,
  };
}

Deno.test({
  name: "node agent over https, checked against the node CA",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "falcon-tls-" });
    const certs = await makeCerts(dir);
    const stack = await startStack({
      controllerFlags: { "node-ca-file": certs.ca },
    });
    try {
      await stack.startNodeAgent("tls-node", {
        env: {
          FALCON_NODE_TLS_CERT: certs.cert,
          FALCON_NODE_TLS_KEY: certs.key,
        },
      });
      const address = (await stack.controller.nodes.address("tls-node"))!;
      assert.match(address, /^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await stack.api("/api/cameras", {
        method: "POST",
        json: { name: "Tls", protocol: "demo", node_name: "tls-node" },
      });
      assert.equal(res.status, 201, await res.clone().text());
      const cam = await res.json();
      let jpeg: Uint8Array | null = null;
      await eventually(
        async () => {
          const snap = await stack.api(`/api/cameras/${cam.id}/snapshot`);
          if (snap.status !== 200) {
            await snap.body?.cancel();
            return false;
          }
          jpeg = new Uint8Array(await snap.arrayBuffer());
          return true;
        },
        20000,
        "a snapshot through https",
      );
      assert.ok(jpeg && isJpeg(jpeg));
      // Plain fetch (system roots only) does not trust the node: the CA is what lets the controller in.
      await assert.rejects(fetch(`${address}/healthz`));
    } finally {
      await stack.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
