/**
 * Token estimates for fitting history into a model's context window. OpenAI
 * models are counted with their own BPE (o200k_base, from `gpt-tokenizer`),
 * loaded on the first turn that needs it — it costs ~0.4 s and ~25 MB of heap,
 * which a controller whose agents use other providers never pays. Every
 * other model gets a conservative characters / 3.5 rule: Anthropic and local
 * models' tokenizers are not published as libraries, and over-estimating
 * only sends a little less history.
 */

/** Counts the tokens of a text. */
export type Estimate = (text: string) => number;

/** The conservative rule for models whose tokenizer we do not have. */
export const charsEstimate: Estimate = (text) => Math.ceil(text.length / 3.5);

/** Model names counted with OpenAI's tokenizer (o200k_base: gpt-4o and later; close for older gpt-4). */
export function usesOpenAiTokenizer(model: string): boolean {
  return /^(gpt-|o[1-9]|chatgpt-)/i.test(model);
}

let openAi: Promise<Estimate> | null = null;

async function loadOpenAi(): Promise<Estimate> {
  const enc = await import("gpt-tokenizer/encoding/o200k_base");
  // The merge cache grows with the text seen; bound it.
  enc.setMergeCacheSize(10_000);
  // User text may contain "<|endoftext|>": count it as text, never throw.
  const opts = { disallowedSpecial: new Set<string>() };
  return (text) => enc.countTokens(text, opts);
}

/** The estimator for `model` (the tokenizer is loaded once, on first use). */
export async function estimatorFor(model: string): Promise<Estimate> {
  if (!usesOpenAiTokenizer(model)) return charsEstimate;
  openAi ??= loadOpenAi().catch((e) => {
    openAi = null;
    throw e;
  });
  return await openAi;
}
