/**
 * A `<textarea>` whose `value` also shows in the server's HTML. Deno's JSX
 * precompile writes `value` of an element as an attribute, which a textarea
 * ignores (its text is its content); `h()` goes through
 * preact-render-to-string, which puts the value inside. In the browser it is
 * the usual controlled textarea.
 */
import { h, type JSX, type Ref } from "preact";

export function TextArea(
  { inputRef, ...props }:
    & JSX.TextareaHTMLAttributes<HTMLTextAreaElement>
    & { inputRef?: Ref<HTMLTextAreaElement> },
) {
  return h("textarea", { ...props, ref: inputRef });
}
