/**
 * Renders a page to a complete HTML document. The only scripts are external
 * modules (`src=`) and island props (`type="application/json"`): no inline
 * JavaScript, so a strict Content-Security-Policy can forbid it.
 */
import { h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { RenderContext, type RenderState } from "./island.tsx";
import type { IslandAssets } from "./types.ts";

export interface RenderPageOptions {
  /** Document title. */
  title: string;
  assets: IslandAssets;
  /** Islands whose scripts load even if the page did not render them. Rendered islands are found on their own. */
  islandsUsed?: Iterable<string>;
  /** The session's CSRF token, published in `<meta name="csrf-token">` for islands. */
  csrf?: string | null;
}

/** Renders `page` inside a document with the stylesheet and the scripts of the islands it used. */
export function renderPage(page: VNode, opts: RenderPageOptions): string {
  const { assets } = opts;
  const state: RenderState = { assets, used: new Set(opts.islandsUsed ?? []) };
  const body = renderToString(
    h(RenderContext.Provider, { value: state }, page),
  );

  const scripts = state.used.size === 0 ? [] : [
    assets.bootUrl,
    ...[...state.used].sort().map((name) => assets.islandUrl(name)),
  ];
  const preloads = new Set(scripts.flatMap((url) => assets.preloads(url)));
  for (const url of scripts) preloads.delete(url);

  return "<!doctype html>" +
    '<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark">' +
    `<title>${escapeHtml(opts.title)}</title>` +
    (opts.csrf
      ? `<meta name="csrf-token" content="${escapeHtml(opts.csrf)}">`
      : "") +
    `<style>${CSS}</style>` +
    [...preloads].map((url) =>
      `<link rel="modulepreload" href="${escapeHtml(url)}">`
    ).join("") +
    scripts.map((url) =>
      `<script type="module" src="${escapeHtml(url)}"></script>`
    ).join("") +
    `</head><body>${body}</body></html>`;
}

export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  )
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

