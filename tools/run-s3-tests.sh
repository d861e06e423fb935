#!/usr/bin/env bash
# Run ceph/s3-tests against a fresh gureum, the way the issues' figures
# were measured. It only runs: it never downloads the suite or installs
# Python packages (see ../shared/s3-tests/README.md for that set-up).
#
#   S3TESTS_DIR  a checkout of github.com/ceph/s3-tests (default /tmp/s3-tests)
#   RUNNER       the suite's runner (default ../shared/s3-tests/run.sh)
#   OUT_DIR      where the runner writes its results (default /tmp/s3t-out)
#   WORKERS      pytest-xdist workers (default 2)
#   PORT         gureum's port (default 4566)
# Extra arguments are passed to the runner's environment as is, e.g.
#   tools/run-s3-tests.sh TESTS=s3tests/functional/test_s3.py
set -euo pipefail
cd "$(dirname "$0")/.."
S3TESTS_DIR="${S3TESTS_DIR:-/tmp/s3-tests}"
RUNNER="${RUNNER:-$(cd .. && pwd)/shared/s3-tests/run.sh}"
OUT_DIR="${OUT_DIR:-/tmp/s3t-out}"
WORKERS="${WORKERS:-2}"
PORT="${PORT:-4566}"
work="$(mktemp -d)"
go build -o "$work/gureum" ./cmd/gureum

# Five accounts: main (the default 000000000000), alt and tenant for the
# cross-account tests, and the two IAM roots of the IAM/STS tests.
main_ak=AKIAMAINTESTKEY00001 main_sk=mainsecretkey0000000000000000000000000001
alt_ak=AKIAALTTESTKEY000001 alt_sk=altsecretkey00000000000000000000000000001
ten_ak=AKIATENANTTESTKEY001 ten_sk=tenantsecretkey0000000000000000000000001
iroot_ak=AKIAIAMROOTTESTKEY01 iroot_sk=iamrootsecretkey000000000000000000000001
ialt_ak=AKIAIAMALTROOTKEY001 ialt_sk=iamaltrootsecretkey000000000000000000001
"$work/gureum" serve --data-dir "$work/data" --listen "127.0.0.1:$PORT" --log-level warn \
  --legacy-bucket-defaults --root-access-key "$main_ak" --root-secret-key "$main_sk" \
  --account "111111111111:$alt_ak:$alt_sk" --account "222222222222:$ten_ak:$ten_sk" \
  --account "333333333333:$iroot_ak:$iroot_sk" --account "444444444444:$ialt_ak:$ialt_sk" \
  >"$work/gureum.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/_gureum/health" >/dev/null && break; sleep 0.1; done

# The [iam] user: an IAM user of the main account with AdministratorAccess.
key="$(python3 - "$PORT" "$main_ak" "$main_sk" <<'PY'
import sys, boto3
port, ak, sk = sys.argv[1:]
iam = boto3.client("iam", endpoint_url="http://127.0.0.1:%s" % port, region_name="us-east-1",
                   aws_access_key_id=ak, aws_secret_access_key=sk)
iam.create_user(UserName="s3tests-iam")
iam.attach_user_policy(UserName="s3tests-iam", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
k = iam.create_access_key(UserName="s3tests-iam")["AccessKey"]
print(k["AccessKeyId"], k["SecretAccessKey"])
PY
)"
cid() { printf 'gureum-canonical-user:%s' "$1" | sha256sum | cut -d' ' -f1; }
env ENDPOINT="127.0.0.1:$PORT" S3TESTS_DIR="$S3TESTS_DIR" OUT_DIR="$OUT_DIR" WORKERS="$WORKERS" \
  MAIN_ACCESS_KEY="$main_ak" MAIN_SECRET_KEY="$main_sk" ALT_ACCESS_KEY="$alt_ak" ALT_SECRET_KEY="$alt_sk" \
  TENANT_ACCESS_KEY="$ten_ak" TENANT_SECRET_KEY="$ten_sk" \
  IAM_ACCESS_KEY="${key% *}" IAM_SECRET_KEY="${key#* }" \
  IAM_ROOT_ACCESS_KEY="$iroot_ak" IAM_ROOT_SECRET_KEY="$iroot_sk" \
  IAM_ALT_ROOT_ACCESS_KEY="$ialt_ak" IAM_ALT_ROOT_SECRET_KEY="$ialt_sk" \
  MAIN_USER_ID="$(cid 000000000000)" ALT_USER_ID="$(cid 111111111111)" \
  "$@" "$RUNNER"
