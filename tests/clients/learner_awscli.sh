#!/usr/bin/env bash
# learner_awscli.sh walks the learner story with the AWS CLI v2 and curl:
# a new bucket is private (Block Public Access on, BucketOwnerEnforced), a
# public bucket policy is refused until Block Public Access is removed, then
# the object's plain URL serves anyone while a second bucket stays private;
# an IAM user can do nothing until AmazonS3ReadOnlyAccess is attached, and
# then only read. Every step checks what came back, not just the exit status.
# See lib.sh for the environment it reads; GUREUM_AWS names the CLI binary.
#
# IAM users are global to the account, so the user's name carries a suffix
# of its own per run: the boto3 walk of the same story shares the server.
# IAM is eventually consistent on AWS (a new key or attachment can take
# seconds to apply) and immediate on gureum; the script does not wait.
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

AWS_BIN=${GUREUM_AWS:-/usr/bin/aws}
export AWS_ACCESS_KEY_ID=$GUREUM_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$GUREUM_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=$GUREUM_REGION AWS_REGION=$GUREUM_REGION
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1

# aws runs the CLI against gureum as the account root (the harness's keys).
# The endpoint is a flag because CLI releases before 2.13 ignore
# AWS_ENDPOINT_URL; iam and sts need it as much as s3 does.
aws() { "$AWS_BIN" --endpoint-url "$GUREUM_ENDPOINT" --cli-read-timeout 30 "$@"; }

# as_user runs the CLI with the IAM user's access key (USER_KEY, USER_SECRET).
as_user() {
	AWS_ACCESS_KEY_ID=$USER_KEY AWS_SECRET_ACCESS_KEY=$USER_SECRET \
		"$AWS_BIN" --endpoint-url "$GUREUM_ENDPOINT" --cli-read-timeout 30 "$@"
}

# anon_get URL OUTFILE fetches URL with no credentials at all, as a browser
# would, and prints the HTTP status.
anon_get() { curl -sS -o "$2" -w '%{http_code}' "$1"; }

B=$GUREUM_BUCKET
PB=$B-private
ACCOUNT=000000000000
USER_NAME=ide-awscli-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
USER_ARN=arn:aws:iam::$ACCOUNT:user/$USER_NAME
READ_ONLY=arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
KEY=images/cat.png
POLICY='{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::'$B'/*"}]}'
cd "$WORK"

step "as root: create-bucket, put-object of an image"
got=$(aws sts get-caller-identity --query '[Account, Arn]' --output text)
equal "$got" "$(printf '%s\tarn:aws:iam::%s:root' "$ACCOUNT" "$ACCOUNT")" "sts get-caller-identity as root"
got=$(aws s3api create-bucket --bucket "$B" --query Location --output text)
equal "$got" "/$B" "create-bucket Location"
# The PNG signature, an IHDR chunk header and a byte that is not UTF-8.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\xff' >cat.png
aws s3api put-object --bucket "$B" --key "$KEY" --body cat.png --content-type image/png >/dev/null
got=$(aws s3api head-object --bucket "$B" --key "$KEY" --query '[ContentType, ContentLength]' --output text)
equal "$got" "$(printf 'image/png\t%d' "$(stat -c %s cat.png)")" "head-object of the image"

step "a new bucket is private: Block Public Access on, BucketOwnerEnforced"
code=$(anon_get "$GUREUM_ENDPOINT/$B/$KEY" anon.out)
equal "$code" 403 "anonymous GET of a new bucket's object: status"
contains "$(cat anon.out)" "<Code>AccessDenied</Code>" "anonymous GET of a new bucket's object: body"
json=$(aws s3api get-public-access-block --bucket "$B" --output json)
check_json "get-public-access-block of a new bucket" "$json" "
c = d['PublicAccessBlockConfiguration']
assert c == {'BlockPublicAcls': True, 'IgnorePublicAcls': True, 'BlockPublicPolicy': True, 'RestrictPublicBuckets': True}, c
"
got=$(aws s3api get-bucket-ownership-controls --bucket "$B" --query 'OwnershipControls.Rules[].ObjectOwnership' --output text)
equal "$got" BucketOwnerEnforced "get-bucket-ownership-controls of a new bucket"

