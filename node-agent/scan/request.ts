/** The body of `POST /v1/scan` (lib/protocol.ts `ScanRequest`), checked field by field. */
import { z } from "zod";

export const scanRequestSchema = z.strictObject({
  usb: z.boolean({ error: "usb must be true or false" }),
  onvif: z.boolean({ error: "onvif must be true or false" }),
  // The range itself is checked by lib/cidr.ts in the scanner (400 naming subnet).
  subnet: z.string({ error: "subnet must be a range like 192.168.1.0/24" })
    .max(50, "subnet must be a range like 192.168.1.0/24").nullable()
    .optional(),
  ports: z.array(z.number({ error: "ports must be numbers" })).max(
    32,
    "ports must list at most 32 ports",
  ).optional(),
});
