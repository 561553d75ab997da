import assert from "node:assert/strict";
import {
  AnchorEstimator,
  parseSegmentList,
  ProgressParser,
} from "./timeline.ts";

Deno.test("ProgressParser yields out_time_us per block, across chunk borders", () => {
  const p = new ProgressParser();
  assert.deepEqual(
    p.push("frame=1\nout_time_us=0\nprogress=continue\nframe=2\nout_ti"),
    [0],
  );
  assert.deepEqual(
    p.push("me_us=2351172\nout_time=00:00:02.351172\nprogress=continue\n"),
    [
      2351172,
    ],
  );
  assert.deepEqual(p.push("out_time_us=N/A\nprogress=continue\n"), []);
  assert.deepEqual(p.push("out_time_us=9000000\nprogress=end\n"), [9000000]);
});

Deno.test("AnchorEstimator keeps the minimum of wall − out_time", () => {
  const a = new AnchorEstimator();
  assert.equal(a.anchorMs, null);
  a.sample(1_000_000, 0); // before output starts: ignored
  assert.equal(a.anchorMs, null);
  a.sample(1_002_400, 2_350_000); // probe burst: 1 000 050
  a.sample(1_002_900, 2_880_000); // 1 000 020
  a.sample(1_003_500, 3_300_000); // late report: 1 000 200
  assert.equal(a.anchorMs, 1_000_020);
});

Deno.test("AnchorEstimator locks after the first segment and steps only on drift > stepMs", () => {
  const a = new AnchorEstimator({ stepMs: 250 });
  a.sample(10_000, 10_000_000); // anchor 0
  assert.equal(a.segmentClosed(), false);
  a.sample(20_000, 20_040_000); // 40 ms better: noise, locked
  assert.equal(a.anchorMs, 0);
  assert.equal(a.segmentClosed(), false);
  // media now lags wall by 300 ms (slow camera clock)
  a.sample(70_300, 70_000_000);
  a.sample(70_800, 70_400_000);
  assert.equal(a.anchorMs, 0);
  assert.equal(a.segmentClosed(), true);
  assert.equal(a.anchorMs, 300);
  // a fast camera clock: media 290 ms ahead of the anchor
  a.sample(80_000, 79_990_000);
  assert.equal(a.segmentClosed(), true);
  assert.equal(a.anchorMs, 10);
});

Deno.test("parseSegmentList() reads ffmpeg's CSV, quoted names, and skips a partial line", () => {
  const text =
    's.r.1.mp4,0.000000,4.145833\n"a,""b"".mp4",4.145833,6.145833\ns.r.3.mp4,6.1';
  assert.deepEqual(parseSegmentList(text), [
    { file: "s.r.1.mp4", startS: 0, endS: 4.145833 },
    { file: 'a,"b".mp4', startS: 4.145833, endS: 6.145833 },
  ]);
  assert.deepEqual(parseSegmentList(""), []);
});
