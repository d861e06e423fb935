#!/usr/bin/env python3
"""learner_boto3.py walks the learner story with boto3 and requests.

A new bucket is private (Block Public Access on, BucketOwnerEnforced); a
public bucket policy is refused until Block Public Access is removed; then
the object's plain URL serves anyone while a second bucket stays private.
An IAM user can do nothing until AmazonS3ReadOnlyAccess is attached, and
then only read. learner_awscli.sh walks the same story with the AWS CLI.

It reads the same environment as the shell scripts (see lib.sh):
GUREUM_ENDPOINT, GUREUM_BUCKET, GUREUM_ACCESS_KEY_ID,
GUREUM_SECRET_ACCESS_KEY and GUREUM_REGION. Failed checks are reported and
counted; the exit status is 1 if any failed.

IAM users are global to the account, so the user's name carries a suffix of
its own per run. IAM is eventually consistent on AWS (a new key or an
attachment can take seconds to apply) and immediate on gureum; the script
does not wait.
"""

import json
import os
import sys
import time
import traceback
from xml.etree import ElementTree

import gureumcheck  # noqa: E402  (first: it clears the ambient AWS configuration)
from gureumcheck import ENDPOINT, ACCESS_KEY, SECRET_KEY, step, check, equal  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

BUCKET = os.environ.get("GUREUM_BUCKET") or "learner-boto3-%d" % os.getpid()
REGION = os.environ.get("GUREUM_REGION", "us-east-1")
ACCOUNT = "000000000000"
READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
KEY = "images/cat.png"
# The PNG signature, an IHDR chunk header and a byte that is not UTF-8.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\xff"


def contains(haystack, needle, what):
    return check(haystack is not None and needle in haystack, "%s: want %r in %r" % (what, needle, haystack))


def new_client(service, key=ACCESS_KEY, secret=SECRET_KEY):
    """new_client returns a client of service against gureum with the given
    access key (the account root's by default)."""
    cfg = Config(
        region_name=REGION,
        signature_version="s3v4" if service == "s3" else None,
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=10,
        read_timeout=30,
    )
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=cfg,
    )


