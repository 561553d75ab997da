/** The body of `POST /v1/scan`: lib/protocol/scan.ts `scanRequestSchema`, checked field by field. */
export { scanRequestSchema } from "../../lib/protocol/mod.ts";
