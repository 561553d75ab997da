/**
 * Context windows of well-known models, for agents whose settings leave
 * `context_window` empty. Matched by the longest prefix of the model name
 * (after any "provider/" part, as OpenAI-compatible servers name them);
 * unknown models get DEFAULT_CONTEXT_WINDOW. Figures are the providers'
 * published input limits, rounded down.
 */

export const DEFAULT_CONTEXT_WINDOW = 32_000;

const KNOWN: [prefix: string, tokens: number][] = [
  ["gpt-5", 400_000],
  ["gpt-4.1", 1_000_000],
  ["gpt-4o", 128_000],
  ["chatgpt-4o", 128_000],
  ["gpt-4-turbo", 128_000],
  ["gpt-4-32k", 32_768],
  ["gpt-4", 8_192],
  ["gpt-3.5-turbo", 16_385],
  ["o1-mini", 128_000],
  ["o1", 200_000],
  ["o3", 200_000],
  ["o4-mini", 200_000],
  ["claude-", 200_000],
  ["llama3.1", 128_000],
  ["llama3.2", 128_000],
  ["llama3.3", 128_000],
  ["llama3", 8_192],
  ["qwen2.5", 32_768],
  ["qwen3", 40_960],
  ["mistral", 32_768],
  ["gemma3", 128_000],
  ["phi4", 16_384],
];
// Longest prefix first, so "gpt-4o" wins over "gpt-4".
KNOWN.sort((a, b) => b[0].length - a[0].length);

/** The context window of `model`: the agent's setting, else the table, else 32k. */
export function contextWindowOf(
  model: string,
  configured: number | null | undefined,
): number {
  if (configured && configured > 0) return configured;
  const name = model.toLowerCase().split("/").pop() ?? "";
  for (const [prefix, tokens] of KNOWN) {
    if (name.startsWith(prefix)) return tokens;
  }
  return DEFAULT_CONTEXT_WINDOW;
}
