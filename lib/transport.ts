/**
 * Transport checks shared by the controller and the node agent (finding #6 of
 * issue 11, docs/design/security.md): which URLs carry node credentials in
 * cleartext beyond this machine, and the one warning both sides print.
 */

/** True for `localhost`, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** True when `url` is plain http to a host off loopback (credentials readable on the wire). */
export function isPlainHttpOffLoopback(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "http:" && !isLoopbackHost(u.hostname);
  } catch {
    return false;
  }
}

/** The loud warning for a node link in cleartext; `what` names the link. */
export function plainHttpWarning(what: string, url: string): string {
  return `INSECURE: ${what} ${url} is plain http off loopback: node credentials, ` +
    `camera passwords and video cross the network unencrypted. Use https ` +
    `(docs/design/protocol.md, "Transport security") or keep this link on a trusted network.`;
}
