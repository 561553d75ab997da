/**
 * Model output as HTML, safely. What a model writes is untrusted (a prompt
 * injection in a camera's name or a web page can make it write anything), so:
 *
 * - micromark (CommonMark, the unified collective's parser) with raw HTML
 *   off: `<script>`, `<img onerror=…>` and every other tag come out as text;
 * - its URL sanitizer on: link and image URLs keep only safe protocols
 *   (`http`, `https`, `mailto`, … for links; `http(s)` for images), so
 *   `[x](javascript:alert(1))` has an empty `href`;
 * - images only from this dashboard's own media paths (a snapshot, a file of
 *   the agents' file area): any other image becomes a link, so a model cannot
 *   make the browser fetch a URL that carries data out (an image loads by
 *   itself, a link only when clicked);
 * - links to other sites open in a new tab with `rel="noopener noreferrer
 *   nofollow"`.
 *
 * GFM tables, strikethrough and bare URLs are on; task lists and footnotes
 * are off (they add unlabelled checkboxes and ids that repeat per message).
 */
import { micromark } from "micromark";
import {
  gfmAutolinkLiteral,
  gfmAutolinkLiteralHtml,
} from "micromark-extension-gfm-autolink-literal";
import {
  gfmStrikethrough,
  gfmStrikethroughHtml,
} from "micromark-extension-gfm-strikethrough";
import { gfmTable, gfmTableHtml } from "micromark-extension-gfm-table";

const OPTIONS = {
  allowDangerousHtml: false,
  allowDangerousProtocol: false,
  extensions: [
    gfmAutolinkLiteral(),
    gfmStrikethrough({ singleTilde: false }),
    gfmTable(),
  ],
  htmlExtensions: [
    gfmAutolinkLiteralHtml(),
    gfmStrikethroughHtml(),
    gfmTableHtml(),
  ],
};

/** Same-origin paths an image may load from: what the tools produce. */
const IMAGE_PATHS = [
  /^\/api\/files\/read\//,
  /^\/api\/cameras\/[\w-]+\/snapshot(\?|$)/,
];

/** Whether `src` (as micromark wrote it, attribute-escaped) is one of this dashboard's media paths. */
export function isOwnMedia(src: string): boolean {
  return !src.startsWith("//") && IMAGE_PATHS.some((re) => re.test(src));
}

/**
 * Markdown → HTML for `dangerouslySetInnerHTML`. micromark escapes every
 * attribute value it writes, so its `<img …>` and `<a href=…>` tags can be
 * recognised reliably in its output (text that looks like a tag is `&lt;…`).
 */
export function renderMarkdown(text: string): string {
  return micromark(text, OPTIONS)
    .replace(
      /<img src="([^"]*)" alt="([^"]*)"(?: title="([^"]*)")? \/>/g,
      (tag, src: string, alt: string, title?: string) => {
        if (isOwnMedia(src)) {
          return tag.replace("<img ", '<img loading="lazy" ');
        }
        const label = alt || title || src || "image";
        return src
          ? `<a rel="noopener noreferrer nofollow" target="_blank" href="${src}">${label}</a>`
          : label;
      },
    )
    // A link whose URL the sanitizer dropped is no link at all.
    .replaceAll('<a href="">', "<a>")
    .replace(
      /<a href="(https?:[^"]*|mailto:[^"]*|\/\/[^"]*)"/g,
      '<a rel="noopener noreferrer nofollow" target="_blank" href="$1"',
    );
}