step "a public bucket policy is refused while BlockPublicPolicy is on"
must_fail "An error occurred (AccessDenied) when calling the PutBucketPolicy operation" \
	aws s3api put-bucket-policy --bucket "$B" --policy "$POLICY"
contains "$OUT" "because public policies are blocked by the BlockPublicPolicy block public access setting" \
	"put-bucket-policy under BlockPublicPolicy: message"
must_fail "An error occurred (NoSuchBucketPolicy) when calling the GetBucketPolicy operation" \
	aws s3api get-bucket-policy --bucket "$B"

step "delete-public-access-block, put-bucket-policy: the object is public"
aws s3api delete-public-access-block --bucket "$B"
must_fail "An error occurred (NoSuchPublicAccessBlockConfiguration) when calling the GetPublicAccessBlock operation" \
	aws s3api get-public-access-block --bucket "$B"
aws s3api put-bucket-policy --bucket "$B" --policy "$POLICY"
got=$(aws s3api get-bucket-policy --bucket "$B" --query Policy --output text)
check_json "get-bucket-policy" "$got" "
s = d['Statement']
assert len(s) == 1 and s[0]['Principal'] == '*' and s[0]['Action'] == 's3:GetObject', s
assert s[0]['Resource'] == 'arn:aws:s3:::$B/*', s
"
got=$(aws s3api get-bucket-policy-status --bucket "$B" --query PolicyStatus.IsPublic --output text)
equal "$got" True "get-bucket-policy-status IsPublic"
code=$(anon_get "$GUREUM_ENDPOINT/$B/$KEY" public.out)
equal "$code" 200 "anonymous GET of the public object: status"
same_file cat.png public.out
code=$(anon_get "$GUREUM_ENDPOINT/$B/images/missing.png" missing.out)
# The policy grants s3:GetObject but not s3:ListBucket, so S3 does not say
# whether a key exists: 403, as for a public website's missing page.
equal "$code" 403 "anonymous GET of a missing key under the public policy: status"
contains "$(cat missing.out)" "<Code>AccessDenied</Code>" "anonymous GET of a missing key under the public policy: body"
code=$(anon_get "$GUREUM_ENDPOINT/$B" list.out)
equal "$code" 403 "anonymous ListObjects (the policy grants GetObject only): status"
contains "$(cat list.out)" "<Code>AccessDenied</Code>" "anonymous ListObjects: body"

step "a second bucket beside it stays private"
aws s3api create-bucket --bucket "$PB" >/dev/null
aws s3api put-object --bucket "$PB" --key "$KEY" --body cat.png --content-type image/png >/dev/null
code=$(anon_get "$GUREUM_ENDPOINT/$PB/$KEY" private.out)
equal "$code" 403 "anonymous GET in the private bucket: status"
contains "$(cat private.out)" "<Code>AccessDenied</Code>" "anonymous GET in the private bucket: body"
must_fail "An error occurred (NoSuchBucketPolicy) when calling the GetBucketPolicyStatus operation" \
	aws s3api get-bucket-policy-status --bucket "$PB"

step "iam create-user, create-access-key"
got=$(aws iam create-user --user-name "$USER_NAME" --query User.Arn --output text)
equal "$got" "$USER_ARN" "iam create-user Arn"
got=$(aws iam create-access-key --user-name "$USER_NAME" \
	--query 'AccessKey.[AccessKeyId, SecretAccessKey, Status]' --output text)
