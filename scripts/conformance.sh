#!/usr/bin/env bash
# Conformance of cg-sandbox to spec/*.yaml: builds and starts the sandbox on free ports,
# gets a bearer token, and runs schemathesis against every spec with the host family's
# base URL. Zero failures required; exits non-zero on any failure.
#
# Environment:
#   CONFORMANCE_EXAMPLES  max examples per operation (default 50)
#   CONFORMANCE_SEED      schemathesis seed (default 20240601)
#   CONFORMANCE_SPECS     space-separated spec names to run (default: all of spec/*.yaml)
#   CONFORMANCE_PROFILE   cargo profile of the sandbox binary: dev (default) or release
#   CONFORMANCE_REPORTS   directory for schemathesis HAR reports, one folder per spec (default: none)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

EXAMPLES="${CONFORMANCE_EXAMPLES:-50}"
SEED="${CONFORMANCE_SEED:-20240601}"
PROFILE="${CONFORMANCE_PROFILE:-dev}"
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
VENV="$ROOT/.venv"

log() { printf '[conformance] %s\n' "$*" >&2; }

# 1. The venv with schemathesis.
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import schemathesis' 2>/dev/null; then
    log "installing schemathesis into $VENV"
    "$VENV/bin/pip" install --quiet schemathesis
fi
ST="$VENV/bin/st"

# 2. Build the sandbox.
log "building cg-sandbox ($PROFILE)"
cargo build --quiet -p cg-sandbox --bin cg-sandbox --profile "$PROFILE"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
case "$PROFILE" in
    dev) BIN="$TARGET_DIR/debug/cg-sandbox" ;;
    *) BIN="$TARGET_DIR/$PROFILE/cg-sandbox" ;;
esac

# 3. Start it on free ports (--port 0) and read its URLs.
WORK="$(mktemp -d)"
SANDBOX_PID=""
cleanup() {
    if [[ -n "$SANDBOX_PID" ]] && kill -0 "$SANDBOX_PID" 2>/dev/null; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# The token endpoint's spec example uses these placeholder credentials; registering them
# lets schemathesis reach (and check) the 200 answer too.
"$BIN" --port 0 --seed-demo --client '{{ Client ID }}:{{ Client Secret }}' \
    >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
SANDBOX_PID=$!
for _ in $(seq 1 100); do
    grep -q '^auth ' "$WORK/sandbox.out" 2>/dev/null && break
    if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
        log "the sandbox exited:"; cat "$WORK/sandbox.err" >&2; exit 1
    fi
    sleep 0.1
done
url_of() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/sandbox.out"; }
value_of() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/sandbox.out"; }
API_URL="$(url_of api)"
IMPORTS_URL="$(url_of imports)"
AUTH_URL="$(url_of auth)"
CLIENT_ID="$(value_of client_id)"
CLIENT_SECRET="$(value_of client_secret)"
if [[ -z "$API_URL" || -z "$IMPORTS_URL" || -z "$AUTH_URL" ]]; then
    log "could not read the sandbox URLs:"; cat "$WORK/sandbox.out" >&2; exit 1
fi
log "sandbox: api $API_URL, imports $IMPORTS_URL, auth $AUTH_URL"

# 4. A bearer token.
TOKEN="$("$VENV/bin/python" - "$AUTH_URL" "$CLIENT_ID" "$CLIENT_SECRET" <<'PY'
import json, sys, urllib.parse, urllib.request
url, cid, secret = sys.argv[1:4]
body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}).encode()
req = urllib.request.Request(url + "/oauth2/token", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
print(json.load(urllib.request.urlopen(req, timeout=10))["access_token"])
PY
)"

# 5. schemathesis, one spec at a time.
if [[ -n "${CONFORMANCE_SPECS:-}" ]]; then
    read -r -a SPECS <<<"$CONFORMANCE_SPECS"
else
    SPECS=()
    # common.yaml holds shared definitions only: the module specs that refer to it are run.
    for f in spec/*.yaml; do
        [[ "$(basename "$f")" == common.yaml ]] || SPECS+=("$(basename "$f" .yaml)")
    done
fi

failed=()
passed=()
for name in "${SPECS[@]}"; do
    spec="spec/$name.yaml"
    args=(--no-color run "$spec" --checks "$CHECKS" --max-examples "$EXAMPLES" --seed "$SEED"
          --phases examples,coverage,fuzzing --request-timeout 30)
    if [[ -n "${CONFORMANCE_REPORTS:-}" ]]; then
        args+=(--report har --report-dir "$CONFORMANCE_REPORTS/$name")
    fi
    case "$name" in
        auth) args+=(--url "$AUTH_URL") ;;
        imports) args+=(--url "$IMPORTS_URL" --header "Authorization: Bearer $TOKEN") ;;
        *) args+=(--url "$API_URL" --header "Authorization: Bearer $TOKEN") ;;
    esac
    log "schemathesis: $spec"
    if "$ST" "${args[@]}" >"$WORK/$name.log" 2>&1; then
        passed+=("$name")
        grep -E 'generated, ' "$WORK/$name.log" | sed "s/^/[conformance]   $name: /" >&2 || true
    else
        failed+=("$name")
        cat "$WORK/$name.log" >&2
    fi
done

if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
    log "the sandbox died during the run:"; cat "$WORK/sandbox.err" >&2
    failed+=("sandbox-alive")
fi

echo "conformance: ${#passed[@]} passed, ${#failed[@]} failed"
if ((${#failed[@]} > 0)); then
    log "failed: ${failed[*]}"
    exit 1
fi
