import assert from "node:assert/strict";
import { settingFields } from "../../controller/settings/schema.ts";
import {
  describeValue,
  mergeRemote,
  parseField,
  patchBody,
  textOf,
  valuesOf,
} from "./settings_form.ts";

const fields = settingFields();
const field = (key: string) => fields.find((f) => f.key === key)!;
const saved = {
  default_resolution: "640x480",
  default_framerate: 15,
  default_node: null,
  segment_seconds: 60,
  default_retention_days: null,
  min_free_percent: 5,
  min_free_gib: 5,
  relay_idle_grace_seconds: 10,
};

Deno.test("patchBody() sends only the settings that changed, typed", () => {
  const values = valuesOf(saved);
  assert.deepEqual(patchBody(fields, saved, values), { body: {} });
  assert.deepEqual(
    patchBody(fields, saved, {
      ...values,
      segment_seconds: " 30 ",
      default_node: "worker-1",
      default_retention_days: "7",
      min_free_gib: "5.0", // same number: not sent
    }),
    {
      body: {
        segment_seconds: 30,
        default_node: "worker-1",
        default_retention_days: 7,
      },
    },
  );
  const set = { ...saved, default_node: "worker-1", default_retention_days: 7 };
  assert.deepEqual(
    patchBody(fields, set, {
      ...valuesOf(set),
      default_node: "",
      default_retention_days: "",
    }),
    { body: { default_node: null, default_retention_days: null } },
    "emptied: automatic / no limit",
  );
});

Deno.test("patchBody() stops at a field that cannot be sent", () => {
  const values = valuesOf(saved);
  const empty = patchBody(fields, saved, { ...values, segment_seconds: "" });
  assert.equal("field" in empty && empty.field, "segment_seconds");
  const nan = patchBody(fields, saved, { ...values, min_free_percent: "a" });
  assert.ok("error" in nan && /must be a number/.test(nan.error));
  // Out of range is the API's to say (its message names the setting).
  assert.deepEqual(
    patchBody(fields, saved, { ...values, default_framerate: "99" }),
    { body: { default_framerate: 99 } },
  );
});

Deno.test("parseField(), textOf(), describeValue()", () => {
  assert.deepEqual(parseField(field("default_resolution"), " 800x600 "), {
    value: "800x600",
  });
  assert.deepEqual(parseField(field("default_node"), ""), { value: null });
  assert.ok("error" in parseField(field("default_resolution"), ""));
  assert.equal(textOf(null), "");
  assert.equal(textOf(2.5), "2.5");
  assert.equal(describeValue(field("segment_seconds"), 60), "60 s");
  assert.equal(
    describeValue(field("default_retention_days"), null),
    "no age limit",
  );
  assert.equal(describeValue(field("default_node"), null), "automatic");
});

Deno.test("mergeRemote() updates untouched fields and keeps edits", () => {
  const values = { ...valuesOf(saved), segment_seconds: "45" }; // being edited
  const after = { ...saved, segment_seconds: 20, min_free_percent: 10 };
  const merged = mergeRemote(saved, after, values);
  assert.equal(merged.segment_seconds, "45");
  assert.equal(merged.min_free_percent, "10");
  assert.equal(merged.default_resolution, "640x480");
});
