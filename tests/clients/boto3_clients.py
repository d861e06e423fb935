#!/usr/bin/env python3
"""boto3_clients.py drives gureum's S3 with boto3 and requests.

It covers the transfer manager (upload_file/download_file of 50 MiB, with
and without multipart), metadata, presigned GET and PUT URLs fetched with
requests, browser-form POST uploads built by generate_presigned_post,
pagination over 1,100 keys and the error codes clients branch on.

It reads the same environment as the shell scripts (see lib.sh):
GUREUM_ENDPOINT, GUREUM_BUCKET, GUREUM_ACCESS_KEY_ID,
GUREUM_SECRET_ACCESS_KEY and GUREUM_REGION. Failed checks are reported and
counted; the exit status is 1 if any failed.
"""

import base64
import concurrent.futures
import hashlib
import os
import re
import sys
import tempfile
import time
import traceback
import zlib
from xml.etree import ElementTree

import gureumcheck  # noqa: E402  (first: it clears the ambient AWS configuration)
from gureumcheck import ENDPOINT, ACCESS_KEY, SECRET_KEY, step, check, equal  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
import requests  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

BUCKET = os.environ.get("GUREUM_BUCKET") or "boto3-%d" % os.getpid()
REGION = os.environ.get("GUREUM_REGION", "us-east-1")
MiB = 1 << 20


def new_client():
    """new_client returns an S3 client with its own connection pool."""
    cfg = Config(
        region_name=REGION,
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=10,
        read_timeout=30,
    )
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=cfg,
    )


def error_code(fn, *args, **kwargs):
    """error_code calls fn and returns (Error.Code, HTTP status), or
    (None, None) when it succeeds."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None


def xml_field(body, name):
    """xml_field returns the text of the first element called name in the
    XML document body (any namespace), or None."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == name:
            return el.text
    return None


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


