/** Write docs/errors.md from the error catalogue (`npm run docs:errors`). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorsDoc } from '../src/core/errors-doc.js';
import { ERRORS } from '../src/core/errors.js';
import { SSH_FAILURES } from '../src/devices/ssh-error.js';

export const ERRORS_DOC = fileURLToPath(new URL('../docs/errors.md', import.meta.url));

export const errorsDoc = (): string => renderErrorsDoc(ERRORS, SSH_FAILURES);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ERRORS_DOC, errorsDoc());
  console.log(`wrote ${ERRORS_DOC}`);
}