// Compact on purpose; classes only (no style attributes) so a later CSP can hash this one block.
export const CSS = `
:root{color-scheme:light dark;--bg:#f4f5f7;--fg:#15171c;--mut:#5a6170;--card:#fff;--bd:#d6dae1;--acc:#1d4ed8;--on-acc:#fff;--ok:#137333;--warn:#a15c00;--err:#b3261e;--off:#5f6368}
@media (prefers-color-scheme:dark){:root{--bg:#0e1014;--fg:#e5e7eb;--mut:#9aa3b2;--card:#171a20;--bd:#2b3039;--acc:#7aa7ff;--on-acc:#0b1020;--ok:#5fd47f;--warn:#f2b64a;--err:#ff8a80;--off:#a0a6b0}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--acc)}
fe-island{display:contents}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;z-index:9;background:var(--card);padding:.3rem .6rem}
.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between;padding:.7rem 1rem;background:var(--card);border-bottom:1px solid var(--bd)}
.brand{margin:0;font-size:1.2rem}.brand a{color:inherit;text-decoration:none}
.counts{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;list-style:none;color:var(--mut)}.counts b{color:var(--fg)}
main{max-width:1400px;margin:0 auto;padding:1rem;display:grid;gap:1.5rem}main>*,main>fe-island>*{min-width:0}
h2{margin:0 0 .6rem;font-size:1.05rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));margin:0;padding:0;list-style:none}
.tile{background:var(--card);border:1px solid var(--bd);border-radius:8px;overflow:hidden;display:flex;flex-direction:column}
.view{position:relative;aspect-ratio:4/3;background:#000}
.view img{display:block;width:100%;height:100%;object-fit:contain}.view img.gone{visibility:hidden}
.over{position:absolute;inset:0;display:grid;place-content:center;gap:.3rem;padding:1rem;text-align:center;background:rgba(0,0,0,.72);color:#fff;overflow-wrap:anywhere}
.over small{opacity:.8}.over.dim{background:none;color:#c8ccd4}
.meta{padding:.6rem .75rem;display:grid;gap:.2rem}
.meta h3{margin:0;font-size:1rem;display:flex;justify-content:space-between;align-items:center;gap:.5rem}
.meta p{margin:0;color:var(--mut);font-size:.85rem}
.acts{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;padding:0 .75rem .7rem;margin-top:auto}
.badge{display:inline-flex;align-items:center;gap:.35em;padding:.05em .55em;border:1px solid currentColor;border-radius:999px;font-size:.75rem;font-weight:600;white-space:nowrap}
.badge::before{content:"";width:.55em;height:.55em;border-radius:50%;background:currentColor}
.s-online{color:var(--ok)}.s-pending{color:var(--warn)}.s-error{color:var(--err)}.s-offline{color:var(--off)}
button{font:inherit;padding:.35em .9em;border:1px solid var(--bd);border-radius:6px;background:var(--card);color:inherit;cursor:pointer}
button.primary{background:var(--acc);border-color:var(--acc);color:var(--on-acc)}
button.danger{color:var(--err);border-color:currentColor}
button:disabled{opacity:.6;cursor:progress}
.add{display:grid;gap:.8rem;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));padding:1rem;background:var(--card);border:1px solid var(--bd);border-radius:8px}
.field{display:grid;gap:.25rem;align-content:start}.field label{font-size:.85rem;font-weight:600}
.full{grid-column:1/-1}
input,select{font:inherit;padding:.4em .55em;border:1px solid var(--bd);border-radius:6px;background:var(--bg);color:inherit;min-width:0}
[aria-invalid=true]{border-color:var(--err)}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:.75rem}
.err{margin:0;color:var(--err);font-size:.85rem}.ok{margin:0;color:var(--ok)}
.empty{margin:0;padding:2rem;text-align:center;color:var(--mut);border:1px dashed var(--bd);border-radius:8px}
:focus-visible{outline:2px solid var(--acc);outline-offset:2px}
.nav ul{display:flex;flex-wrap:wrap;gap:.25rem;margin:0;padding:0;list-style:none}
.nav a{display:block;padding:.3rem .65rem;border-radius:6px;color:var(--fg);text-decoration:none}.nav a:hover{background:var(--bg)}
.nav a[aria-current=page]{background:var(--acc);color:var(--on-acc)}
.mut{color:var(--mut)}.hint{margin:0;color:var(--mut);font-size:.85rem}.warn{color:var(--warn);font-weight:600}
.stack>*+*:not(:empty){margin-top:.75rem}.grow{flex:1}.mono{font-family:ui-monospace,monospace}.nowrap{white-space:nowrap}.wrap{overflow-wrap:anywhere;min-width:12ch}
.scroll{overflow-x:auto;background:var(--card);border:1px solid var(--bd);border-radius:8px}
.tbl{width:100%;border-collapse:collapse;font-size:.9rem}
.tbl th,.tbl td{padding:.45rem .65rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--bd)}
.tbl thead th{color:var(--mut);white-space:nowrap}.tbl tbody tr:last-child>*{border-bottom:0}
.tbl tr.gone{color:var(--mut)}.tbl tr.sub>td{background:var(--bg)}.tbl code{font-size:.85em;overflow-wrap:anywhere}
.acts-inline{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem}
.usb-devices{margin:0;padding:0;list-style:none}.usb-devices li{margin:0 0 .3rem}.usb-devices .hint{display:block;margin:0}
.panel{display:grid;gap:.8rem;grid-template-columns:repeat(auto-fill,minmax(230px,1fr))}
.checks{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;margin:0;padding:.5rem .75rem;border:1px solid var(--bd);border-radius:6px}
.checks legend{font-size:.85rem;font-weight:600;padding:0 .3rem}.check{display:inline-flex;align-items:center;gap:.35rem}
.add.one{grid-template-columns:minmax(0,28rem)}
.secret{display:grid;gap:.6rem;padding:1rem;background:var(--card);border:2px solid var(--warn);border-radius:8px}.secret p{margin:0}.secret>button{justify-self:start}input[readonly]{background:var(--card)}
.code{margin:0;padding:.6rem .75rem;background:var(--bg);border:1px solid var(--bd);border-radius:6px;overflow-x:auto;font-size:.85rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.grid.c1{grid-template-columns:minmax(0,1fr)}.grid.c2{grid-template-columns:repeat(2,minmax(0,1fr))}.grid.c3{grid-template-columns:repeat(3,minmax(0,1fr))}.grid.c4{grid-template-columns:repeat(4,minmax(0,1fr))}
@media (max-width:700px){.grid.c3,.grid.c4{grid-template-columns:repeat(2,minmax(0,1fr))}}
.seg{display:inline-flex}.seg button{border-radius:0}.seg button+button{margin-left:-1px}.seg button:first-child{border-radius:6px 0 0 6px}.seg button:last-child{border-radius:0 6px 6px 0}
.seg button[aria-pressed=true]{background:var(--acc);border-color:var(--acc);color:var(--on-acc)}.seg button:focus-visible{position:relative;z-index:1}
.view .fs{position:absolute;top:.45rem;right:.45rem;z-index:2;padding:.15em .6em;font-size:.8rem;background:rgba(0,0,0,.62);color:#fff;border-color:rgba(255,255,255,.45)}.view .fs:focus-visible{outline:2px solid #fff;outline-offset:1px}
.fs-name{display:none}.view:fullscreen .fs-name,.view.max .fs-name{display:block;position:absolute;top:.45rem;left:.6rem;z-index:2;padding:.1em .5em;border-radius:4px;background:rgba(0,0,0,.62);color:#fff}
.view:fullscreen{aspect-ratio:auto;width:100%;height:100%}.view.max{position:fixed;inset:0;z-index:50;aspect-ratio:auto}
.meta h3 a{color:inherit}
.user-menu{display:flex;align-items:center;gap:.5rem;margin-left:auto}.top .counts{order:1}
.narrow{width:100%;max-width:28rem}.signin{display:grid;gap:.9rem;padding:1rem;background:var(--card);border:1px solid var(--bd);border-radius:8px}.signin>button{justify-self:start}
.field-error,.form-error{margin:0;color:var(--err);font-size:.85rem}
a.button{display:inline-block;padding:.35em .9em;border:1px solid var(--bd);border-radius:6px;background:var(--card);color:inherit;text-decoration:none}
.detail{display:grid;gap:1rem;grid-template-columns:minmax(0,2fr) minmax(15rem,1fr);align-items:start}.detail>.head{grid-column:1/-1}
@media (max-width:800px){.detail{grid-template-columns:minmax(0,1fr)}}
.head{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem .75rem;margin:0}.head>h2{margin:0}
.view.big{border-radius:8px;overflow:hidden}
.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.3rem 1rem;margin:0;font-size:.9rem}.facts dt{color:var(--mut);font-weight:600}.facts dd{margin:0;overflow-wrap:anywhere}
.nodes{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,26rem),1fr));margin:0;padding:0;list-style:none}
.card{display:grid;gap:.8rem;align-content:start;padding:.8rem 1rem;background:var(--card);border:1px solid var(--bd);border-radius:8px}.card>h3{font-size:1.05rem}
.lead{margin-bottom:.9rem}.part{display:grid;gap:.4rem}.part>h4,.part>.bar>h4{margin:0;font-size:.85rem;color:var(--mut)}
.loads{display:flex;flex-wrap:wrap;gap:.75rem 1.5rem}.spark{display:grid;gap:.2rem;font-size:.85rem}.spark svg{display:block;overflow:visible}.spark small{font-size:.75rem}
.spark path{fill:none;stroke:var(--acc);stroke-width:1.5;stroke-linejoin:round}.spark-bg{fill:var(--bg);stroke:var(--bd);stroke-width:1}
.disk{display:grid;gap:.3rem;margin:0}.disk-bar{display:block;width:100%;height:14px}.disk-free{fill:var(--bd)}.disk-used{fill:var(--acc)}.disk-used.disk-full{fill:var(--err)}.disk figcaption{font-size:.85rem;color:var(--mut)}
.badges{display:inline-flex;flex-wrap:wrap;gap:.35rem;align-items:center}.s-rec{color:var(--err)}.s-rec::before{animation:rec 1.6s ease-in-out infinite}@keyframes rec{50%{opacity:.2}}@media (prefers-reduced-motion:reduce){.s-rec::before{animation:none}}
.recctl{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem .6rem}.recctl p{flex-basis:100%}.acts>.recctl{display:contents}.acts>.recctl>span,.acts>.recctl>p{flex-basis:100%}.rec-on{color:var(--err);font-weight:600}
button.rec::before,button.stop::before{content:"";display:inline-block;width:.65em;height:.65em;margin-right:.45em;border-radius:50%;background:var(--err)}button.stop::before{border-radius:1px;background:currentColor}
.tl-fig{margin:0;display:grid;gap:.25rem}.tl-bar{display:block;width:100%;height:44px;cursor:pointer}.tl-bg{fill:var(--card);stroke:var(--bd);vector-effect:non-scaling-stroke}
.tl-tick{stroke:var(--bd);stroke-width:1;vector-effect:non-scaling-stroke}.tl-tick.major{stroke:var(--mut)}.tl-span{fill:var(--acc)}.tl-span:hover{fill:var(--ok)}.tl-live{fill:var(--err);opacity:.55}.tl-now{stroke:var(--warn);stroke-width:2;vector-effect:non-scaling-stroke}
.tl-axis{display:grid;grid-template-columns:repeat(8,minmax(0,1fr));font-size:.75rem;color:var(--mut)}.tl-axis.n6{grid-template-columns:repeat(6,minmax(0,1fr))}.tl-list{margin:0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:.35rem 1.2rem;font-size:.9rem}
.player{display:grid;gap:.4rem;max-width:800px}.player video{display:block;width:100%;max-height:60vh;background:#000;border-radius:8px}.player p{margin:0}
.r-recording,.r-failed{color:var(--err)}.r-completed{color:var(--ok)}.r-interrupted{color:var(--warn)}.r-expired{color:var(--off)}
button.keep[aria-pressed=true]{background:var(--acc);border-color:var(--acc);color:var(--on-acc)}
span.button{display:inline-block;padding:.35em .9em;border:1px solid var(--bd);border-radius:6px;opacity:.5}
.st-rec{fill:var(--acc)}.st-other{fill:var(--mut)}.st-bar{display:block;width:8rem;height:10px}.st-cell{width:9rem}
.key::before{content:"";display:inline-block;width:.7em;height:.7em;margin-right:.3em;border-radius:2px;background:var(--bd);vertical-align:-.05em}.st-rec-key::before{background:var(--acc)}.st-other-key::before{background:var(--mut)}
.onvif-finder{display:grid;gap:.8rem;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));margin:0;padding:.6rem .8rem;border:1px solid var(--bd);border-radius:6px}.onvif-finder legend{font-size:.85rem;font-weight:600;padding:0 .3rem}.choice{display:flex;gap:.4rem;align-items:center;padding:.15rem 0}
.ptz{display:grid;gap:.5rem}.ptz-pad{display:grid;grid-template-columns:repeat(3,2.6rem);grid-template-areas:". up zin" "left . right" ". down zout";gap:.3rem}.ptz-pad button{padding:.3em 0;touch-action:none}.ptz-up{grid-area:up}.ptz-down{grid-area:down}.ptz-left{grid-area:left}.ptz-right{grid-area:right}.ptz-zoom_in{grid-area:zin}.ptz-zoom_out{grid-area:zout}
textarea{font:inherit;padding:.4em .55em;border:1px solid var(--bd);border-radius:6px;background:var(--bg);color:inherit;min-width:0;width:100%;resize:vertical}
.agents{display:grid;gap:1rem;margin:0;padding:0;list-style:none}.agent{display:grid;gap:.6rem}.agent .head h3{margin:0;font-size:1.05rem;display:flex;gap:.4rem}.agent pre{max-height:12rem;white-space:pre-wrap}.lbl{font-size:.85rem;font-weight:600}
.tools{margin:0;padding:.5rem .75rem;border:1px solid var(--bd);border-radius:6px;display:grid;gap:.6rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,18rem),1fr))}.tools legend{font-size:.85rem;font-weight:600;padding:0 .3rem}.tool-group h4{margin:0 0 .3rem;font-size:.8rem;text-transform:uppercase;color:var(--mut)}.tool-group ul{margin:0;padding:0;list-style:none;display:grid;gap:.45rem}.tool-group li{display:grid;grid-template-columns:auto 1fr;gap:0 .4rem;align-items:start}.tool-group li .hint{grid-column:2}.tool-group label{display:inline-flex;flex-wrap:wrap;gap:.4rem}
.chat{display:grid;gap:1rem;grid-template-columns:minmax(12rem,16rem) minmax(0,1fr);align-items:start}@media (max-width:800px){.chat{grid-template-columns:minmax(0,1fr)}}
.sessions{display:grid;gap:.5rem;padding:.75rem;background:var(--card);border:1px solid var(--bd);border-radius:8px}.sessions h2{margin:0}.sessions ul{margin:0;padding:0;list-style:none;display:grid;gap:.3rem;max-height:60vh;overflow-y:auto}
button.session{width:100%;display:grid;text-align:left;gap:.1rem;border-color:transparent;overflow-wrap:anywhere}button.session[aria-current=true]{border-color:var(--acc);background:var(--bg)}
.convo{display:grid;gap:.75rem;min-width:0}.convo>.head{justify-content:flex-start}.convo>.head a{margin-left:auto}
.msgs{margin:0;padding:0;list-style:none;display:grid;gap:.75rem}.msg{padding:.6rem .8rem;background:var(--card);border:1px solid var(--bd);border-radius:8px;min-width:0;overflow-wrap:anywhere}
.msg.user{border-color:var(--acc);margin-left:min(10%,4rem)}.msg.bot,.msg.turn,.msg.tool-media{margin-right:min(10%,4rem)}.msg.note{background:none;border-style:dashed;color:var(--mut)}.msg.note p{margin:0}
.who{margin:0 0 .3rem;font-size:.8rem;font-weight:600;color:var(--mut);display:flex;flex-wrap:wrap;gap:.5rem}.who time{font-weight:400}.plain{margin:0;white-space:pre-wrap}
.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}.md pre{padding:.5rem;background:var(--bg);border-radius:6px;overflow-x:auto}.md table{border-collapse:collapse}.md th,.md td{padding:.25rem .5rem;border:1px solid var(--bd)}.md img{max-width:100%;border-radius:6px}
.streaming::after{content:"▍";animation:rec 1s steps(2) infinite}@media (prefers-reduced-motion:reduce){.streaming::after{animation:none}}
.trace{margin:0 0 .4rem;padding:0;list-style:none;display:grid;gap:.25rem;font-size:.85rem}.trace li{display:flex;flex-wrap:wrap;gap:.2rem .5rem;padding:.25rem .5rem;border-left:3px solid var(--acc);background:var(--bg);border-radius:0 4px 4px 0}.trace li.t-err{border-left-color:var(--err)}.trace .args{color:var(--mut);overflow-wrap:anywhere}
.turn-err{padding:.5rem .7rem;border:1px solid var(--err);border-radius:6px;color:var(--err)}.turn-err p{margin:0}.tokens{margin:.3rem 0 0;font-size:.75rem;color:var(--mut)}
.media{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.4rem}.media figure{margin:0;max-width:min(100%,24rem)}.media img,.media video{display:block;max-width:100%;border-radius:6px;background:#000}.media figcaption{font-size:.8rem;color:var(--mut)}
.composer{display:grid;gap:.4rem;padding:.75rem;background:var(--card);border:1px solid var(--bd);border-radius:8px}.composer label{font-size:.85rem;font-weight:600}
.choose{margin:0;padding:0;list-style:none;display:grid;gap:.5rem}.choose li{display:flex;gap:.6rem;align-items:center}.check-result{overflow-wrap:anywhere}
h4.mono{overflow-wrap:anywhere}
/* Phones and touch screens: 40 px touch targets. Last, so it wins over the rules above. */
@media (max-width:700px),(pointer:coarse){button,a.button,span.button,select,input:not([type=checkbox]):not([type=radio]){min-height:40px}button,a.button{min-width:40px}a.button,span.button{display:inline-flex;align-items:center}.nav a{display:flex;align-items:center;min-height:40px}main{padding:.75rem}}
`.trim().replaceAll("\n", "");

/** CSP source expression (`sha256-…`) of the dashboard's one inline style block. */
export async function styleHash(): Promise<string> {
  const d = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(CSS),
  );
  return `sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}`;
}
