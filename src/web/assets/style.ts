/**
 * The page's one stylesheet, served as /assets/app.css. Kept as a string module so it
 * ships inside dist/ with no build step and no file lookup at run time. Colours meet
 * WCAG AA contrast (4.5:1) for text; state is also given by a symbol and a word.
 */
export const STYLE_CSS = `
:root {
  --fg: #1b1f24; --muted: #4a5560; --bg: #ffffff; --panel: #f5f7f9; --line: #c9d1d9; --link: #0b4f8a;
  --ok-fg: #0b5d26; --ok-bg: #e1f3e6; --warn-fg: #6e4300; --warn-bg: #fff0cc;
  --bad-fg: #9a0b0b; --bad-bg: #fde2e2; --busy-fg: #0b4f8a; --busy-bg: #e0edfa; --mute-fg: #3d4650; --mute-bg: #e8ebee;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--fg); color: #fff; padding: .5em 1em; z-index: 10; }
.skip:focus { left: 0; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .25em 1.5em; padding: .5em 1em; background: #16324f; color: #fff; }
header.top a { color: #fff; }
.brand { margin: 0; font-weight: 700; font-size: 1.15em; }
header nav ul { list-style: none; display: flex; gap: 1em; margin: 0; padding: 0; }
header nav a[aria-current="page"] { text-decoration-thickness: 3px; }
.live { margin: 0 0 0 auto; font-size: .9em; }
.live[data-state="open"]::before { content: "● "; color: #7ee08f; }
.live[data-state="error"]::before { content: "○ "; color: #ffb3b3; }
main { padding: 1em; max-width: 1400px; margin: 0 auto; overflow-wrap: break-word; }
footer { padding: 1em; color: var(--muted); font-size: .85em; border-top: 1px solid var(--line); }
h1 { font-size: 1.5em; margin: .2em 0 .6em; }
h2 { font-size: 1.2em; margin: 1.4em 0 .5em; }
h3 { font-size: 1.05em; margin: 1em 0 .4em; }
section { margin-bottom: 1.5em; }
.muted { color: var(--muted); }
.counts { display: flex; flex-wrap: wrap; gap: .5em; list-style: none; padding: 0; margin: 0 0 1em; }
.badge { display: inline-block; padding: .05em .5em; border-radius: .6em; font-weight: 600; font-size: .9em; white-space: nowrap; border: 1px solid transparent; }
.state-ok { color: var(--ok-fg); background: var(--ok-bg); border-color: #9fd3ad; }
.state-warn { color: var(--warn-fg); background: var(--warn-bg); border-color: #e8c36b; }
.state-bad { color: var(--bad-fg); background: var(--bad-bg); border-color: #eea0a0; }
.state-busy { color: var(--busy-fg); background: var(--busy-bg); border-color: #93bce6; }
.state-muted { color: var(--mute-fg); background: var(--mute-bg); border-color: #c3c9cf; }
.sev-critical { color: var(--bad-fg); font-weight: 700; }
.sev-warning { color: var(--warn-fg); font-weight: 700; }
.sev-info { color: var(--busy-fg); }
.attention { border: 2px solid var(--bad-fg); background: #fff7f7; border-radius: .4em; padding: .5em 1em; }
.attention h2 { margin-top: .3em; }
.attention li { margin: .25em 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 1em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35em .5em; text-align: left; vertical-align: top; }
thead th { background: var(--panel); font-size: .9em; }
tbody th[scope="rowgroup"], tbody th[scope="row"] { font-weight: 600; }
tr.changed td, td.changed { animation: flash 3s ease-out; }
@keyframes flash { from { background: #fff3b0; } to { background: transparent; } }
.reason { overflow-wrap: anywhere; }
.fix { display: block; margin-top: .25rem; overflow-wrap: anywhere; }
.fix code { white-space: normal; }
.rel { color: var(--muted); font-size: .85em; white-space: nowrap; }
.outcome { color: var(--muted); font-size: .85em; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .6em; overflow-x: auto; white-space: pre; }
pre.diff .add { color: var(--ok-fg); background: var(--ok-bg); display: block; }
pre.diff .del { color: var(--bad-fg); background: var(--bad-bg); display: block; }
pre.diff .hunk { color: var(--busy-fg); display: block; }
.chain { border-left: 4px solid var(--line); padding: .2em .8em; margin: .8em 0; }
.chain ol { margin: .2em 0; padding-left: 1.2em; }
.chain .step-kind { font-weight: 600; }
.cause { border: 2px solid var(--line); border-radius: .4em; padding: .2em .8em; margin: .8em 0; }
.cause h3 { margin: .3em 0; }
.routine { list-style: none; margin: .4em 0; }
.routine summary { cursor: pointer; color: #555; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3em 1em; margin: 0 0 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
form.action { background: var(--panel); border: 1px solid var(--line); padding: .7em; border-radius: .4em; margin: .5em 0 1em; max-width: 40em; }
form.action label { display: block; font-weight: 600; margin-bottom: .2em; }
form.action input[type="password"] { width: 100%; max-width: 24em; padding: .45em; font: inherit; border: 1px solid #6b7580; border-radius: .3em; }
form.action button { margin-top: .5em; padding: .5em 1em; font: inherit; font-weight: 600; color: #fff; background: #0b4f8a; border: 0; border-radius: .3em; cursor: pointer; min-height: 44px; }
.hint { color: var(--muted); font-size: .9em; margin: .3em 0 0; }
.notice { padding: .5em 1em; border-radius: .4em; background: var(--ok-bg); color: var(--ok-fg); border: 1px solid #9fd3ad; }
.notice.error { background: var(--bad-bg); color: var(--bad-fg); border-color: #eea0a0; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
figure.timeline { margin: .5em 0 1em; max-width: 100%; }
figure.timeline figcaption { margin-bottom: .4em; }
.tl-frame { display: grid; grid-template-columns: max-content minmax(0, 1fr); column-gap: .5em; }
.tl-lanes { display: grid; grid-template-rows: 31px 16px 16px; font-size: .75em; color: var(--muted); line-height: 1; }
.tl-lanes span { align-self: center; }
svg.tl { display: block; width: 100%; height: 62px; border: 1px solid var(--line); background: var(--panel); }
.tl-axis { grid-column: 2; display: flex; justify-content: space-between; gap: .5em; margin: .2em 0 0; font-size: .8em; color: var(--muted); }
.tl-legend { display: flex; flex-wrap: wrap; gap: .2em 1em; list-style: none; padding: 0; margin: .4em 0 0; font-size: .85em; }
.tl-swatch { vertical-align: -1px; }
.grid-wrap { display: flex; flex-wrap: wrap; gap: 0 1.2em; align-items: flex-start; }
table.grid { width: auto; font-size: .82em; margin: .2em 0 .6em; }
table.grid th, table.grid td { padding: .05em .3em; line-height: 1.25; }
table.grid tbody th { font-weight: 600; max-width: 11em; overflow-wrap: anywhere; }
table.grid a.cell { display: inline-block; min-width: 6.5em; padding: 0 .35em; border-radius: .3em; border: 1px solid transparent; text-decoration: none; white-space: nowrap; }
table.grid a.cell:hover { text-decoration: underline; }
table.grid a.cell.silenced { border: 2px solid var(--bad-fg); }
@media (max-width: 700px) {
  main { padding: .6em; }
  table.stack thead { position: absolute; left: -9999px; }
  table.stack, table.stack tbody, table.stack tr, table.stack td, table.stack th { display: block; width: 100%; }
  table.stack caption { display: block; }
  table.stack tr { border-bottom: 2px solid var(--line); padding: .3em 0; }
  table.stack td, table.stack th { border: 0; padding: .15em .3em; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
  dl.facts { grid-template-columns: 1fr; }
}
`;
