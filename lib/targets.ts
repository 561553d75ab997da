/**
 * Which hosts a camera source, a test connection or a scan may target
 * (issue 11 #8). Cameras live on the LAN (10/8, 172.16/12, 192.168/16,
 * 100.64/10 and public addresses stay allowed); what is refused by default:
 *
 * - loopback (127/8, ::1, `localhost`): the node agent itself, the database,
 *   anything listening only for the machine;
 * - link-local (169.254/16, fe80::/10): cloud metadata services
 *   (169.254.169.254, fd00:ec2::254) hand out credentials there;
 * - unspecified (0.0.0.0/8, ::), which reaches the local machine;
 * - IPv4 written the way `inet_aton` reads it (`2130706433`, `0x7f.1`,
 *   `0177.0.0.1`), and IPv4-mapped IPv6 (`::ffff:127.0.0.1`), which ffmpeg
 *   and the OS resolver read as the addresses above.
 *
 * Host names other than the `localhost` family are not resolved here; a DNS
 * name pointing at loopback is the admin's own choice.
 */

/** Why `host` is refused as a camera target, or null when it is allowed. */
export function deniedHost(host: string): string | null {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(
    /\.$/,
    "",
  );
  if (!h) return "an empty host";
  if (
    h === "localhost" || h.endsWith(".localhost") ||
    h === "localhost.localdomain" || h === "ip6-localhost" ||
    h === "ip6-loopback"
  ) return "the loopback interface";
  if (h === "metadata.google.internal" || h === "metadata") {
    return "a cloud metadata service";
  }
  const v4 = inetAton(h);
  if (v4 !== null) return deniedV4(v4);
  if (h.includes(":")) return deniedV6(h);
  return null;
}

function deniedV4(n: number): string | null {
  const a = n >>> 24;
  if (a === 127) return "the loopback interface";
  if (a === 0) return "the unspecified address (this machine)";
  if ((n >>> 16) === 0xa9fe) {
    return "a link-local address (cloud metadata lives at 169.254.169.254)";
  }
  return null;
}

function deniedV6(h: string): string | null {
  const words = expandV6(h.split("%")[0]);
  if (!words) return null;
  if (words.every((w) => w === 0)) {
    return "the unspecified address (this machine)";
  }
  if (words.slice(0, 7).every((w) => w === 0) && words[7] === 1) {
    return "the loopback interface";
  }
  if ((words[0] & 0xffc0) === 0xfe80) return "a link-local address";
  // fd00:ec2::254: the metadata service of AWS over IPv6.
  if (
    words[0] === 0xfd00 && words[1] === 0x0ec2 &&
    words.slice(2, 7).every((w) => w === 0) && words[7] === 0x254
  ) return "a cloud metadata service";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) are IPv4.
  if (
    words.slice(0, 5).every((w) => w === 0) &&
    (words[5] === 0xffff || words[5] === 0)
  ) {
    return deniedV4(((words[6] << 16) | words[7]) >>> 0);
  }
  return null;
}

/** Eight 16-bit words of an IPv6 address (with an optional trailing IPv4), or null. */
function expandV6(text: string): number[] | null {
  let s = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = inetAton(v4[1]);
    if (n === null) return null;
    tail.push(n >>> 16, n & 0xffff);
    s = s.slice(0, -v4[1].length);
    if (s.endsWith(":") && !s.endsWith("::")) s = s.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const part = (p: string) =>
    p === ""
      ? []
      : p.split(":").map((x) =>
        /^[0-9a-f]{1,4}$/.test(x) ? parseInt(x, 16) : NaN
      );
  const head = part(halves[0]);
  const rest = halves.length === 2 ? part(halves[1]) : [];
  const given = head.length + rest.length + tail.length;
  if (head.concat(rest).some(Number.isNaN)) return null;
  if (halves.length === 1 && given !== 8) return null;
  if (given > 8) return null;
  return [...head, ...Array(8 - given).fill(0), ...rest, ...tail];
}

/**
 * IPv4 the way `inet_aton` (and so the OS resolver ffmpeg uses) reads it: one
 * to four parts, each decimal, octal (leading 0) or hex (0x). Null otherwise.
 */
export function inetAton(text: string): number | null {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) {
      n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    } else if (/^0[0-7]*$/.test(p)) n = parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) n = Number(p);
    else return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return null;
  if (last >= 2 ** (8 * (4 - nums.length))) return null;
  let n = 0;
  for (const x of nums) n = n * 256 + x;
  return (n * 2 ** (8 * (4 - nums.length)) + last) >>> 0;
}