def error_of(fn, *args, **kwargs):
    """error_of calls fn and returns (Error.Code, Error.Message, HTTP status),
    or (None, None, None) when it succeeds."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        err = e.response.get("Error", {})
        return err.get("Code"), err.get("Message"), e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None, None


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


def main():
    s3 = new_client("s3")
    iam = new_client("iam")
    sts = new_client("sts")
    anon = requests.Session()
    anon.trust_env = False  # no proxies, no netrc: the server is on loopback
    private = BUCKET + "-private"
    user = "ide-boto3-" + os.urandom(4).hex()
    user_arn = "arn:aws:iam::%s:user/%s" % (ACCOUNT, user)
    url = "%s/%s/%s" % (ENDPOINT, BUCKET, KEY)
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::%s/*" % BUCKET,
                }
            ],
        }
    )
    print("boto3 %s, botocore %s, requests %s" % (boto3.__version__, botocore.__version__, requests.__version__))

    step("as root: create_bucket, put_object of an image")
    me = sts.get_caller_identity()
    equal((me["Account"], me["Arn"]), (ACCOUNT, "arn:aws:iam::%s:root" % ACCOUNT), "get_caller_identity as root")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=PNG, ContentType="image/png")
    head = s3.head_object(Bucket=BUCKET, Key=KEY)
    equal((head["ContentType"], head["ContentLength"]), ("image/png", len(PNG)), "head_object of the image")

    step("a new bucket is private: Block Public Access on, BucketOwnerEnforced")
    r = anon.get(url)
    equal(r.status_code, 403, "anonymous GET of a new bucket's object: status")
    equal(xml_field(r.text, "Code"), "AccessDenied", "anonymous GET of a new bucket's object: code")
    pab = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    equal(
        pab,
        {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
        "get_public_access_block of a new bucket",
    )
    rules = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    equal(rules, [{"ObjectOwnership": "BucketOwnerEnforced"}], "get_bucket_ownership_controls of a new bucket")

    step("a public bucket policy is refused while BlockPublicPolicy is on")
    code, msg, status = error_of(s3.put_bucket_policy, Bucket=BUCKET, Policy=policy)
    equal((code, status), ("AccessDenied", 403), "put_bucket_policy under BlockPublicPolicy")
    contains(msg, "because public policies are blocked by the BlockPublicPolicy block public access setting", "put_bucket_policy under BlockPublicPolicy: message")
    equal(error_of(s3.get_bucket_policy, Bucket=BUCKET)[0], "NoSuchBucketPolicy", "get_bucket_policy after the refused put")

    step("delete_public_access_block, put_bucket_policy: the object is public")
    s3.delete_public_access_block(Bucket=BUCKET)
    equal(
        error_of(s3.get_public_access_block, Bucket=BUCKET)[0],
        "NoSuchPublicAccessBlockConfiguration",
        "get_public_access_block after delete_public_access_block",
    )
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)
    stored = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    equal(stored["Statement"][0]["Resource"], "arn:aws:s3:::%s/*" % BUCKET, "get_bucket_policy Resource")
    equal(s3.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"], {"IsPublic": True}, "get_bucket_policy_status")
    r = anon.get(url)
    equal(r.status_code, 200, "anonymous GET of the public object: status")
    check(r.content == PNG, "anonymous GET of the public object: %r, want the %d bytes put" % (r.content[:40], len(PNG)))
    equal(r.headers.get("Content-Type"), "image/png", "anonymous GET of the public object: Content-Type")
    r = anon.get("%s/%s/images/missing.png" % (ENDPOINT, BUCKET))
    # The policy grants s3:GetObject but not s3:ListBucket, so S3 does not say
    # whether a key exists: 403, as for a public website's missing page.
    equal((r.status_code, xml_field(r.text, "Code")), (403, "AccessDenied"), "anonymous GET of a missing key under the public policy")
    r = anon.get("%s/%s" % (ENDPOINT, BUCKET))
    equal((r.status_code, xml_field(r.text, "Code")), (403, "AccessDenied"), "anonymous ListObjects (the policy grants GetObject only)")

    step("a second bucket beside it stays private")
    s3.create_bucket(Bucket=private)
    s3.put_object(Bucket=private, Key=KEY, Body=PNG, ContentType="image/png")
    r = anon.get("%s/%s/%s" % (ENDPOINT, private, KEY))
    equal((r.status_code, xml_field(r.text, "Code")), (403, "AccessDenied"), "anonymous GET in the private bucket")
    equal(error_of(s3.get_bucket_policy_status, Bucket=private)[0], "NoSuchBucketPolicy", "get_bucket_policy_status of the private bucket")

    step("iam create_user, create_access_key")
    equal(iam.create_user(UserName=user)["User"]["Arn"], user_arn, "create_user Arn")
    key = iam.create_access_key(UserName=user)["AccessKey"]
    equal(key["Status"], "Active", "create_access_key Status")
    check(
        key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20 and len(key["SecretAccessKey"]) == 40,
        "create_access_key: want an AKIA… id of 20 characters and a 40-character secret, got %r" % key["AccessKeyId"],
    )
    user_s3 = new_client("s3", key["AccessKeyId"], key["SecretAccessKey"])
    user_sts = new_client("sts", key["AccessKeyId"], key["SecretAccessKey"])

    step("as the user with no policy: everything is denied")
    code, msg, status = error_of(user_s3.list_buckets)
    equal((code, status), ("AccessDenied", 403), "list_buckets with no policy")
    contains(msg, "User: %s is not authorized to perform: s3:ListAllMyBuckets" % user_arn, "list_buckets with no policy: message")
    contains(msg, "because no identity-based policy allows the s3:ListAllMyBuckets action", "list_buckets with no policy: message")
    code, msg, status = error_of(user_s3.get_object, Bucket=private, Key=KEY)
    equal((code, status), ("AccessDenied", 403), "get_object with no policy")
    contains(msg, "because no identity-based policy allows the s3:GetObject action", "get_object with no policy: message")

    step("attach AmazonS3ReadOnlyAccess: the user can list and read")
    iam.attach_user_policy(UserName=user, PolicyArn=READ_ONLY)
    attached = iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    equal(attached, [{"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyArn": READ_ONLY}], "list_attached_user_policies")
    names = [b["Name"] for b in user_s3.list_buckets()["Buckets"]]
    check(BUCKET in names and private in names, "list_buckets as the read-only user: %s and %s missing from %s" % (BUCKET, private, names))
    listed = [o["Key"] for o in user_s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    equal(listed, [KEY], "list_objects_v2 as the read-only user")
    equal(user_s3.get_object(Bucket=private, Key=KEY)["Body"].read(), PNG, "get_object as the read-only user")

    step("as the read-only user: put_object is denied")
    code, msg, status = error_of(user_s3.put_object, Bucket=BUCKET, Key="images/dog.png", Body=PNG)
    equal((code, status), ("AccessDenied", 403), "put_object as the read-only user")
    contains(msg, "User: %s is not authorized to perform: s3:PutObject" % user_arn, "put_object as the read-only user: message")
    contains(msg, "because no identity-based policy allows the s3:PutObject action", "put_object as the read-only user: message")
    equal(error_of(s3.head_object, Bucket=BUCKET, Key="images/dog.png")[0], "404", "head_object of the denied put")

    step("sts get_caller_identity as the user")
    me = user_sts.get_caller_identity()
    equal((me["Account"], me["Arn"], me["UserId"]), (ACCOUNT, user_arn, iam.get_user(UserName=user)["User"]["UserId"]), "get_caller_identity as the user")

    step("clean up: detach the policy, delete the key and the user")
    equal(error_of(iam.delete_user, UserName=user)[0], "DeleteConflict", "delete_user with a key and a policy still attached")
    iam.detach_user_policy(UserName=user, PolicyArn=READ_ONLY)
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    equal(error_of(user_s3.list_buckets)[0], "InvalidAccessKeyId", "list_buckets with the deleted key")
    iam.delete_user(UserName=user)
    equal(error_of(iam.get_user, UserName=user)[0], "NoSuchEntity", "get_user after delete_user")

    step("clean up: delete the objects and the buckets")
    for b in (BUCKET, private):
        s3.delete_object(Bucket=b, Key=KEY)
        s3.delete_bucket(Bucket=b)
        equal(error_of(s3.head_bucket, Bucket=b)[0], "404", "head_bucket %s after delete_bucket" % b)


if __name__ == "__main__":
    start = time.time()
    try:
        main()
    except Exception:
        traceback.print_exc()
        print("ABORT: unexpected exception", file=sys.stderr)
        sys.exit(1)
    if gureumcheck.failures:
        print("\nlearner boto3: %d check(s) failed" % gureumcheck.failures, file=sys.stderr)
        sys.exit(1)
    print("\nPASS: learner boto3 (%.1fs)" % (time.time() - start))
