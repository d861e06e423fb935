"""gureumcheck: what the boto3 client scripts share.

Importing it first (before boto3) drops the ambient AWS configuration, so
nothing of the machine's (keys, profiles, endpoints, IMDS) leaks into a
run; it reads gureum's endpoint and keys from the environment the Go tests
set, and counts failed checks, which each script turns into its exit
status.
"""

import os
import sys

for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

ENDPOINT = os.environ["GUREUM_ENDPOINT"]
ACCESS_KEY = os.environ.get("GUREUM_ACCESS_KEY_ID", "test")
SECRET_KEY = os.environ.get("GUREUM_SECRET_ACCESS_KEY", "test")

failures = 0


def fail(what):
    """fail records a failed check and carries on."""
    global failures
    failures += 1
    print("FAIL: %s" % what, file=sys.stderr, flush=True)


def step(name):
    print("\n=== %s" % name, flush=True)


def check(ok, what):
    """check records a failed check and carries on."""
    if not ok:
        fail(what)
    return ok


def equal(got, want, what):
    return check(got == want, "%s: got %r, want %r" % (what, got, want))
