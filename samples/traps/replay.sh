#!/usr/bin/env bash
# Replay the trap scenarios in this folder to an SNMP receiver (acesync) with Debian's
# net-snmp tools (package `snmp`).
#
#   samples/traps/replay.sh HOST PORT [SCENARIO.traps ...]
#
# Without scenario files, every *.traps file here is sent. Environment:
#   COMMUNITY   v1/v2c community (default: public)
#   DELAY       seconds between two notifications (default: 0.05)
#   TIMEOUT     seconds one snmptrap/snmpinform may take (default: 5)
#
# Scenario lines: `[@SOURCE] VERSION ARGS...`, VERSION v1 | v2c | inform, ARGS as snmptrap
# takes them after the target (quotes as in a shell). `@SOURCE` sends from that local
# address (snmptrap --clientaddr): only for addresses of this machine, e.g. 127.0.0.2 to
# play the second ACE of a pair against a local acesync. Lines starting with # are comments.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
host=$1
port=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
if [[ $# -eq 0 ]]; then
  set -- "$here"/*.traps
fi

community=${COMMUNITY:-public}
delay=${DELAY:-0.05}
limit=${TIMEOUT:-5}
target="udp:${host}:${port}"
# Keep the tools away from the machine's SNMP configuration and persistent state.
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
export SNMP_PERSISTENT_DIR=$state SNMPCONFPATH=$state MIBS=

sent=0
failed=0
for file in "$@"; do
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
    client=()
    if [[ $line == @* ]]; then
      source=${line%% *}
      client=("--clientaddr=${source#@}")
      line=${line#* }
    fi
    version=${line%% *}
    args=${line#* }
    case $version in
      v1) tool=(snmptrap -v 1 -c "$community") ;;
      v2c) tool=(snmptrap -v 2c -c "$community") ;;
      inform) tool=(snmpinform -v 2c -c "$community" -r 1 -t 2) ;;
      *)
        echo "replay: $file: unknown version '$version' in: $line" >&2
        failed=$((failed + 1))
        continue
        ;;
    esac
    # xargs splits ARGS the way a shell would (single and double quotes), without eval.
    if printf '%s\n' "$args" | xargs timeout "$limit" "${tool[@]}" -Ln "${client[@]}" "$target"; then
      sent=$((sent + 1))
    else
      echo "replay: $file: failed: $line" >&2
      failed=$((failed + 1))
    fi
    sleep "$delay"
  done <"$file"
done
echo "replay: sent $sent notification(s) to $target, $failed failed" >&2
[[ $failed -eq 0 ]]
