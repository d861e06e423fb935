#!/usr/bin/env bash
# s3cmd.sh drives gureum's S3 with s3cmd: mb, put (small and a 20 MiB
# multipart upload), ls, get, info, cp, sync both ways, del and rb.
# See lib.sh for the environment it reads; GUREUM_S3CMD names the binary.
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

S3CMD_BIN=${GUREUM_S3CMD:-s3cmd}

# s3c runs s3cmd against gureum with no configuration file: path-style
# requests (the bucket host is the endpoint itself), plain HTTP, SigV4.
s3c() {
	"$S3CMD_BIN" -c /dev/null --access_key="$GUREUM_ACCESS_KEY_ID" --secret_key="$GUREUM_SECRET_ACCESS_KEY" \
		--host="$HOSTPORT" --host-bucket="$HOSTPORT" --region="$GUREUM_REGION" --no-ssl --no-progress "$@"
}

B=$GUREUM_BUCKET
cd "$WORK"

step "s3cmd --version"
v=$("$S3CMD_BIN" --version)
echo "$v"

step "mb, ls"
out=$(s3c mb "s3://$B")
equal "$out" "Bucket 's3://$B/' created" "s3cmd mb"
out=$(s3c ls)
contains "$out"$'\n' " s3://$B"$'\n' "s3cmd ls (buckets)"

step "put and get: small file"
printf 'hello from s3cmd\n' >small.txt
out=$(s3c put small.txt "s3://$B/small.txt")
contains "$out" "upload: 'small.txt' -> 's3://$B/small.txt'" "s3cmd put"
s3c get "s3://$B/small.txt" small.down >/dev/null
same_file small.txt small.down
out=$(s3c info "s3://$B/small.txt")
contains "$out" "File size: 17"$'\n' "s3cmd info"
contains "$out" "MD5 sum:   $(md5_of small.txt)"$'\n' "s3cmd info"
contains "$out" "MIME type: text/plain"$'\n' "s3cmd info"

step "put and get: 20 MiB, multipart in 5 MiB parts"
random_file big.bin $((20 << 20))
out=$(s3c put --progress --multipart-chunk-size-mb=5 big.bin "s3://$B/big/big.bin" | tr '\r' '\n')
contains "$out" "[part 4 of 4, 5MB]" "s3cmd put (multipart)"
lacks "$out" "[part 5 of" "s3cmd put (multipart)"
out=$(s3c info "s3://$B/big/big.bin")
contains "$out" "File size: $((20 << 20))"$'\n' "s3cmd info (multipart)"
# s3cmd reports the MD5 it recorded in x-amz-meta-s3cmd-attrs at upload.
contains "$out" "MD5 sum:   $(md5_of big.bin)"$'\n' "s3cmd info (multipart)"
# For a multipart ETag ("<md5>-4"), ls --list-md5 also shows the recorded MD5.
out=$(s3c ls --list-md5 "s3://$B/big/big.bin")
contains "$out" " $((20 << 20))  $(md5_of big.bin)  " "s3cmd ls --list-md5"
s3c get "s3://$B/big/big.bin" big.down >/dev/null
same_file big.bin big.down
s3c get --force "s3://$B/big/big.bin" - >big.stdout
same_file big.bin big.stdout

step "cp (server-side copy)"
out=$(s3c cp "s3://$B/small.txt" "s3://$B/copies/small.txt")
contains "$out" "remote copy: 's3://$B/small.txt' -> 's3://$B/copies/small.txt'" "s3cmd cp"
s3c get "s3://$B/copies/small.txt" copy.down >/dev/null
same_file small.txt copy.down

