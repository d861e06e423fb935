#!/usr/bin/env bash
# Run ceph/s3-tests against a fresh gureum, the way the issues' figures
# were measured. It only runs: it never downloads the suite or installs
# Python packages (see ../shared/s3-tests/README.md for that set-up).
#
#   S3TESTS_DIR  a checkout of github.com/ceph/s3-tests (default /tmp/s3-tests)
#   RUNNER       the suite's runner (default ../shared/s3-tests/run.sh)
#   OUT_DIR      where the runner writes its results (default /tmp/s3t-out)
#   WORKERS      pytest-xdist workers (default 2)
#   PORT         gureum's port (default 4566); HTTPS on PORT+1
#   TLS          1 (default): the suite talks HTTPS to gureum's --tls-listen,
#                trusting its CA (REQUESTS_CA_BUNDLE, for the suite's raw POSTs);
#                0: plain HTTP (SSE-C is then refused, as S3 refuses it)
#   KMS          1 (default): two KMS keys are made in gureum and named in the
#                suite's config as kms_keyid / kms_keyid2 (their ARNs, which
#                S3 echoes); 0: the suite's own testkey-1 / testkey-2
# Extra arguments are passed to the runner's environment as is, e.g.
#   tools/run-s3-tests.sh TESTS=s3tests/functional/test_s3.py
set -euo pipefail
cd "$(dirname "$0")/.."
S3TESTS_DIR="${S3TESTS_DIR:-/tmp/s3-tests}"
RUNNER="${RUNNER:-$(cd .. && pwd)/shared/s3-tests/run.sh}"
OUT_DIR="${OUT_DIR:-/tmp/s3t-out}"
WORKERS="${WORKERS:-2}"
PORT="${PORT:-4566}"
TLS="${TLS:-1}"
KMS="${KMS:-1}"
TLS_PORT=$((PORT + 1))
work="$(mktemp -d)"
go build -o "$work/gureum" ./cmd/gureum

# S3 only: no instances, no VPC networks (nothing of the host's network is
# touched). Five accounts: main (the default 000000000000), alt and tenant for the
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
  --tls-listen "127.0.0.1:$TLS_PORT" --compute none --netplane none >"$work/gureum.log" 2>&1 &
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
endpoint="127.0.0.1:$PORT" secure=False
if [ "$TLS" = 1 ]; then
  endpoint="127.0.0.1:$TLS_PORT" secure=True
  export REQUESTS_CA_BUNDLE="$work/data/tls/ca.pem"
fi
run() {
  env ENDPOINT="$endpoint" S3_IS_SECURE="$secure" S3TESTS_DIR="$S3TESTS_DIR" WORKERS="$WORKERS" \
    MAIN_ACCESS_KEY="$main_ak" MAIN_SECRET_KEY="$main_sk" ALT_ACCESS_KEY="$alt_ak" ALT_SECRET_KEY="$alt_sk" \
    TENANT_ACCESS_KEY="$ten_ak" TENANT_SECRET_KEY="$ten_sk" \
    IAM_ACCESS_KEY="${key% *}" IAM_SECRET_KEY="${key#* }" \
    IAM_ROOT_ACCESS_KEY="$iroot_ak" IAM_ROOT_SECRET_KEY="$iroot_sk" \
    IAM_ALT_ROOT_ACCESS_KEY="$ialt_ak" IAM_ALT_ROOT_SECRET_KEY="$ialt_sk" \
    MAIN_USER_ID="$(cid 000000000000)" ALT_USER_ID="$(cid 111111111111)" \
    "$@" "$RUNNER"
}
if [ "$KMS" = 1 ]; then
  # The runner's config has no KMS keys: let it write its config on a
  # one-test run, then add the ARNs of two keys made here.
  run OUT_DIR="$work/conf" TESTS="s3tests/functional/test_s3.py::test_bucket_list_empty" >/dev/null
  python3 - "$PORT" "$main_ak" "$main_sk" "$work/conf/s3tests.conf" "$work/s3tests.conf" <<'PY'
import sys, boto3, configparser
port, ak, sk, src, dst = sys.argv[1:]
kms = boto3.client("kms", endpoint_url="http://127.0.0.1:%s" % port, region_name="us-east-1",
                   aws_access_key_id=ak, aws_secret_access_key=sk)
arns = [kms.create_key(Description="s3-tests %d" % i)["KeyMetadata"]["Arn"] for i in (1, 2)]
c = configparser.RawConfigParser()
c.read(src)
c.set("s3 main", "kms_keyid", arns[0])
c.set("s3 main", "kms_keyid2", arns[1])
with open(dst, "w") as f:
    c.write(f)
PY
  set -- S3TEST_CONF="$work/s3tests.conf" "$@"
fi
run OUT_DIR="$OUT_DIR" "$@"

