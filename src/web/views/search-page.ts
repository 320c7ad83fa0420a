/** Search across the newest stored configuration of every context (plain text, case-insensitive). */
import { MAX_SEARCH_CONTEXTS, MAX_SEARCH_QUERY, type SearchHit } from '../../store/queries/version-history.js';
import { html, text, type Html } from './html.js';
import { contextHref, page, timeCell } from './layout.js';

export function searchPage(
  q: string,
  result: { hits: SearchHit[]; truncated: boolean } | undefined,
  now: number,
): Html {
  const form = html`<form class="action" method="get" action="/search" role="search">
    <p>
      <label for="search-q">Text to find in the newest configuration of every context</label>
      <input id="search-q" name="q" type="search" maxlength="${MAX_SEARCH_QUERY}" value="${q}" required />
    </p>
    <button type="submit">Search</button>
  </form>`;
  let body: Html = html``;
  if (result) {
    body =
      result.hits.length === 0
        ? html`<p>No context's newest configuration contains <code>${text(q, MAX_SEARCH_QUERY)}</code>.</p>`
        : html`<p>
              ${result.hits.length}${result.truncated ? '+' : ''} context${result.hits.length === 1 ? '' : 's'}
              ${result.truncated ? html`(the first ${MAX_SEARCH_CONTEXTS} shown; narrow the search)` : ''}
            </p>
            <ul class="search-hits">
              ${result.hits.map(
                (h) =>
                  html`<li>
                    <a href="${contextHref(h.device, h.context)}">${text(h.context, 64)}</a> on ${text(h.device, 64)} —
                    <code>${h.hash.slice(0, 12)}</code>, seen ${timeCell(h.lastSeen, now)}, ${h.matches}
                    line${h.matches === 1 ? '' : 's'}
                    <pre class="config">
${h.lines.map((l) => html`${String(l.n).padStart(5)} ${text(l.text, 300)} `)}</pre>
                  </li>`,
              )}
            </ul>`;
  }
  return page({
    title: 'Search',
    current: 'search',
    body: html`<h1>Search configurations</h1>
      ${form}${body}`,
  });
}
