#!/bin/sh
# `npm install` / `npm ci` in a checkout: build dist/ (so `npm install && npm start` works).
# Without the dev dependencies (npm ci --omit=dev) there is no TypeScript: say so and go on;
# a server installs the packed tarball instead, whose dist/ was built at `prepack`.
# `npm pack` runs prepack (a clean build) and then prepare: build once.
[ "${npm_command:-}" = pack ] && exit 0
if [ -x node_modules/.bin/tsc ]; then
  exec npm run build
fi
echo "acesync: TypeScript is not installed (dev dependencies omitted): dist/ is not built here" >&2
exit 0
