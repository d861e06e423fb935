#!/usr/bin/env python3
"""kms_boto3.py drives gureum's KMS with boto3, so every answer is parsed
by botocore's own model of KMS.

A key with a description and tags; an alias; Encrypt and Decrypt with an
encryption context (a different context is InvalidCiphertextException);
data keys; ReEncrypt; an IAM user refused by the key until IAM allows it;
a key whose policy names only that user; a grant; alias/aws/s3 listed
before it has a key; the errors of a disabled key and of one pending
deletion, each with KMS's code and HTTP 400.

It reads the same environment as the other scripts (see lib.sh):
GUREUM_ENDPOINT, GUREUM_ACCESS_KEY_ID, GUREUM_SECRET_ACCESS_KEY and
GUREUM_REGION. Failed checks are reported and counted; the exit status is
1 if any failed. IAM users are global to the account, so the user's name
carries a suffix of its own per run.
"""

import json
import os
import sys
import time
import traceback

import gureumcheck  # noqa: E402  (first: it clears the ambient AWS configuration)
from gureumcheck import ENDPOINT, ACCESS_KEY, SECRET_KEY, step, check, equal  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REGION = os.environ.get("GUREUM_REGION", "us-east-1")
ACCOUNT = "000000000000"


def new_client(service, key=ACCESS_KEY, secret=SECRET_KEY):
    cfg = Config(region_name=REGION, retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=10, read_timeout=30)
    return boto3.client(service, endpoint_url=ENDPOINT, aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)


