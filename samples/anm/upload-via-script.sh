#!/usr/bin/env bash
# Example upload script for acesync's `command` strategy (see samples/anm/README.md).
#
# acesync runs it with no shell, the job as one JSON line on stdin, and these variables:
#   ACESYNC_DEVICE ACESYNC_CONTEXT ACESYNC_ADDRESS [ACESYNC_PEER] [ACESYNC_JOB_ID]
#   ANM_URL ANM_USERNAME, and ANM_PASSWORD when `pass_anm_password: true`
#   plus whatever `pass_env` lists (this script reads ANM_CA_FILE and ANM_INSECURE).
#
# It logs in to ANM's web GUI with a form (cookie kept in a private temp file), then
# posts the "CLI > ANM Sync" request for the context. The paths and field names below
# are those of acesync's ANM simulator: replace them with the request you captured from
# your ANM (README: "Capturing ANM's real sync request").
#
# Exit codes acesync understands:
#   0   success
#   75  temporary failure (EX_TEMPFAIL): ANM unreachable, 5xx, timeout -> retried later
#   1   final failure: login refused, 4xx -> the job fails and an alert is raised
set -u -o pipefail

: "${ANM_URL:?ANM_URL is not set}" "${ANM_USERNAME:?}" "${ANM_PASSWORD:?set pass_anm_password: true}"
: "${ACESYNC_DEVICE:?}" "${ACESYNC_CONTEXT:?}" "${ACESYNC_ADDRESS:?}"

LOGIN_PATH=/anm/j_security_check
SYNC_PATH=/anm/virtualContext/syncCliToAnm.do
SUCCESS_RE='"result"[[:space:]]*:[[:space:]]*"success"'

tmp=$(mktemp -d) || exit 75
trap 'rm -rf "$tmp"' EXIT
# The job as JSON, e.g. for `jq -r .context "$tmp/job.json"`; this script uses the
# ACESYNC_* variables, which carry the same fields, so it needs no jq.
head -c 65536 > "$tmp/job.json"
jar="$tmp/cookies"
curl_opts=(--silent --show-error --max-time "${ANM_CURL_TIMEOUT:-60}" --cookie-jar "$jar" --cookie "$jar")
if [ -n "${ANM_CA_FILE:-}" ]; then curl_opts+=(--cacert "$ANM_CA_FILE"); fi
if [ "${ANM_INSECURE:-0}" = 1 ]; then curl_opts+=(--insecure); fi

# 1. Form login. The password goes to curl on stdin (`@-`), never on its command line,
#    where any local user could read it with ps.
out=$(printf '%s' "$ANM_PASSWORD" | curl "${curl_opts[@]}" -o "$tmp/login.body" -w '%{http_code} %{redirect_url}' \
  --data-urlencode "j_username=${ANM_USERNAME}" --data-urlencode "j_password@-" "${ANM_URL}${LOGIN_PATH}")
rc=$?
if [ $rc -ne 0 ]; then echo "cannot reach ANM at ${ANM_URL} (curl exit $rc)" >&2; exit 75; fi
status=${out%% *}
location=${out#* }
if [ "$status" -ge 500 ]; then echo "ANM login: HTTP $status" >&2; exit 75; fi
case "$location" in
  *login*) echo "ANM refused the login of ${ANM_USERNAME}" >&2; exit 1 ;;
esac
if [ "$status" -ge 400 ]; then echo "ANM login: HTTP $status" >&2; exit 1; fi

# 2. The sync request for this context.
status=$(curl "${curl_opts[@]}" -o "$tmp/sync.body" -w '%{http_code}' \
  --data-urlencode "deviceName=${ACESYNC_DEVICE}" \
  --data-urlencode "deviceIp=${ACESYNC_ADDRESS}" \
  --data-urlencode "contextName=${ACESYNC_CONTEXT}" \
  --data-urlencode "direction=CLI_TO_ANM" \
  "${ANM_URL}${SYNC_PATH}")
rc=$?
if [ $rc -ne 0 ]; then echo "sync request failed (curl exit $rc)" >&2; exit 75; fi
body=$(head -c 2000 "$tmp/sync.body")
if [ "$status" -ge 500 ]; then echo "ANM sync: HTTP $status: $body" >&2; exit 75; fi
if [ "$status" -ge 400 ]; then echo "ANM sync: HTTP $status: $body" >&2; exit 1; fi
if [ "$status" = 200 ] && printf '%s' "$body" | grep -Eq "$SUCCESS_RE"; then
  echo "synced ${ACESYNC_DEVICE}/${ACESYNC_CONTEXT} (job ${ACESYNC_JOB_ID:-?})"
  exit 0
fi
# ANM answered but did not confirm (e.g. it could not reach the ACE): try again later.
echo "ANM did not confirm the sync (HTTP $status): $body" >&2
exit 75
