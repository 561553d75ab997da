/** The grid's multiplexed live stream (`GET /api/streams/live`). */
import { z } from "zod";

/** Comma-separated camera ids (repeating `cameras` works too); at most the mux's limit. */
export const streamsLiveQuery = z.object({
  cameras: z.string().describe("comma-separated camera ids, e.g. id1,id2"),
});
