/**
 * Fake LLM providers on loopback for tests and benchmarks (README.md):
 * `startFakeOpenAI()` and `startFakeAnthropic()` speak the real wire
 * protocols; `jpegInfo()` checks that an image a fake received is a JPEG.
 */
export {
  type FakeError,
  type FakeImage,
  type FakeLlm,
  type FakeLlmOptions,
  type FakeRequest,
  type FakeStep,
  type FakeToolCall,
  type FakeToolDef,
  type FakeToolResult,
  jpegInfo,
  probeImage,
  type Responder,
  toolThenAnswer,
} from "./common.ts";
export { openaiError, startFakeOpenAI } from "./openai.ts";
export { anthropicError, startFakeAnthropic } from "./anthropic.ts";

import type { FakeLlm, FakeLlmOptions } from "./common.ts";
import { startFakeOpenAI } from "./openai.ts";
import { startFakeAnthropic } from "./anthropic.ts";

/** Starts the fake for a wire by name. */
export function startFakeLlm(
  wire: "openai" | "anthropic",
  options: FakeLlmOptions = {},
): FakeLlm {
  return wire === "openai"
    ? startFakeOpenAI(options)
    : startFakeAnthropic(options);
}
