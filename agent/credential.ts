/**
 * The agent's credential: one JSON line on stdin (a local child of the
 * controller, which then closes stdin) or a file (a Kubernetes Secret). Never
 * argv or the environment, where `ps` and `/proc/<pid>/environ` show it.
 */
import {
  type AgentCredential,
  agentCredentialSchema,
} from "../lib/agent_protocol.ts";

export class CredentialError extends Error {}

/** Parses and checks the credential text; the error names the bad field, never the secret. */
export function parseCredential(text: string, from: string): AgentCredential {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CredentialError(`the credential from ${from} is not JSON`);
  }
  const parsed = agentCredentialSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "(root)";
    throw new CredentialError(
      `the credential from ${from} is invalid: ${field}: ${issue.message}`,
    );
  }
  return {
    ...parsed.data,
    controller_url: parsed.data.controller_url.replace(/\/+$/, ""),
  };
}

/** Reads the first line of `stream` (at most 64 KiB), then releases it. */
export async function readFirstLine(
  stream: ReadableStream<Uint8Array>,
  maxBytes = 65_536,
): Promise<string> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      const nl = text.indexOf("\n");
      if (nl >= 0) return text.slice(0, nl);
      if (text.length > maxBytes) {
        throw new CredentialError("the credential line on stdin is too long");
      }
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}

export async function loadCredential(
  file: string | undefined,
): Promise<AgentCredential> {
  if (file) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      throw new CredentialError(
        `cannot read --credential-file ${file}: ${(e as Error).message}`,
      );
    }
    return parseCredential(text.trim(), file);
  }
  if (Deno.stdin.isTerminal()) {
    throw new CredentialError(
      "no credential: pass --credential-file or one JSON line on stdin (the controller starts agents itself)",
    );
  }
  const line = (await readFirstLine(Deno.stdin.readable)).trim();
  if (!line) throw new CredentialError("no credential on stdin");
  return parseCredential(line, "stdin");
}