step "sync a tree up and back down"
make_tree tree
out=$(s3c sync tree/ "s3://$B/tree/")
contains "$out" "upload: 'tree/a/b/c/three.bin' -> 's3://$B/tree/a/b/c/three.bin'" "s3cmd sync up"
contains "$out" "upload: 'tree/a/empty.txt' -> 's3://$B/tree/a/empty.txt'" "s3cmd sync up"
contains "$out" "upload: 'tree/with space/file name.txt' -> 's3://$B/tree/with space/file name.txt'" "s3cmd sync up"
s3c sync "s3://$B/tree/" tree.down/ >/dev/null
same_tree tree tree.down
out=$(s3c sync tree/ "s3://$B/tree/")
lacks "$out" "upload:" "s3cmd sync up again, nothing changed"
printf 'changed\n' >tree/top.txt
rm tree/a/one.bin
out=$(s3c sync --delete-removed tree/ "s3://$B/tree/")
contains "$out" "delete: 's3://$B/tree/a/one.bin'" "s3cmd sync --delete-removed up"
contains "$out" "upload: 'tree/top.txt' -> 's3://$B/tree/top.txt'" "s3cmd sync --delete-removed up"
equal "$(grep -c 'upload:' <<<"$out")" 1 "s3cmd sync --delete-removed up: uploads"
out=$(s3c sync --delete-removed "s3://$B/tree/" tree.down/)
contains "$out" "delete: 'tree.down/a/one.bin'" "s3cmd sync --delete-removed down"
contains "$out" "download: 's3://$B/tree/top.txt' -> 'tree.down/top.txt'" "s3cmd sync --delete-removed down"
same_tree tree tree.down

step "ls"
out=$(s3c ls "s3://$B/")
contains "$out" "DIR  s3://$B/big/" "s3cmd ls (top level)"
contains "$out" "DIR  s3://$B/tree/" "s3cmd ls (top level)"
contains "$out" " 17  s3://$B/small.txt" "s3cmd ls (top level)"
out=$(s3c ls --recursive "s3://$B/")
contains "$out" " $((20 << 20))  s3://$B/big/big.bin" "s3cmd ls --recursive"
contains "$out" " 300000  s3://$B/tree/a/b/c/three.bin" "s3cmd ls --recursive"
contains "$out" " 0  s3://$B/tree/a/empty.txt" "s3cmd ls --recursive"
contains "$out" " 8  s3://$B/tree/top.txt" "s3cmd ls --recursive"
lacks "$out" "one.bin" "s3cmd ls --recursive after sync --delete-removed"
contains "$out" " 4  s3://$B/tree/odd/a+b=c&d (1).txt" "s3cmd ls --recursive"
contains "$out" " 5  s3://$B/tree/ünï/日本語.txt" "s3cmd ls --recursive"
equal "$(grep -c . <<<"$out")" 11 "s3cmd ls --recursive: objects"
out=$(s3c du "s3://$B/")
contains "$out" "$(((20 << 20) + 17 + 17 + 8 + 0 + 70000 + 300000 + 7 + 8 + 4 + 5)) " "s3cmd du"

step "errors"
must_fail "does not exist" s3c get "s3://$B/does/not/exist" missing.out
must_fail "NoSuchBucket" s3c ls "s3://$B-does-not-exist/"
must_fail "BucketNotEmpty" s3c rb "s3://$B"

step "del, del --recursive, rb"
out=$(s3c del "s3://$B/small.txt")
equal "$out" "delete: 's3://$B/small.txt'" "s3cmd del"
out=$(s3c del --recursive --force "s3://$B/tree/")
equal "$(grep -c '^delete: ' <<<"$out")" 8 "s3cmd del --recursive: deletions"
out=$(s3c ls --recursive "s3://$B/")
equal "$(awk '{print $4}' <<<"$out" | tr '\n' ' ')" "s3://$B/big/big.bin s3://$B/copies/small.txt " "s3cmd ls --recursive after del"
s3c del --recursive --force "s3://$B/" >/dev/null
out=$(s3c rb "s3://$B")
equal "$out" "Bucket 's3://$B/' removed" "s3cmd rb"
out=$(s3c ls)
lacks "$out"$'\n' " s3://$B"$'\n' "s3cmd ls after rb"

finish s3cmd
