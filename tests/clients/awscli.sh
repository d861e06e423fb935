#!/usr/bin/env bash
# awscli.sh drives gureum's S3 with the AWS CLI v2: the high-level `aws s3`
# commands, a set of `aws s3api` calls and `aws s3 presign` URLs fetched with
# curl. Every step checks what came back, not just the exit status.
# See lib.sh for the environment it reads; GUREUM_AWS names the CLI binary.
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

AWS_BIN=${GUREUM_AWS:-/usr/bin/aws}
export AWS_ACCESS_KEY_ID=$GUREUM_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$GUREUM_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=$GUREUM_REGION AWS_REGION=$GUREUM_REGION
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1

# aws runs the CLI against gureum. The endpoint is a flag because CLI
# releases before 2.13 ignore AWS_ENDPOINT_URL. Retries are off and the read
# timeout short, so a server that stalls fails the step instead of hiding.
aws() { "$AWS_BIN" --endpoint-url "$GUREUM_ENDPOINT" --cli-read-timeout 30 "$@"; }

B=$GUREUM_BUCKET
VB=$B-versioned
cd "$WORK"

# part_s3 covers the high-level commands (mb, cp, sync, ls, rm, rb), error
# codes and `aws s3 presign`.
part_s3() {
	step "aws --version"
	v=$("$AWS_BIN" --version 2>&1)
	echo "$v"
	contains "$v" "aws-cli/2." "aws --version"

	step "s3 mb, s3 ls"
	out=$(aws s3 mb "s3://$B")
	equal "$out" "make_bucket: $B" "s3 mb"
	out=$(aws s3 ls)
	contains "$out"$'\n' " $B"$'\n' "s3 ls (buckets)"
	got=$(aws s3api get-bucket-location --bucket "$B" --output text)
	equal "$got" None "get-bucket-location (us-east-1 is a null LocationConstraint)"

	step "s3 cp up and down: small file"
	printf 'hello, gureum\n' >small.txt
	out=$(aws s3 cp --no-progress small.txt "s3://$B/small.txt")
	equal "$out" "upload: ./small.txt to s3://$B/small.txt" "s3 cp up"
	aws s3 cp --no-progress "s3://$B/small.txt" small.down
	same_file small.txt small.down
	aws s3 cp --no-progress "s3://$B/small.txt" - >small.stdout
	same_file small.txt small.stdout

	step "s3 cp up and down: 20 MiB (multipart)"
	random_file big.bin $((20 << 20))
	aws s3 cp --no-progress --content-type application/x-big --metadata origin=cli big.bin "s3://$B/big/big.bin"
	got=$(aws s3api head-object --bucket "$B" --key big/big.bin --query '[ContentLength, ContentType, Metadata.origin, ETag]' --output text)
	[[ $got == $((20 << 20))$'\tapplication/x-big\tcli\t"'*-3'"' ]] ||
		fail "head-object after a 20 MiB cp: got \"$got\", want the size, content type, metadata and a 3-part ETag \"<md5>-3\""
	aws s3 cp --no-progress "s3://$B/big/big.bin" big.down
	same_file big.bin big.down

	step "s3 cp: server-side copy"
	out=$(aws s3 cp --no-progress "s3://$B/small.txt" "s3://$B/copies/small.txt")
	equal "$out" "copy: s3://$B/small.txt to s3://$B/copies/small.txt" "s3 cp s3:// s3://"
	aws s3 cp --no-progress "s3://$B/copies/small.txt" - >copy.stdout
	same_file small.txt copy.stdout

	step "s3 sync a tree up and back down"
	make_tree tree
	# The empty file goes up first, in a CLI process of its own. gureum, like S3,
	# answers a zero-length PUT's "Expect: 100-continue" with the final response
	# and no interim 100; the botocore in CLI releases before botocore 1.43.77
	# then parses the next PUT on that pooled connection against a stale status
	# line and stalls until the read timeout (boto/botocore#3755). The sync below
	# skips the file: it is already there, the same size and older locally.
	aws s3 cp --no-progress tree/a/empty.txt "s3://$B/tree/a/empty.txt" >/dev/null
	out=$(aws s3 sync --no-progress tree "s3://$B/tree")
	contains "$out" "upload: tree/a/b/c/three.bin to s3://$B/tree/a/b/c/three.bin" "s3 sync up"
	contains "$out" "upload: tree/with space/file name.txt to s3://$B/tree/with space/file name.txt" "s3 sync up"
	lacks "$out" "empty.txt" "s3 sync up (the empty file is already there)"
	aws s3 sync --no-progress "s3://$B/tree" tree.down >/dev/null
	same_tree tree tree.down
	out=$(aws s3 sync --no-progress tree "s3://$B/tree")
	equal "$out" "" "s3 sync up again, nothing changed"
	printf 'changed\n' >tree/top.txt
	rm tree/a/one.bin
	out=$(aws s3 sync --no-progress --delete tree "s3://$B/tree")
	equal "$(sort <<<"$out")" "$(printf '%s\n' "delete: s3://$B/tree/a/one.bin" "upload: tree/top.txt to s3://$B/tree/top.txt")" "s3 sync --delete up"
	out=$(aws s3 sync --no-progress --delete "s3://$B/tree" tree.down)
	equal "$(sort <<<"$out")" "$(printf '%s\n' "delete: tree.down/a/one.bin" "download: s3://$B/tree/top.txt to tree.down/top.txt")" "s3 sync --delete down"
	same_tree tree tree.down

	step "s3 ls"
	out=$(aws s3 ls "s3://$B/")
	contains "$out" "PRE big/" "s3 ls (top level)"
	contains "$out" "PRE tree/" "s3 ls (top level)"
	contains "$out" " 14 small.txt" "s3 ls (top level)"
	lacks "$out" "big.bin" "s3 ls (top level)"
	out=$(aws s3 ls --recursive --summarize "s3://$B/")
	contains "$out" " $((20 << 20)) big/big.bin" "s3 ls --recursive"
	contains "$out" " 300000 tree/a/b/c/three.bin" "s3 ls --recursive"
	contains "$out" " 0 tree/a/empty.txt" "s3 ls --recursive"
	contains "$out" " 7 tree/with space/file name.txt" "s3 ls --recursive"
	lacks "$out" "tree/a/one.bin" "s3 ls --recursive after sync --delete"
	contains "$out" " 4 tree/odd/a+b=c&d (1).txt" "s3 ls --recursive"
	contains "$out" " 5 tree/ünï/日本語.txt" "s3 ls --recursive"
	contains "$out" "Total Objects: 11"$'\n' "s3 ls --summarize"
	contains "$out"$'\n' "Total Size: $(((20 << 20) + 14 + 14 + 8 + 0 + 70000 + 300000 + 7 + 8 + 4 + 5))"$'\n' "s3 ls --summarize"

	step "s3 rm and rm --recursive"
	out=$(aws s3 rm "s3://$B/small.txt")
	equal "$out" "delete: s3://$B/small.txt" "s3 rm"
	out=$(aws s3 rm --recursive "s3://$B/tree/")
	equal "$(grep -c '^delete: ' <<<"$out")" 8 "s3 rm --recursive: deletions"
	out=$(aws s3 ls --recursive "s3://$B/")
	equal "$(awk '{print $4}' <<<"$out" | tr '\n' ' ')" "big/big.bin copies/small.txt " "s3 ls --recursive after the rm commands"

	step "errors: NoSuchKey, NoSuchBucket, InvalidBucketName"
	must_fail "An error occurred (NoSuchKey) when calling the GetObject operation" \
		aws s3api get-object --bucket "$B" --key does/not/exist missing.out
	contains "$OUT" ": The specified key does not exist." "get-object on a missing key: message"
	must_fail "An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation" \
		aws s3api list-objects-v2 --bucket "$B-does-not-exist"
	must_fail "An error occurred (InvalidBucketName) when calling the CreateBucket operation" \
		aws s3api create-bucket --bucket Invalid_Bucket_Name
	must_fail "An error occurred (InvalidBucketName) when calling the CreateBucket operation" \
		aws s3api create-bucket --bucket ab

	step "s3 presign, fetched with curl"
	printf 'presigned bytes \x00\x01\x02\n' >presign.bin
	aws s3api put-object --bucket "$B" --key "pre/sign me.bin" --body presign.bin >/dev/null
	url=$(aws s3 presign "s3://$B/pre/sign me.bin")
	contains "$url" "X-Amz-Signature=" "s3 presign URL"
	curl -sS -f -o presign.out "$url" || fail "curl of a presigned URL failed: $url"
	same_file presign.bin presign.out
	code=$(curl -sS -o tampered.out -w '%{http_code}' "${url/X-Amz-Expires=/X-Amz-Expires=1}")
	equal "$code" 403 "presigned URL with a changed X-Amz-Expires: status"
	contains "$(cat tampered.out)" "<Code>SignatureDoesNotMatch</Code>" "presigned URL with a changed X-Amz-Expires: body"
	contains "$(cat tampered.out)" "<AWSAccessKeyId>$GUREUM_ACCESS_KEY_ID</AWSAccessKeyId>" "presigned URL with a changed X-Amz-Expires: body"

	step "s3 presign --expires-in 1: expired URL"
	url=$(aws s3 presign --expires-in 1 "s3://$B/pre/sign me.bin")
	sleep 2
	code=$(curl -sS -o expired.out -w '%{http_code}' "$url")
	equal "$code" 403 "expired presigned URL: status"
	contains "$(cat expired.out)" "<Code>AccessDenied</Code>" "expired presigned URL: body"
	contains "$(cat expired.out)" "<Message>Request has expired</Message>" "expired presigned URL: body"
	contains "$(cat expired.out)" "<X-Amz-Expires>1</X-Amz-Expires>" "expired presigned URL: body"

	step "s3 rb"
	must_fail "An error occurred (BucketNotEmpty) when calling the DeleteBucket operation" aws s3 rb "s3://$B"
	out=$(aws s3 rb --force "s3://$B")
	contains "$out"$'\n' "remove_bucket: $B"$'\n' "s3 rb --force"
	out=$(aws s3 ls)
	lacks "$out"$'\n' " $B"$'\n' "s3 ls after rb"
	must_fail "An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation" aws s3 ls "s3://$B"
}

