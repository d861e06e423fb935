#!/usr/bin/env bash
# Run MinIO's warp S3 benchmark against one S3 endpoint (gureum, MinIO, ...).
#
# This script only RUNS warp: it never downloads or builds warp, MinIO or gureum.
# Point WARP at an existing warp binary (tested with warp v1.3.1).
#
# It runs, in order, with --concurrent $CONCURRENT --duration $DURATION:
#   1. put  --obj.size 4KiB
#   2. get  --obj.size 4KiB   (warp's default 2500 objects)
#   3. put  --obj.size 64MiB  (concurrency $BIG_CONCURRENT; 64 MiB objects fill a disk fast)
#   4. get  --obj.size 64MiB --objects $BIG_OBJECTS
#   5. list --objects 10000   (warp's default 1 KiB objects)
# and prints warp's summary lines for each. warp deletes its bucket after each run.
#
# Environment:
#   ENDPOINT        host:port of the S3 server, e.g. 127.0.0.1:4566   (required)
#   ACCESS_KEY      access key                                        (required)
#   SECRET_KEY      secret key                                        (required)
#   WARP            path to the warp binary                           (required)
#   DURATION        warp --duration per benchmark      (default 30s)
#   CONCURRENT      warp --concurrent                  (default 8)
#   REGION          warp --region                      (default us-east-1)
#   BIG_CONCURRENT  --concurrent for the 64 MiB PUT    (default $CONCURRENT)
#   BIG_OBJECTS     --objects for the 64 MiB GET       (default 32)
#   OPS             which benchmarks to run, space-separated subset of
#                   "put4k get4k put64m get64m list"   (default: all five)
#   OUT_DIR         keep warp's full output and .json.zst data here
#                   (default: a temporary directory, removed at exit)
#
# Example, gureum (build it first; wipe its data dir between runs):
#   go build -o /tmp/gureum ./cmd/gureum
#   /tmp/gureum serve --data-dir /tmp/gdata --listen 127.0.0.1:4566 --log-level warn &
#   ENDPOINT=127.0.0.1:4566 ACCESS_KEY=test SECRET_KEY=test WARP=/path/to/warp \
#     tools/bench-warp.sh
#
# Example, MinIO for comparison ($MINIO is an existing minio binary):
#   MINIO_ROOT_USER=minioadmin MINIO_ROOT_PASSWORD=minioadmin MINIO_BROWSER=off \
#     "$MINIO" server /tmp/mdata --address 127.0.0.1:9000 &
#   ENDPOINT=127.0.0.1:9000 ACCESS_KEY=minioadmin SECRET_KEY=minioadmin WARP=/path/to/warp \
#     tools/bench-warp.sh
set -euo pipefail

: "${ENDPOINT:?set ENDPOINT=host:port}"
: "${ACCESS_KEY:?set ACCESS_KEY}"
: "${SECRET_KEY:?set SECRET_KEY}"
: "${WARP:?set WARP=/path/to/warp}"
DURATION="${DURATION:-30s}"
CONCURRENT="${CONCURRENT:-8}"
REGION="${REGION:-us-east-1}"
BIG_CONCURRENT="${BIG_CONCURRENT:-$CONCURRENT}"
BIG_OBJECTS="${BIG_OBJECTS:-32}"
OPS="${OPS:-put4k get4k put64m get64m list}"

if [[ ! -x "$WARP" ]]; then
  echo "bench-warp: WARP=$WARP is not an executable file" >&2
  exit 1
fi

# warp writes a .json.zst data file into its working directory: keep those out of the repo.
if [[ -n "${OUT_DIR:-}" ]]; then
  mkdir -p "$OUT_DIR"
else
  OUT_DIR="$(mktemp -d)"
  trap 'rm -rf "$OUT_DIR"' EXIT
fi

# run NAME WARP-ARGS...: run one warp benchmark and print its summary lines.
run() {
  local name="$1"; shift
  local log="$OUT_DIR/$name.txt"
  echo "=== $name: warp $* (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  if ! (cd "$OUT_DIR" && "$WARP" "$@" \
        --host "$ENDPOINT" --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" \
        --region "$REGION" --duration "$DURATION" --no-color \
        --benchdata "$OUT_DIR/$name") >"$log" 2>&1; then
    echo "bench-warp: warp $name failed; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  # The summary: the "Report:" header, its " * " lines and the throughput split.
  grep -E '^(Report:|Throughput|Operation:| \* )|rror' "$log" || cat "$log"
  echo
}

for op in $OPS; do
  case "$op" in
    put4k)  run put4k  put  --concurrent "$CONCURRENT"     --obj.size 4KiB ;;
    get4k)  run get4k  get  --concurrent "$CONCURRENT"     --obj.size 4KiB ;;
    put64m) run put64m put  --concurrent "$BIG_CONCURRENT" --obj.size 64MiB ;;
    get64m) run get64m get  --concurrent "$CONCURRENT"     --obj.size 64MiB --objects "$BIG_OBJECTS" ;;
    list)   run list   list --concurrent "$CONCURRENT"     --objects 10000 ;;
    *) echo "bench-warp: unknown op '$op' (want put4k get4k put64m get64m list)" >&2; exit 2 ;;
  esac
done