read -r USER_KEY USER_SECRET status <<<"$got"
equal "$status" Active "iam create-access-key Status"
[[ $USER_KEY == AKIA* && ${#USER_KEY} == 20 && ${#USER_SECRET} == 40 ]] ||
	fail "iam create-access-key: want an AKIA… id of 20 characters and a 40-character secret, got \"$USER_KEY\" and ${#USER_SECRET} characters"

step "as the user with no policy: everything is denied"
must_fail "An error occurred (AccessDenied) when calling the ListBuckets operation" as_user s3 ls
contains "$OUT" "User: $USER_ARN is not authorized to perform: s3:ListAllMyBuckets" "s3 ls with no policy: message"
contains "$OUT" "because no identity-based policy allows the s3:ListAllMyBuckets action" "s3 ls with no policy: message"
must_fail "An error occurred (AccessDenied) when calling the GetObject operation" \
	as_user s3api get-object --bucket "$PB" --key "$KEY" denied.out
contains "$OUT" "because no identity-based policy allows the s3:GetObject action" "get-object with no policy: message"

step "attach AmazonS3ReadOnlyAccess: the user can list and read"
aws iam attach-user-policy --user-name "$USER_NAME" --policy-arn "$READ_ONLY"
got=$(aws iam list-attached-user-policies --user-name "$USER_NAME" --query 'AttachedPolicies[].[PolicyName, PolicyArn]' --output text)
equal "$got" "$(printf 'AmazonS3ReadOnlyAccess\t%s' "$READ_ONLY")" "iam list-attached-user-policies"
out=$(as_user s3 ls)
contains "$out"$'\n' " $B"$'\n' "s3 ls as the read-only user"
contains "$out"$'\n' " $PB"$'\n' "s3 ls as the read-only user"
out=$(as_user s3 ls "s3://$B/images/")
contains "$out" " $(stat -c %s cat.png) cat.png" "s3 ls s3://BUCKET/images/ as the read-only user"
as_user s3api get-object --bucket "$PB" --key "$KEY" user.out >/dev/null
same_file cat.png user.out
as_user s3 cp --no-progress "s3://$B/$KEY" user-cp.out >/dev/null
same_file cat.png user-cp.out

step "as the read-only user: put-object is denied"
must_fail "An error occurred (AccessDenied) when calling the PutObject operation" \
	as_user s3api put-object --bucket "$B" --key images/dog.png --body cat.png
contains "$OUT" "User: $USER_ARN is not authorized to perform: s3:PutObject" "put-object as the read-only user: message"
contains "$OUT" "because no identity-based policy allows the s3:PutObject action" "put-object as the read-only user: message"
must_fail "An error occurred (404) when calling the HeadObject operation" \
	aws s3api head-object --bucket "$B" --key images/dog.png

step "sts get-caller-identity as the user"
got=$(as_user sts get-caller-identity --query '[Account, Arn]' --output text)
equal "$got" "$(printf '%s\t%s' "$ACCOUNT" "$USER_ARN")" "sts get-caller-identity as the user"

step "clean up: detach the policy, delete the key and the user"
must_fail "An error occurred (DeleteConflict) when calling the DeleteUser operation" \
	aws iam delete-user --user-name "$USER_NAME"
aws iam detach-user-policy --user-name "$USER_NAME" --policy-arn "$READ_ONLY"
aws iam delete-access-key --user-name "$USER_NAME" --access-key-id "$USER_KEY"
must_fail "An error occurred (InvalidAccessKeyId) when calling the ListBuckets operation" as_user s3 ls
aws iam delete-user --user-name "$USER_NAME"
must_fail "An error occurred (NoSuchEntity) when calling the GetUser operation" \
	aws iam get-user --user-name "$USER_NAME"

step "clean up: delete the objects and the buckets"
aws s3api delete-object --bucket "$B" --key "$KEY"
aws s3api delete-object --bucket "$PB" --key "$KEY"
aws s3api delete-bucket --bucket "$B"
aws s3api delete-bucket --bucket "$PB"
out=$(aws s3 ls)
lacks "$out"$'\n' " $B"$'\n' "s3 ls after delete-bucket"
lacks "$out"$'\n' " $PB"$'\n' "s3 ls after delete-bucket"
must_fail "An error occurred (404) when calling the HeadBucket operation" aws s3api head-bucket --bucket "$B"

finish "learner awscli"