# part_s3api covers the s3api calls, in a bucket of its own.
part_s3api() {
	step "s3api create-bucket"
	got=$(aws s3api create-bucket --bucket "$B" --query Location --output text)
	equal "$got" "/$B" "create-bucket Location"
	# us-east-1 keeps S3's legacy answer to re-creating a bucket you own: 200.
	got=$(aws s3api create-bucket --bucket "$B" --query Location --output text)
	equal "$got" "/$B" "create-bucket again in us-east-1"

	step "s3api put-object with metadata and content type; head-object"
	printf '{"a":1}\n' >doc.json
	aws s3api put-object --bucket "$B" --key meta/doc.json --body doc.json \
		--content-type application/json --metadata color=blue,Shape=round \
		--cache-control max-age=60 --content-disposition 'attachment; filename="doc.json"' >/dev/null
	json=$(aws s3api head-object --bucket "$B" --key meta/doc.json --output json)
	check_json "head-object" "$json" "
	assert d['Metadata'] == {'color': 'blue', 'shape': 'round'}, 'Metadata %r, want the lower-cased keys S3 returns' % d['Metadata']
	assert d['ContentType'] == 'application/json', d['ContentType']
	assert d['ContentLength'] == 8, d['ContentLength']
	assert d['CacheControl'] == 'max-age=60', d.get('CacheControl')
	assert d['ContentDisposition'] == 'attachment; filename=\"doc.json\"', d.get('ContentDisposition')
	assert d['ETag'] == '\"$(md5_of doc.json)\"', d['ETag']
	assert d['LastModified'], d
	"

	step "s3api get-object with --range"
	printf '0123456789abcdefghij' >range.txt
	aws s3api put-object --bucket "$B" --key range.txt --body range.txt >/dev/null
	got=$(aws s3api get-object --bucket "$B" --key range.txt --range bytes=5-9 range.out \
		--query '[ContentRange, ContentLength]' --output text)
	equal "$got" "$(printf 'bytes 5-9/20\t5')" "get-object --range bytes=5-9: headers"
	equal "$(cat range.out)" "56789" "get-object --range bytes=5-9: body"
	aws s3api get-object --bucket "$B" --key range.txt --range bytes=-3 range.out >/dev/null
	equal "$(cat range.out)" "hij" "get-object --range bytes=-3"
	must_fail "An error occurred (InvalidRange) when calling the GetObject operation" \
		aws s3api get-object --bucket "$B" --key range.txt --range bytes=20-30 range.out

	step "s3api get-object with conditions"
	etag="\"$(md5_of range.txt)\""
	must_fail "An error occurred (304) when calling the GetObject operation" \
		aws s3api get-object --bucket "$B" --key range.txt --if-none-match "$etag" cond.out
	must_fail "An error occurred (PreconditionFailed) when calling the GetObject operation" \
		aws s3api get-object --bucket "$B" --key range.txt --if-match '"0123"' cond.out
	got=$(aws s3api get-object --bucket "$B" --key range.txt --if-match "$etag" cond.out --query ETag --output text)
	equal "$got" "$etag" "get-object --if-match with the current ETag"

	step "s3api list-objects-v2 with prefix and delimiter"
	mkdir -p list/b list/c
	for k in list/a.txt list/b/1.txt list/b/2.txt list/c/3.txt list/d.txt; do printf 'x' >"$k"; done
	aws s3 cp --no-progress --recursive list "s3://$B/list/" >/dev/null
	json=$(aws s3api list-objects-v2 --bucket "$B" --prefix list/ --delimiter / --no-paginate --output json)
	check_json "list-objects-v2 --prefix list/ --delimiter /" "$json" "
	assert [o['Key'] for o in d['Contents']] == ['list/a.txt', 'list/d.txt'], d['Contents']
	assert [p['Prefix'] for p in d['CommonPrefixes']] == ['list/b/', 'list/c/'], d['CommonPrefixes']
	assert d['KeyCount'] == 4, d['KeyCount']
	assert d['Prefix'] == 'list/' and d['Delimiter'] == '/' and d['IsTruncated'] is False, d
	assert all(o['Size'] == 1 and o['ETag'] == '\"9dd4e461268c8034f5c8564e155c67a6\"' for o in d['Contents']), d['Contents']
	"
	got=$(aws s3api list-objects-v2 --bucket "$B" --prefix list/ --start-after list/b/2.txt --query 'Contents[].Key' --output text)
	equal "$got" "$(printf 'list/c/3.txt\tlist/d.txt')" "list-objects-v2 --start-after"
	got=$(aws s3api list-objects-v2 --bucket "$B" --prefix list/ --no-paginate --max-keys 3 \
		--query '[IsTruncated, KeyCount, NextContinuationToken, join(`,`, Contents[].Key)]' --output text)
	IFS=$'\t' read -r truncated count token keys <<<"$got"
	equal "$truncated $count $keys" "True 3 list/a.txt,list/b/1.txt,list/b/2.txt" "list-objects-v2 --max-keys 3"
	got=$(aws s3api list-objects-v2 --bucket "$B" --prefix list/ --no-paginate --continuation-token "$token" \
		--query '[IsTruncated, join(`,`, Contents[].Key)]' --output text)
	equal "$got" "$(printf 'False\tlist/c/3.txt,list/d.txt')" "list-objects-v2 --continuation-token"

	step "s3api copy-object"
	aws s3api copy-object --bucket "$B" --key meta/copy.json --copy-source "$B/meta/doc.json" >/dev/null
	got=$(aws s3api head-object --bucket "$B" --key meta/copy.json --query '[ContentType, Metadata.color, ContentLength]' --output text)
	equal "$got" "$(printf 'application/json\tblue\t8')" "copy-object (metadata directive COPY)"
	aws s3api copy-object --bucket "$B" --key meta/replaced.json --copy-source "$B/meta/doc.json" \
		--metadata-directive REPLACE --content-type text/plain --metadata color=red >/dev/null
	got=$(aws s3api get-object --bucket "$B" --key meta/replaced.json replaced.out --query '[ContentType, Metadata.color]' --output text)
	equal "$got" "$(printf 'text/plain\tred')" "copy-object --metadata-directive REPLACE"
	same_file doc.json replaced.out
	must_fail "An error occurred (NoSuchKey) when calling the CopyObject operation" \
		aws s3api copy-object --bucket "$B" --key x --copy-source "$B/no/such/key"

	step "s3api put/get-object-tagging"
	aws s3api put-object-tagging --bucket "$B" --key range.txt \
		--tagging 'TagSet=[{Key=env,Value=test},{Key=team,Value=storage}]' >/dev/null
	got=$(aws s3api get-object-tagging --bucket "$B" --key range.txt --query 'TagSet[].[Key,Value]' --output text | sort)
	equal "$got" "$(printf 'env\ttest\nteam\tstorage')" "get-object-tagging"
	aws s3api put-object --bucket "$B" --key tagged.txt --body range.txt --tagging 'a=1&b=two%20words' >/dev/null
	got=$(aws s3api get-object --bucket "$B" --key tagged.txt tagged.out --query TagCount --output text)
	equal "$got" 2 "get-object TagCount after put-object --tagging"
	got=$(aws s3api get-object-tagging --bucket "$B" --key tagged.txt --query 'TagSet[].[Key,Value]' --output text | sort)
	equal "$got" "$(printf 'a\t1\nb\ttwo words')" "get-object-tagging after put-object --tagging"
	aws s3api delete-object-tagging --bucket "$B" --key tagged.txt >/dev/null
	got=$(aws s3api get-object-tagging --bucket "$B" --key tagged.txt --query 'length(TagSet)' --output text)
	equal "$got" 0 "get-object-tagging after delete-object-tagging"

	step "s3api versioning: put/get-bucket-versioning, list-object-versions"
	aws s3api create-bucket --bucket "$VB" >/dev/null
	aws s3api put-bucket-versioning --bucket "$VB" --versioning-configuration Status=Enabled
	got=$(aws s3api get-bucket-versioning --bucket "$VB" --query Status --output text)
	equal "$got" Enabled "get-bucket-versioning"
	printf 'one' >v1
	printf 'two!' >v2
	v1=$(aws s3api put-object --bucket "$VB" --key doc --body v1 --query VersionId --output text)
	v2=$(aws s3api put-object --bucket "$VB" --key doc --body v2 --query VersionId --output text)
	[[ -n $v1 && $v1 != None && $v1 != "$v2" ]] || fail "put-object version ids: v1=$v1 v2=$v2"
	got=$(aws s3api list-object-versions --bucket "$VB" --query 'Versions[].[Key,VersionId,IsLatest,Size]' --output text)
	equal "$got" "$(printf 'doc\t%s\tTrue\t4\ndoc\t%s\tFalse\t3' "$v2" "$v1")" "list-object-versions"
	got=$(aws s3api get-object --bucket "$VB" --key doc --version-id "$v1" v1.out --query VersionId --output text)
	equal "$got" "$v1" "get-object --version-id: VersionId"
	same_file v1 v1.out
	got=$(aws s3api delete-object --bucket "$VB" --key doc --query '[DeleteMarker, VersionId]' --output text)
	IFS=$'\t' read -r marker dm <<<"$got"
	equal "$marker" True "delete-object on a versioned bucket: DeleteMarker"
	must_fail "An error occurred (NoSuchKey) when calling the GetObject operation" \
		aws s3api get-object --bucket "$VB" --key doc none.out
	got=$(aws s3api list-object-versions --bucket "$VB" \
		--query '[length(Versions), Versions[0].IsLatest, DeleteMarkers[0].VersionId, DeleteMarkers[0].IsLatest]' --output text)
	equal "$got" "$(printf '2\tFalse\t%s\tTrue' "$dm")" "list-object-versions with a delete marker"

	step "s3api delete-objects (versions, then plain keys)"
	got=$(aws s3api delete-objects --bucket "$VB" --delete \
		"Objects=[{Key=doc,VersionId=$v1},{Key=doc,VersionId=$v2},{Key=doc,VersionId=$dm}]" \
		--query 'Deleted[].VersionId' --output text)
	equal "$(tr '\t' '\n' <<<"$got" | sort)" "$(printf '%s\n' "$v1" "$v2" "$dm" | sort)" "delete-objects by version"
	aws s3api delete-bucket --bucket "$VB"
	got=$(aws s3api delete-objects --bucket "$B" --delete \
		'Objects=[{Key=list/a.txt},{Key=list/d.txt},{Key=never/existed}]' \
		--query 'Deleted[].Key' --output text)
	equal "$(tr '\t' '\n' <<<"$got" | sort | tr '\n' ' ')" "list/a.txt list/d.txt never/existed " \
		"delete-objects (a missing key counts as deleted)"
	got=$(aws s3api list-objects-v2 --bucket "$B" --prefix list/ --query 'Contents[].Key' --output text)
	equal "$got" "$(printf 'list/b/1.txt\tlist/b/2.txt\tlist/c/3.txt')" "keys left after delete-objects"

	step "s3api multipart: create, upload-part, list, abort; create, upload-part, complete"
	random_file part1 $((5 << 20))
	uid=$(aws s3api create-multipart-upload --bucket "$B" --key mpu/aborted --query UploadId --output text)
	aws s3api upload-part --bucket "$B" --key mpu/aborted --upload-id "$uid" --part-number 1 --body part1 >/dev/null
	got=$(aws s3api list-multipart-uploads --bucket "$B" --query 'Uploads[].[Key,UploadId]' --output text)
	equal "$got" "$(printf 'mpu/aborted\t%s' "$uid")" "list-multipart-uploads"
	got=$(aws s3api list-parts --bucket "$B" --key mpu/aborted --upload-id "$uid" --query 'Parts[].[PartNumber,Size,ETag]' --output text)
	equal "$got" "$(printf '1\t%d\t"%s"' $((5 << 20)) "$(md5_of part1)")" "list-parts"
	aws s3api abort-multipart-upload --bucket "$B" --key mpu/aborted --upload-id "$uid"
	must_fail "An error occurred (NoSuchUpload) when calling the ListParts operation" \
		aws s3api list-parts --bucket "$B" --key mpu/aborted --upload-id "$uid"
	uid=$(aws s3api create-multipart-upload --bucket "$B" --key mpu/done --content-type text/x-parts --query UploadId --output text)
	printf 'tail' >part2
	e1=$(aws s3api upload-part --bucket "$B" --key mpu/done --upload-id "$uid" --part-number 1 --body part1 --query ETag --output text)
	e2=$(aws s3api upload-part --bucket "$B" --key mpu/done --upload-id "$uid" --part-number 2 --body part2 --query ETag --output text)
	equal "$e2" "\"$(md5_of part2)\"" "upload-part ETag"
	got=$(aws s3api complete-multipart-upload --bucket "$B" --key mpu/done --upload-id "$uid" \
		--multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$e1},{\"PartNumber\":2,\"ETag\":$e2}]}" \
		--query '[Key, ETag]' --output text)
	want=$(python3 -c 'import hashlib, sys; print(hashlib.md5(b"".join(bytes.fromhex(e.strip(chr(34))) for e in sys.argv[1:])).hexdigest())' "$e1" "$e2")
	equal "$got" "$(printf 'mpu/done\t"%s-2"' "$want")" "complete-multipart-upload"
	cat part1 part2 >parts.want
	got=$(aws s3api get-object --bucket "$B" --key mpu/done parts.out --query '[ContentType, ContentLength]' --output text)
	equal "$got" "$(printf 'text/x-parts\t%d' $(((5 << 20) + 4)))" "get-object of the completed upload"
	same_file parts.want parts.out
	got=$(aws s3api list-multipart-uploads --bucket "$B" --query 'Uploads' --output text)
	equal "$got" None "list-multipart-uploads after abort and complete"

	step "s3 rb --force"
	aws s3 rb --force "s3://$B" >/dev/null
	must_fail "An error occurred (404) when calling the HeadBucket operation" aws s3api head-bucket --bucket "$B"
}

# The parts to run are the arguments, both by default. Each part creates
# and removes the bucket GUREUM_BUCKET, so parts run at the same time need
# different ones.
parts=("$@")
((${#parts[@]} > 0)) || parts=(s3 s3api)
for part in "${parts[@]}"; do
	"part_$part"
done
finish "awscli ${parts[*]}"
