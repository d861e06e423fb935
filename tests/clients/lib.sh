# lib.sh holds what the client scripts share. Source it; don't run it.
#
# The scripts take their target from the environment, so each can also be run
# by hand against any gureum:
#
#	GUREUM_ENDPOINT   http://127.0.0.1:PORT (required)
#	GUREUM_BUCKET     a bucket name no other run uses (default: a random one)
#	GUREUM_ACCESS_KEY_ID, GUREUM_SECRET_ACCESS_KEY, GUREUM_REGION
#	                  the credentials and region (default: test, test, us-east-1)
#
# Everything AWS_* from the caller's environment is dropped first, so an
# ambient profile, token or CA bundle cannot change what a client does.

set -euo pipefail

: "${GUREUM_ENDPOINT:?set GUREUM_ENDPOINT, e.g. http://127.0.0.1:4566}"
GUREUM_ACCESS_KEY_ID=${GUREUM_ACCESS_KEY_ID:-test}
GUREUM_SECRET_ACCESS_KEY=${GUREUM_SECRET_ACCESS_KEY:-test}
GUREUM_REGION=${GUREUM_REGION:-us-east-1}
GUREUM_BUCKET=${GUREUM_BUCKET:-clients-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')}
HOSTPORT=${GUREUM_ENDPOINT#http://}

while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -E '^AWS_' || true)
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gureum-client.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

FAILURES=0

# step announces the next part of a script.
step() { printf '\n=== %s\n' "$*"; }

# fail records a failed check and carries on, so that one wrong answer from
# the server does not hide the rest; finish turns failures into the exit
# status. A command that fails unexpectedly still stops the script (set -e).
fail() {
	FAILURES=$((FAILURES + 1))
	printf 'FAIL: %s\n' "$*" >&2
}

# finish ends a script: exit status 1 if any check failed.
finish() {
	if ((FAILURES > 0)); then
		printf '\n%s: %d check(s) failed\n' "$1" "$FAILURES" >&2
		exit 1
	fi
	printf '\nPASS: %s\n' "$1"
}

# A command that fails outside a check stops the script; say where. Command
# substitutions inherit the trap (-E) but stay quiet: their caller reports.
set -E
trap '_status=$?; ((BASH_SUBSHELL > 0)) || printf "ABORT: %s:%d: exit status %d: %s\n" "${BASH_SOURCE[0]##*/}" "$LINENO" "$_status" "$BASH_COMMAND" >&2' ERR

# equal GOT WANT WHAT fails unless GOT is exactly WANT.
equal() { [[ $1 == "$2" ]] || fail "$3: got \"$1\", want \"$2\""; }

# contains HAYSTACK NEEDLE WHAT fails unless HAYSTACK contains NEEDLE.
contains() { [[ $1 == *"$2"* ]] || fail "$3: want output containing \"$2\", got:
$1"; }

# lacks HAYSTACK NEEDLE WHAT fails if HAYSTACK contains NEEDLE.
lacks() { [[ $1 != *"$2"* ]] || fail "$3: want output without \"$2\", got:
$1"; }

# same_file A B fails unless the two files have the same bytes.
same_file() { cmp -- "$1" "$2" || fail "$1 and $2 differ"; }

# same_tree A B fails unless the two directory trees are identical.
same_tree() { diff -r -- "$1" "$2" || fail "trees $1 and $2 differ"; }

# check_json WHAT JSON CODE runs the Python CODE (indented as you like) with
# d bound to the decoded JSON; a failing assert in CODE is a failed check.
check_json() {
	local msg
	msg=$(python3 -c 'import json, sys, textwrap
d = json.loads(sys.argv[1])
exec(textwrap.dedent(sys.argv[2]))' "$2" "$3" 2>&1) || fail "$1: ${msg##*$'\n'}
JSON: $2"
}

# random_file PATH BYTES writes BYTES random bytes to PATH.
random_file() { mkdir -p -- "$(dirname -- "$1")"; head -c "$2" /dev/urandom >"$1"; }

# md5_of PATH prints the hex MD5 of a file.
md5_of() { md5sum -- "$1" | cut -d' ' -f1; }


# must_fail NEEDLE CMD... runs CMD, which must exit non-zero with NEEDLE in
# its combined output; the output is left in $OUT.
must_fail() {
	local needle=$1 rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	if ((rc == 0)); then
		fail "$*: exited 0, want a failure mentioning \"$needle\"; output:
$OUT"
	else
		contains "$OUT" "$needle" "$*"
	fi
}

# make_tree DIR fills DIR with a small tree of files: nested directories,
# an empty file, names with spaces, reserved characters and UTF-8, and a
# few sizes: 8 files, 370034 bytes. The files are dated an
# hour back, so a sync tool comparing modification times sees the uploaded
# copies as newer (S3 keeps whole seconds).
make_tree() {
	local d=$1
	mkdir -p "$d/a/b/c" "$d/empty-dir-sibling" "$d/with space"
	printf 'hello\n' >"$d/top.txt"
	: >"$d/a/empty.txt"
	random_file "$d/a/one.bin" 1000
	random_file "$d/a/b/two.bin" 70000
	random_file "$d/a/b/c/three.bin" 300000
	printf 'spaced\n' >"$d/with space/file name.txt"
	printf 'sibling\n' >"$d/empty-dir-sibling/x.txt"
	mkdir -p "$d/odd" "$d/ünï"
	printf 'odd\n' >"$d/odd/a+b=c&d (1).txt"
	printf 'utf8\n' >"$d/ünï/日本語.txt"
	find "$d" -type f -exec touch -d '1 hour ago' {} +
}