def main(work):
    s3 = new_client()
    http = requests.Session()
    http.trust_env = False  # no proxies, no netrc: the server is on loopback
    print("boto3 %s, botocore %s, requests %s" % (boto3.__version__, botocore.__version__, requests.__version__))

    step("create_bucket")
    s3.create_bucket(Bucket=BUCKET)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check(BUCKET in names, "list_buckets: %s missing from %s" % (BUCKET, names))

    step("upload_file/download_file of 50 MiB, default TransferConfig (multipart)")
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(50 * MiB))
    want = sha256_file(big)
    s3.upload_file(big, BUCKET, "big/multipart.bin")
    head = s3.head_object(Bucket=BUCKET, Key="big/multipart.bin")
    equal(head["ContentLength"], 50 * MiB, "head_object ContentLength")
    # 8 MiB parts (the default multipart_chunksize): 7 parts.
    check(head["ETag"].endswith('-7"'), "multipart ETag %s: want 7 parts" % head["ETag"])
    down = os.path.join(work, "big.multipart.down")
    s3.download_file(BUCKET, "big/multipart.bin", down)
    equal(sha256_file(down), want, "download_file sha256 (multipart upload, ranged download)")

    step("upload_file/download_file of 50 MiB, multipart disabled")
    single = TransferConfig(multipart_threshold=100 * MiB)
    s3.upload_file(big, BUCKET, "big/single.bin", Config=single)
    head = s3.head_object(Bucket=BUCKET, Key="big/single.bin")
    equal(head["ContentLength"], 50 * MiB, "head_object ContentLength")
    with open(big, "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    equal(head["ETag"], '"%s"' % md5, "single-PUT ETag")
    down = os.path.join(work, "big.single.down")
    s3.download_file(BUCKET, "big/single.bin", down, Config=single)
    equal(sha256_file(down), want, "download_file sha256 (single PUT, single GET)")

    step("managed copy of 50 MiB (multipart UploadPartCopy)")
    s3.copy({"Bucket": BUCKET, "Key": "big/single.bin"}, BUCKET, "big/copied.bin")
    head = s3.head_object(Bucket=BUCKET, Key="big/copied.bin")
    equal(head["ContentLength"], 50 * MiB, "head_object ContentLength of the copy")
    check(head["ETag"].endswith('-7"'), "copy ETag %s: want 7 parts" % head["ETag"])
    s3.download_file(BUCKET, "big/copied.bin", down)
    equal(sha256_file(down), want, "download_file sha256 of the copy")
    os.remove(down)

    step("put_object/get_object with checksums")
    data = os.urandom(100000)
    out = s3.put_object(Bucket=BUCKET, Key="ck/sha256", Body=data, ChecksumAlgorithm="SHA256")
    sha = base64.b64encode(hashlib.sha256(data).digest()).decode()
    equal(out.get("ChecksumSHA256"), sha, "put_object ChecksumSHA256")
    head = s3.head_object(Bucket=BUCKET, Key="ck/sha256", ChecksumMode="ENABLED")
    equal(head.get("ChecksumSHA256"), sha, "head_object ChecksumSHA256")
    got = s3.get_object(Bucket=BUCKET, Key="ck/sha256", ChecksumMode="ENABLED")
    equal(got["Body"].read(), data, "get_object body (checksum validated by botocore)")
    # botocore 1.36 and later send a CRC32 by default (aws-chunked, with
    # the checksum in a trailer); older ones send none.
    s3.put_object(Bucket=BUCKET, Key="ck/default", Body=data)
    head = s3.head_object(Bucket=BUCKET, Key="ck/default", ChecksumMode="ENABLED")
    equal(head["ContentLength"], len(data), "ContentLength of a default put_object")
    if tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 36):
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        equal(head.get("ChecksumCRC32"), crc, "head_object ChecksumCRC32 of a default put_object")

    step("keys with reserved and UTF-8 characters")
    odd = sorted(["odd/a+b=c&d (1).txt", "odd/ünï/日本語.txt", "odd/percent%20not-a-space", "odd/question?mark#hash", "odd/tilde~star*'q'", "odd/semi;colon,comma:@$!"])
    for k in odd:
        s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
    for k in odd:
        equal(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read(), k.encode(), "get_object %r" % k)
        url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": k}, ExpiresIn=300)
        r = http.get(url)
        equal((r.status_code, r.content), (200, k.encode()), "presigned GET of %r" % k)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="odd/")["Contents"]]
    equal(listed, odd, "list_objects_v2 of the odd keys")
    s3.copy_object(Bucket=BUCKET, Key="odd-copy/" + odd[0], CopySource={"Bucket": BUCKET, "Key": odd[0]})
    equal(s3.get_object(Bucket=BUCKET, Key="odd-copy/" + odd[0])["Body"].read(), odd[0].encode(), "copy_object of %r" % odd[0])

    step("put_object/get_object with metadata")
    s3.put_object(
        Bucket=BUCKET,
        Key="meta/hello.txt",
        Body=b"hello, metadata",
        ContentType="text/plain; charset=utf-8",
        Metadata={"color": "blue", "Owner": "Someone Else"},
    )
    got = s3.get_object(Bucket=BUCKET, Key="meta/hello.txt")
    equal(got["Body"].read(), b"hello, metadata", "get_object body")
    equal(got["ContentType"], "text/plain; charset=utf-8", "get_object ContentType")
    equal(got["Metadata"], {"color": "blue", "owner": "Someone Else"}, "get_object Metadata (S3 lower-cases the keys)")
    head = s3.head_object(Bucket=BUCKET, Key="meta/hello.txt")
    equal(head["Metadata"], {"color": "blue", "owner": "Someone Else"}, "head_object Metadata")

    step("put_object/get_object of an empty object")
    # A client of its own: botocore before 1.43.77 can poison a pooled
    # connection after a zero-length PUT (boto/botocore#3755).
    empty = new_client()
    empty.put_object(Bucket=BUCKET, Key="meta/empty", Body=b"")
    equal(empty.get_object(Bucket=BUCKET, Key="meta/empty")["Body"].read(), b"", "empty object body")
    empty.close()

    step("presigned GET via requests")
    payload = os.urandom(3000)
    s3.put_object(Bucket=BUCKET, Key="presign/get me.bin", Body=payload)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "presign/get me.bin"}, ExpiresIn=300)
    r = http.get(url)
    equal(r.status_code, 200, "presigned GET status")
    check(r.content == payload, "presigned GET body: %d bytes, want the %d put" % (len(r.content), len(payload)))
    r = http.get(url, headers={"Range": "bytes=10-19"})
    equal((r.status_code, r.content), (206, payload[10:20]), "presigned GET with Range")

    step("presigned URL with a wrong signature")
    bad = re.sub(r"(X-Amz-Signature=)([0-9a-f])", lambda m: m.group(1) + ("1" if m.group(2) == "0" else "0"), url)
    check(bad != url, "could not tamper with %s" % url)
    r = http.get(bad)
    equal(r.status_code, 403, "tampered presigned GET status")
    equal(xml_field(r.text, "Code"), "SignatureDoesNotMatch", "tampered presigned GET error code")

    step("presigned PUT via requests")
    body = os.urandom(5000)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "presign/put.bin"}, ExpiresIn=300)
    r = http.put(url, data=body)
    equal(r.status_code, 200, "presigned PUT status")
    equal(r.headers.get("ETag"), '"%s"' % hashlib.md5(body).hexdigest(), "presigned PUT ETag")
    got = s3.get_object(Bucket=BUCKET, Key="presign/put.bin")["Body"].read()
    check(got == body, "get_object after presigned PUT: %d bytes, want the %d put" % (len(got), len(body)))
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": "presign/typed.txt", "ContentType": "text/csv"}, ExpiresIn=300
    )
    r = http.put(url, data=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"})
    equal(r.status_code, 200, "presigned PUT with a signed Content-Type")
    equal(s3.head_object(Bucket=BUCKET, Key="presign/typed.txt")["ContentType"], "text/csv", "ContentType after presigned PUT")
    r = http.put(url, data=b"x", headers={"Content-Type": "text/plain"})
    equal(r.status_code, 403, "presigned PUT with a different Content-Type than signed")
    equal(xml_field(r.text, "Code"), "SignatureDoesNotMatch", "presigned PUT with a different Content-Type: code")

    step("browser-form POST (generate_presigned_post): 204")
    post = s3.generate_presigned_post(
        BUCKET,
        "form/${filename}",
        Fields={"Content-Type": "text/plain", "x-amz-meta-origin": "form"},
        Conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-origin": "form"}],
        ExpiresIn=300,
    )
    r = http.post(post["url"], data=post["fields"], files={"file": ("note.txt", b"posted by a form\n")})
    equal(r.status_code, 204, "POST status (no success_action_status): body %r" % r.text[:300])
    got = s3.get_object(Bucket=BUCKET, Key="form/note.txt")
    equal(got["Body"].read(), b"posted by a form\n", "object uploaded by POST")
    equal(got["ContentType"], "text/plain", "ContentType from the form")
    equal(got["Metadata"], {"origin": "form"}, "Metadata from the form")

    step("browser-form POST with success_action_status 201")
    post = s3.generate_presigned_post(
        BUCKET,
        "form/created.txt",
        Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}],
        ExpiresIn=300,
    )
    r = http.post(post["url"], data=post["fields"], files={"file": ("x.txt", b"created")})
    equal(r.status_code, 201, "POST status with success_action_status=201")
    check(re.match(r"(<\?xml[^>]*>\s*)?<PostResponse[\s>]", r.text) is not None, "201 body is not a PostResponse document: %r" % r.text[:300])
    equal(xml_field(r.text, "Key"), "form/created.txt", "PostResponse Key")
    equal(xml_field(r.text, "Bucket"), BUCKET, "PostResponse Bucket")
    equal(xml_field(r.text, "ETag"), '"%s"' % hashlib.md5(b"created").hexdigest(), "PostResponse ETag")
    equal(s3.get_object(Bucket=BUCKET, Key="form/created.txt")["Body"].read(), b"created", "object uploaded by POST (201)")

    step("browser-form POST over its content-length-range")
    post = s3.generate_presigned_post(
        BUCKET, "form/too-big.bin", Conditions=[["content-length-range", 0, 10]], ExpiresIn=300
    )
    r = http.post(post["url"], data=post["fields"], files={"file": ("big.bin", b"x" * 100)})
    equal(r.status_code, 400, "POST of 100 bytes with content-length-range 0..10: status")
    equal(xml_field(r.text, "Code"), "EntityTooLarge", "POST over content-length-range: code")
    equal(error_code(s3.head_object, Bucket=BUCKET, Key="form/too-big.bin"), ("404", 404), "rejected POST left no object")

    step("list_objects_v2 paginator over 1,100 keys")
    keys = ["page/%04d" % i for i in range(1100)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode()), keys))
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="page/"))
    listed = [o["Key"] for p in pages for o in p.get("Contents", [])]
    equal(len(listed), 1100, "keys listed")
    check(listed == keys, "keys not listed in order, or some missing/duplicated")
    equal([p["KeyCount"] for p in pages], [1000, 100], "KeyCount per page (MaxKeys 1000)")
    equal([p["IsTruncated"] for p in pages], [True, False], "IsTruncated per page")
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="page/", PaginationConfig={"PageSize": 300}))
    equal([len(p.get("Contents", [])) for p in pages], [300, 300, 300, 200], "page sizes with PageSize 300")
    equal([o["Key"] for p in pages for o in p["Contents"]], keys, "keys listed with PageSize 300")
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=BUCKET, Prefix="page/", PaginationConfig={"PageSize": 400}))
    equal([o["Key"] for p in pages for o in p.get("Contents", [])], keys, "keys listed by the ListObjects (v1) paginator")

    step("error codes")
    equal(error_code(s3.get_object, Bucket=BUCKET, Key="no/such/key"), ("NoSuchKey", 404), "get_object on a missing key")
    equal(error_code(s3.list_objects_v2, Bucket=BUCKET + "-nope"), ("NoSuchBucket", 404), "list_objects_v2 on a missing bucket")
    equal(error_code(s3.put_object, Bucket=BUCKET + "-nope", Key="k", Body=b"x"), ("NoSuchBucket", 404), "put_object to a missing bucket")
    equal(error_code(s3.delete_bucket, Bucket=BUCKET), ("BucketNotEmpty", 409), "delete_bucket on a non-empty bucket")
    equal(error_code(s3.head_object, Bucket=BUCKET, Key="no/such/key"), ("404", 404), "head_object on a missing key")
    equal(error_code(s3.head_bucket, Bucket=BUCKET + "-nope"), ("404", 404), "head_bucket on a missing bucket")

    step("delete everything, delete_bucket")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            out = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": objects, "Quiet": True})
            equal(out.get("Errors", []), [], "delete_objects errors")
    equal(s3.list_objects_v2(Bucket=BUCKET)["KeyCount"], 0, "KeyCount after deleting everything")
    s3.delete_bucket(Bucket=BUCKET)
    equal(error_code(s3.head_bucket, Bucket=BUCKET), ("404", 404), "head_bucket after delete_bucket")


if __name__ == "__main__":
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="gureum-boto3-") as work:
        try:
            main(work)
        except Exception:
            traceback.print_exc()
            print("ABORT: unexpected exception", file=sys.stderr)
            sys.exit(1)
    if gureumcheck.failures:
        print("\nboto3: %d check(s) failed" % gureumcheck.failures, file=sys.stderr)
        sys.exit(1)
    print("\nPASS: boto3 (%.1fs)" % (time.time() - start))
