#!/usr/bin/env bash
# The end-to-end command-line demo (`make demo`): a password-reset token is created, validated,
# revoked in a SQLite store, refused, and a second one is consumed exactly once. Prints a few
# lines (never the secret, never a whole token) and exits non-zero if any step goes wrong.
#
# Usage: examples/demo.sh [PATH_TO_JWTSERVICE]   (default: build/dev/jwtservice)
set -euo pipefail

cli="${1:-build/dev/jwtservice}"
if [[ ! -x "$cli" ]]; then
  echo "demo.sh: no jwtservice tool at '$cli' (build it first, or pass its path)" >&2
  exit 2
fi

# The demo configures the tool itself: settings from the caller's shell must not change it.
for var in $(compgen -e); do
  if [[ "$var" == JWTSERVICE_* ]]; then unset "$var"; fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/jwtservice-demo.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
store="sqlite:$tmp/revocations.db"

fail() {
  echo "demo.sh: FAILED: $*" >&2
  exit 1
}

# field NAME JSON: the value of a top-level member of the tool's one-line JSON output
# (strings without their quotes). Enough for the flat objects printed here; use jq for more.
field() {
  sed -n 's/.*"'"$1"'":\("[^"]*"\|[^,}]*\).*/\1/p' <<<"$2" | tr -d '"'
}

# run EXPECTED_EXIT CMD...: runs the tool, keeps its stdout in $out, and checks its exit code
# (0 valid / 1 invalid token or not revoked / 2 usage, configuration or store error) without
# tripping set -e.
run() {
  local expected="$1"
  shift
  local rc=0
  out="$("$cli" "$@")" || rc=$?
  [[ "$rc" == "$expected" ]] || fail "jwtservice $1 exited $rc, expected $expected"
}

echo "jwtservice command-line demo ($("$cli" --version))"

SECRET_KEY="$("$cli" keygen)"
export SECRET_KEY
echo "keygen    a fresh random 32-byte secret in \$SECRET_KEY (not shown)"

run 0 create --sub ana@example.com --action RESET_PASSWORD --expires-in 900
token="$out"
echo "create    RESET_PASSWORD token for ana@example.com: ${token:0:20}..."

run 0 validate "$token"
expires_in="$(field expires_in "$out")"
[[ "$(field valid "$out")" == true && "$(field sub "$out")" == ana@example.com &&
  "$(field action "$out")" == RESET_PASSWORD && "$expires_in" -gt 0 && "$expires_in" -le 900 ]] ||
  fail "validate: unexpected $out"
echo "validate  valid=true sub=ana@example.com action=RESET_PASSWORD expires_in=$expires_in (exit 0)"

run 0 revoke --store "$store" --reason "password changed" "$token"
[[ "$out" == '{"revoked":true}' ]] || fail "revoke: unexpected $out"
echo "revoke    $out in a SQLite store (exit 0)"

run 1 validate --store "$store" "$token"
[[ "$(field valid "$out")" == false && "$(field status "$out")" == revoked &&
  "$(field reason "$out")" == revoked ]] || fail "validate after revoke: unexpected $out"
echo "validate  valid=false status=revoked reason=revoked (exit 1)"

run 0 create --sub ana@example.com --action RESET_PASSWORD --expires-in 900
second="$out"
run 0 consume --store "$store" "$second"
[[ "$(field valid "$out")" == true ]] || fail "first consume: unexpected $out"
first_use="valid=true (exit 0)"
run 1 consume --store "$store" "$second"
[[ "$(field valid "$out")" == false && "$(field reason "$out")" == revoked ]] ||
  fail "second consume: unexpected $out"
echo "consume   another token, twice: $first_use, then valid=false reason=revoked (exit 1)"

echo "all good"
