import { html, type Html } from './html.js';
import { page } from './layout.js';

/** An error as a page: the status, the stable code and the (escaped, bounded) message. */
export function errorPage(status: number, err: { code: string; message: string }): Html {
  const title =
    status === 404
      ? 'Not found'
      : status === 401 || status === 403
        ? 'Not allowed'
        : status >= 500
          ? 'Something went wrong'
          : 'Bad request';
  return page({
    title,
    body: html`<h1>${title}</h1>
<p class="notice error" role="alert"><strong>${err.code}</strong>: ${err.message}</p>
<p><a href="/">Back to the overview</a></p>`,
  });
}