def error_of(fn, *args, **kwargs):
    """error_of calls fn and returns (Error.Code, Error.Message, HTTP status),
    or (None, None, None) when it succeeds."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        err = e.response.get("Error", {})
        return err.get("Code"), err.get("Message"), e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None, None


def main():
    kms = new_client("kms")
    iam = new_client("iam")
    suffix = os.urandom(4).hex()

    step("a key, described by id, ARN and alias")
    key = kms.create_key(Description="boto3 key", Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]
    key_id, key_arn = key["KeyId"], key["Arn"]
    equal((key["KeyState"], key["Enabled"], key["KeySpec"], key["KeyUsage"], key["KeyManager"], key["Description"]),
          ("Enabled", True, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "CUSTOMER", "boto3 key"), "create_key metadata")
    check(hasattr(key["CreationDate"], "year"), "CreationDate parses as a timestamp: %r" % key["CreationDate"])
    alias = "alias/boto3-" + suffix
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    for ref in (key_id, key_arn, alias, "arn:aws:kms:%s:%s:%s" % (REGION, ACCOUNT, alias)):
        equal(kms.describe_key(KeyId=ref)["KeyMetadata"]["KeyId"], key_id, "describe_key %s" % ref)
    equal(kms.list_resource_tags(KeyId=key_id)["Tags"], [{"TagKey": "team", "TagValue": "a"}], "list_resource_tags")
    ids = [k["KeyId"] for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 1}) for k in page["Keys"]]
    check(key_id in ids, "list_keys (paged by 1) lists the key")
    aliases = {a["AliasName"]: a for page in kms.get_paginator("list_aliases").paginate() for a in page["Aliases"]}
    equal(aliases.get(alias, {}).get("TargetKeyId"), key_id, "list_aliases: the alias's key")
    check("alias/aws/s3" in aliases, "list_aliases shows alias/aws/s3")
    equal(error_of(kms.create_alias, AliasName="alias/aws/mine", TargetKeyId=key_id)[0], "NotAuthorizedException", "create_alias under alias/aws/")
    equal(error_of(kms.create_alias, AliasName=alias, TargetKeyId=key_id)[0], "AlreadyExistsException", "create_alias twice")

    step("encrypt and decrypt with an encryption context")
    ctx = {"purpose": "boto3", "run": suffix}
    enc = kms.encrypt(KeyId=alias, Plaintext=b"attack at dawn", EncryptionContext=ctx)
    equal(enc["KeyId"], key_arn, "encrypt: KeyId is the key's ARN")
    dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)
    equal((dec["Plaintext"], dec["KeyId"], dec["EncryptionAlgorithm"]), (b"attack at dawn", key_arn, "SYMMETRIC_DEFAULT"), "decrypt")
    code, _, status = error_of(kms.decrypt, CiphertextBlob=enc["CiphertextBlob"], EncryptionContext={"purpose": "other"})
    equal((code, status), ("InvalidCiphertextException", 400), "decrypt with another encryption context")
    equal(error_of(kms.decrypt, CiphertextBlob=b"garbage" * 8)[0], "InvalidCiphertextException", "decrypt of garbage")
    dk = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=ctx)
    equal(len(dk["Plaintext"]), 32, "generate_data_key: 32 bytes")
    equal(kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"], dk["Plaintext"], "the data key decrypts")
    check("Plaintext" not in kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16), "generate_data_key_without_plaintext has no Plaintext")
    other = kms.create_key()["KeyMetadata"]
    re = kms.re_encrypt(CiphertextBlob=enc["CiphertextBlob"], SourceEncryptionContext=ctx, DestinationKeyId=other["KeyId"])
    equal((re["SourceKeyId"], re["KeyId"]), (key_arn, other["Arn"]), "re_encrypt")
    equal(kms.decrypt(CiphertextBlob=re["CiphertextBlob"])["Plaintext"], b"attack at dawn", "decrypt after re_encrypt")
    code, msg, status = error_of(kms.describe_key, KeyId="11111111-2222-3333-4444-555555555555")
    equal((code, msg, status), ("NotFoundException", "Key 'arn:aws:kms:%s:%s:key/11111111-2222-3333-4444-555555555555' does not exist" % (REGION, ACCOUNT), 400), "describe_key of a missing key")
    equal(error_of(kms.describe_key, KeyId="nope")[:2], ("NotFoundException", "Invalid keyId 'nope'"), "describe_key of a bad id")
    equal(error_of(kms.encrypt, KeyId=key_id, Plaintext=b"")[0], "ValidationException", "encrypt of nothing")

    step("an IAM user: refused by the key until IAM allows it")
    user = "kms-boto3-" + suffix
    user_arn = "arn:aws:iam::%s:user/%s" % (ACCOUNT, user)
    iam.create_user(UserName=user)
    ak = iam.create_access_key(UserName=user)["AccessKey"]
    ukms = new_client("kms", ak["AccessKeyId"], ak["SecretAccessKey"])
    code, msg, status = error_of(ukms.decrypt, CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)
    equal((code, status), ("AccessDeniedException", 400), "decrypt as a user without a policy")
    equal(msg, "User: %s is not authorized to perform: kms:Decrypt on resource: %s because no identity-based policy allows the kms:Decrypt action" % (user_arn, key_arn), "the denial's wording")
    iam.put_user_policy(UserName=user, PolicyName="kms", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}]}))
    deadline = time.time() + 10  # immediate on gureum; AWS's IAM takes seconds
    while error_of(ukms.decrypt, CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)[0] and time.time() < deadline:
        time.sleep(0.5)
    equal(ukms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"], b"attack at dawn", "decrypt once IAM allows it")
    equal(error_of(ukms.encrypt, KeyId=key_id, Plaintext=b"x")[0], "AccessDeniedException", "encrypt is still refused")

    step("a key whose policy names only the user: IAM does not count, the root is refused")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "kms:*", "Resource": "*"}]})
    equal(error_of(kms.create_key, Policy=policy)[0], "MalformedPolicyDocumentException", "create_key that would lock its creator out")
    own = kms.create_key(Policy=policy, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
    code, msg, _ = error_of(kms.encrypt, KeyId=own["KeyId"], Plaintext=b"x")
    equal(code, "AccessDeniedException", "the root encrypting under a key that does not trust the account")
    check(msg is not None and msg.endswith("because no resource-based policy allows the kms:Encrypt action"), "the denial's wording: %r" % msg)
    equal(json.loads(ukms.get_key_policy(KeyId=own["KeyId"], PolicyName="default")["Policy"]), json.loads(policy), "get_key_policy as the user")

    step("a grant lets the user encrypt")
    grant = kms.create_grant(KeyId=key_id, GranteePrincipal=user_arn, Operations=["Encrypt"], Name="boto3")
    check(len(grant["GrantId"]) == 64 and grant["GrantToken"], "create_grant: %r" % grant)
    ukms.encrypt(KeyId=key_arn, Plaintext=b"x")
    grants = kms.list_grants(KeyId=key_id)["Grants"]
    equal([(g["GrantId"], g["GranteePrincipal"], g["Operations"]) for g in grants], [(grant["GrantId"], user_arn, ["Encrypt"])], "list_grants")
    kms.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"])
    equal(error_of(ukms.encrypt, KeyId=key_arn, Plaintext=b"x")[0], "AccessDeniedException", "encrypt after revoke_grant")

    step("a disabled key, then one pending deletion")
    kms.disable_key(KeyId=key_id)
    code, msg, status = error_of(kms.encrypt, KeyId=key_id, Plaintext=b"x")
    equal((code, msg, status), ("DisabledException", key_arn + " is disabled.", 400), "encrypt with a disabled key")
    equal(error_of(kms.decrypt, CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)[0], "DisabledException", "decrypt with a disabled key")
    kms.enable_key(KeyId=key_id)
    equal(error_of(kms.schedule_key_deletion, KeyId=key_id, PendingWindowInDays=6)[0], "ValidationException", "a waiting period of 6 days")
    sd = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    equal((sd["KeyId"], sd["KeyState"], sd["PendingWindowInDays"]), (key_arn, "PendingDeletion", 7), "schedule_key_deletion")
    check(hasattr(sd["DeletionDate"], "year"), "DeletionDate parses as a timestamp")
    code, msg, status = error_of(kms.encrypt, KeyId=key_id, Plaintext=b"x")
    equal((code, msg, status), ("KMSInvalidStateException", key_arn + " is pending deletion.", 400), "encrypt with a key pending deletion")
    equal(kms.cancel_key_deletion(KeyId=key_id)["KeyId"], key_arn, "cancel_key_deletion")
    equal(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"], "Disabled", "a key whose deletion was cancelled is disabled")

    step("clean up")
    kms.delete_alias(AliasName=alias)
    for k in (key_id, other["KeyId"]):
        kms.schedule_key_deletion(KeyId=k, PendingWindowInDays=7)
    ukms.schedule_key_deletion(KeyId=own["KeyId"], PendingWindowInDays=7)
    iam.delete_user_policy(UserName=user, PolicyName="kms")
    iam.delete_access_key(UserName=user, AccessKeyId=ak["AccessKeyId"])
    iam.delete_user(UserName=user)


if __name__ == "__main__":
    start = time.time()
    try:
        main()
    except Exception:
        traceback.print_exc()
        print("ABORT: unexpected exception", file=sys.stderr)
        sys.exit(1)
    if gureumcheck.failures:
        print("\nkms boto3: %d check(s) failed" % gureumcheck.failures, file=sys.stderr)
        sys.exit(1)
    print("\nPASS: kms boto3 (%.1fs)" % (time.time() - start))
