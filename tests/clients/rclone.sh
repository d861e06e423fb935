#!/usr/bin/env bash
# rclone.sh drives gureum's S3 with rclone: mkdir, `rclone sync` both ways
# (with a file large enough for a multipart upload), `rclone check` both
# ways, a check that must find a difference, and purge.
# See lib.sh for the environment it reads; GUREUM_RCLONE names the binary.
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

RCLONE_BIN=${GUREUM_RCLONE:-rclone}

# The remote "g:" is defined by environment alone; --config /dev/null keeps
# any rclone.conf out. lib.sh has dropped every AWS_* variable: rclone's SDK
# reads AWS_CA_BUNDLE even for plain HTTP and fails when it is set here.
export RCLONE_CONFIG_G_TYPE=s3 RCLONE_CONFIG_G_PROVIDER=Other
export RCLONE_CONFIG_G_ENDPOINT=$GUREUM_ENDPOINT RCLONE_CONFIG_G_REGION=$GUREUM_REGION
export RCLONE_CONFIG_G_ACCESS_KEY_ID=$GUREUM_ACCESS_KEY_ID RCLONE_CONFIG_G_SECRET_ACCESS_KEY=$GUREUM_SECRET_ACCESS_KEY
export RCLONE_CONFIG_G_FORCE_PATH_STYLE=true

# rc runs rclone without retries, so that an error from the server shows.
# Uploads over 5 MiB are multipart, in 5 MiB parts.
rc() {
	"$RCLONE_BIN" --config /dev/null --retries 1 --low-level-retries 1 --contimeout 10s --timeout 30s \
		--s3-upload-cutoff 5M --s3-chunk-size 5M "$@"
}

B=$GUREUM_BUCKET
cd "$WORK"

step "rclone version"
rc version | sed -n 1p  # sed reads it all: head would SIGPIPE rclone under pipefail

step "mkdir"
rc mkdir "g:$B"
out=$(rc lsd g:)
contains "$out"$'\n' " $B"$'\n' "rclone lsd g:"

step "sync local → remote, check"
make_tree tree
random_file tree/big/twelve.bin $((12 << 20))
touch -d '1 hour ago' tree/big/twelve.bin
rc sync tree "g:$B/tree"
out=$(rc lsl "g:$B/tree" | sort -k4)
contains "$out" " $((12 << 20)) " "rclone lsl (the multipart upload)"
contains "$out" " 300000 " "rclone lsl"
contains "$out"$'\n' " odd/a+b=c&d (1).txt"$'\n' "rclone lsl"
contains "$out"$'\n' " ünï/日本語.txt"$'\n' "rclone lsl"
equal "$(grep -c . <<<"$out")" 10 "rclone lsl: objects"
# lsl shows the modification time rclone kept in X-Amz-Meta-Mtime.
want=$(date -r tree/a/b/c/three.bin '+%Y-%m-%d %H:%M:%S')
contains "$(grep three.bin <<<"$out")" " $want." "rclone lsl: three.bin's modification time"
out=$(rc check tree "g:$B/tree" 2>&1) || fail "rclone check local → remote exited non-zero: $out"
contains "$out" ": 0 differences found" "rclone check local → remote"
contains "$out" ": 10 matching files" "rclone check local → remote"
lacks "$out" "hashes could not be checked" "rclone check local → remote (MD5 of every object, multipart too)"

step "change the local tree, sync again"
printf 'changed\n' >tree/top.txt
rm tree/a/one.bin
printf 'new\n' >tree/a/new.txt
out=$(rc sync -v tree "g:$B/tree" 2>&1)
contains "$out" "top.txt: Copied (replaced existing)" "rclone sync after changes"
contains "$out" "a/new.txt: Copied (new)" "rclone sync after changes"
contains "$out" "a/one.bin: Deleted" "rclone sync after changes"
lacks "$out" "three.bin" "rclone sync after changes (unchanged files are left alone)"
out=$(rc check tree "g:$B/tree" 2>&1) || fail "rclone check after changes exited non-zero: $out"
contains "$out" ": 0 differences found" "rclone check after changes"

step "sync remote → another local directory, check both ways"
rc sync "g:$B/tree" tree.down
same_tree tree tree.down
equal "$(date -r tree.down/a/b/c/three.bin +%s)" "$(date -r tree/a/b/c/three.bin +%s)" "modification time after sync down"
out=$(rc check "g:$B/tree" tree.down 2>&1) || fail "rclone check remote → local exited non-zero: $out"
contains "$out" ": 0 differences found" "rclone check remote → local"
out=$(rc check tree.down "g:$B/tree" 2>&1) || fail "rclone check local → remote exited non-zero: $out"
contains "$out" ": 0 differences found" "rclone check local → remote"

step "check finds a difference"
printf 'CHANGED\n' >other.txt # same size as "changed\n", other bytes
rc copyto other.txt "g:$B/tree/top.txt"
status=0
out=$(rc check tree "g:$B/tree" 2>&1) || status=$?
((status != 0)) || fail "rclone check exited 0 with a changed object"
contains "$out" "top.txt: md5 differ" "rclone check with a changed object"
contains "$out" ": 1 differences found" "rclone check with a changed object"

step "purge"
rc purge "g:$B"
out=$(rc lsd g:)
lacks "$out"$'\n' " $B"$'\n' "rclone lsd g: after purge"
must_fail "directory not found" rc ls "g:$B"

finish rclone
