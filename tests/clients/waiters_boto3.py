#!/usr/bin/env python3
"""waiters_boto3.py runs botocore's waiters against gureum.

Every waiter of botocore's EC2, S3 and IAM models (STS has none) whose
operation gureum serves must reach its success state, and, where the
model has failure acceptors that a user can provoke, its failure state.
A waiter whose operation gureum does not serve is listed in NOT_SERVED,
and the script checks that gureum indeed answers InvalidAction for it, so
that a newly served operation makes this script ask for its waiter. A
waiter botocore adds later fails the script until it is covered here.

Environment as lib.sh: GUREUM_ENDPOINT, GUREUM_ACCESS_KEY_ID,
GUREUM_SECRET_ACCESS_KEY; the EC2 part uses its own region
(GUREUM_WAITER_REGION, default eu-central-1). Failed checks print
"FAIL: …"; the exit status is 1 if any failed.
"""

import os
import sys
import time
import traceback
import uuid
import gureumcheck  # noqa: E402  (first: it clears the ambient AWS configuration)
from gureumcheck import ENDPOINT, fail  # noqa: E402

import boto3  # noqa: E402
import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, WaiterError  # noqa: E402

REGION = os.environ.get("GUREUM_WAITER_REGION", "eu-central-1")
session = boto3.Session(
    aws_access_key_id=os.environ.get("GUREUM_ACCESS_KEY_ID", "test"),
    aws_secret_access_key=os.environ.get("GUREUM_SECRET_ACCESS_KEY", "test"),
    region_name=REGION,
)
cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
ec2 = session.client("ec2", endpoint_url=ENDPOINT, config=cfg)
s3 = session.client("s3", endpoint_url=ENDPOINT, config=cfg, region_name="us-east-1")
iam = session.client("iam", endpoint_url=ENDPOINT, config=cfg)

# Fast polling: gureum's transitions take about a second.
FAST = {"Delay": 0.2, "MaxAttempts": 150}

# EC2 waiters whose operation gureum does not serve (yet).
NOT_SERVED = {
    "BundleTaskComplete", "ConversionTaskCancelled", "ConversionTaskCompleted", "ConversionTaskDeleted",
    "CustomerGatewayAvailable", "ExportTaskCancelled", "ExportTaskCompleted", "ImageUsageReportAvailable",
    "SecondaryNetworkCreateComplete", "SecondaryNetworkDeleteComplete", "SecondarySubnetCreateComplete",
    "SecondarySubnetDeleteComplete", "SecurityGroupVpcAssociationAssociated",
    "SecurityGroupVpcAssociationDisassociated", "SnapshotImported",
    "StoreImageTaskComplete",
    "VpcPeeringConnectionDeleted", "VpcPeeringConnectionExists", "VpnConnectionAvailable", "VpnConnectionDeleted",
}
# Waiters that cannot succeed on the instances gureum runs, as on AWS.
NOT_APPLICABLE = {
    # Linux instances have no password data, on AWS too: the waiter
    # polls until it gives up.
    "PasswordDataAvailable": "Windows instances only",
}

covered = set()


def ok(msg):
    print("ok: " + msg, flush=True)


def wait(client, name, expect="success", **kwargs):
    """Runs a waiter; expect "success" or "failure" (a failure acceptor)."""
    covered.add((client.meta.service_model.service_name, name, expect))
    w = client.get_waiter(botocore_name(name))
    start = time.time()
    try:
        w.wait(WaiterConfig=FAST, **kwargs)
    except WaiterError as e:
        if expect == "failure" and "failure state" in str(e):
            ok("%s reached its failure state as expected (%.1fs): %s" % (name, time.time() - start, e))
            return
        fail("%s: want %s, got %s" % (name, expect, e))
        return
    if expect == "failure":
        fail("%s: succeeded, want its failure state" % name)
        return
    ok("%s succeeded in %.1fs" % (name, time.time() - start))


def minimal_ami():
    imgs = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["busybox-minimal-gureum-x86_64"]}])["Images"]
    return imgs[0]["ImageId"]


def ec2_waiters():
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    wait(ec2, "VpcExists", VpcIds=[vpc])
    wait(ec2, "VpcAvailable", VpcIds=[vpc])
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    wait(ec2, "SubnetAvailable", SubnetIds=[sub])
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    wait(ec2, "InternetGatewayExists", InternetGatewayIds=[igw])
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    sg = ec2.create_security_group(GroupName="waiters", Description="waiters", VpcId=vpc)["GroupId"]
    wait(ec2, "SecurityGroupExists", GroupIds=[sg])
    key = "waiters-" + uuid.uuid4().hex[:8]
    ec2.create_key_pair(KeyName=key)
    wait(ec2, "KeyPairExists", KeyNames=[key])
    eni = ec2.create_network_interface(SubnetId=sub)["NetworkInterface"]["NetworkInterfaceId"]
    wait(ec2, "NetworkInterfaceAvailable", NetworkInterfaceIds=[eni])
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    wait(ec2, "NetworkInterfaceAvailable", "failure", NetworkInterfaceIds=[eni])

    # The "Exists" waiters retry on NotFound: one for an id made later
    # (eventual consistency) must see it appear.
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=sub, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    wait(ec2, "NatGatewayAvailable", NatGatewayIds=[nat])
    ec2.delete_nat_gateway(NatGatewayId=nat)
    wait(ec2, "NatGatewayAvailable", "failure", NatGatewayIds=[nat])
    wait(ec2, "NatGatewayDeleted", NatGatewayIds=[nat])
    ec2.release_address(AllocationId=alloc)

    ami = minimal_ami()
    ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                                      SubnetId=sub, KeyName=key, SecurityGroupIds=[sg])["Instances"]]
    wait(ec2, "InstanceExists", InstanceIds=ids)
    wait(ec2, "InstanceRunning", InstanceIds=ids)
    wait(ec2, "InstanceStatusOk", InstanceIds=ids)
    wait(ec2, "SystemStatusOk", InstanceIds=ids)
    ec2.stop_instances(InstanceIds=ids)
    wait(ec2, "InstanceStopped", InstanceIds=ids)
    img = ec2.create_image(InstanceId=ids[0], Name="waiters-" + uuid.uuid4().hex[:8])["ImageId"]
    wait(ec2, "ImageExists", ImageIds=[img])
    wait(ec2, "ImageAvailable", ImageIds=[img])
    # A running instance that is stopped fails InstanceRunning (stopping).
    ec2.start_instances(InstanceIds=ids)
    wait(ec2, "InstanceRunning", InstanceIds=ids)
    ebs_waiters(ids[0])
    spot = ec2.request_spot_instances(LaunchSpecification={"ImageId": ami, "InstanceType": "t3.micro", "SubnetId": sub})
    sir = spot["SpotInstanceRequests"][0]
    wait(ec2, "SpotInstanceRequestFulfilled", SpotInstanceRequestIds=[sir["SpotInstanceRequestId"]])
    ec2.cancel_spot_instance_requests(SpotInstanceRequestIds=[sir["SpotInstanceRequestId"]])
    ids.append(sir["InstanceId"])
    ec2.terminate_instances(InstanceIds=ids)
    wait(ec2, "InstanceRunning", "failure", InstanceIds=ids)
    wait(ec2, "InstanceTerminated", InstanceIds=ids)
    wait(ec2, "InstanceStopped", "failure", InstanceIds=ids)

    ec2.deregister_image(ImageId=img)
    ec2.delete_key_pair(KeyName=key)
    ec2.delete_security_group(GroupId=sg)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    ec2.delete_subnet(SubnetId=sub)
    ec2.delete_vpc(VpcId=vpc)

    # Waiters of operations gureum does not serve: it must say so.
    model = botocore.session.get_session().get_waiter_model("ec2")
    for name in sorted(NOT_SERVED):
        op = model.get_waiter(name).operation
        try:
            getattr(ec2, botocore_name(op))()
            fail("%s: %s answered; cover its waiter %s" % (name, op, name))
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code == "InvalidAction":
                ok("%s: %s is not served (InvalidAction)" % (name, op))
            else:
                fail("%s: %s answered %s; cover its waiter or list why not" % (name, op, code))
        except Exception as e:  # a parameter botocore requires: not served either way
            ok("%s: %s not called (%s)" % (name, op, type(e).__name__))


def ebs_waiters(instance):
    """Volume and snapshot waiters, on a volume attached to a running instance."""
    az = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["Placement"]["AvailabilityZone"]
    vol = ec2.create_volume(AvailabilityZone=az, Size=1)["VolumeId"]
    wait(ec2, "VolumeAvailable", VolumeIds=[vol])
    ec2.attach_volume(VolumeId=vol, InstanceId=instance, Device="/dev/sdf")
    wait(ec2, "VolumeInUse", VolumeIds=[vol])
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    wait(ec2, "SnapshotCompleted", SnapshotIds=[snap])
    ec2.detach_volume(VolumeId=vol)
    wait(ec2, "VolumeAvailable", VolumeIds=[vol])
    ec2.delete_volume(VolumeId=vol)
    # Deleting, then gone (InvalidVolume.NotFound): both are success.
    wait(ec2, "VolumeDeleted", VolumeIds=[vol])
    # A deleted volume fails VolumeAvailable and VolumeInUse; gureum, as
    # AWS mostly does, forgets it at once, so they see NotFound, an error
    # their acceptors do not list: the waiter stops either way.
    for name in ("VolumeAvailable", "VolumeInUse"):
        try:
            ec2.get_waiter(botocore_name(name)).wait(VolumeIds=[vol], WaiterConfig=FAST)
            fail("%s: a deleted volume succeeded" % name)
        except WaiterError as e:
            ok("%s stopped on a deleted volume: %s" % (name, e))
    ec2.delete_snapshot(SnapshotId=snap)


def botocore_name(op):
    return "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_")


def s3_waiters():
    bucket = "waiters-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=bucket)
    wait(s3, "BucketExists", Bucket=bucket)
    wait(s3, "ObjectNotExists", Bucket=bucket, Key="k")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    wait(s3, "ObjectExists", Bucket=bucket, Key="k")
    s3.delete_object(Bucket=bucket, Key="k")
    wait(s3, "ObjectNotExists", Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
    wait(s3, "BucketNotExists", Bucket=bucket)


def iam_waiters():
    name = "waiters-" + uuid.uuid4().hex[:8]
    iam.create_user(UserName=name)
    wait(iam, "UserExists", UserName=name)
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    wait(iam, "RoleExists", RoleName=name)
    pol = iam.create_policy(PolicyName=name, PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}')["Policy"]["Arn"]
    wait(iam, "PolicyExists", PolicyArn=pol)
    iam.create_instance_profile(InstanceProfileName=name)
    wait(iam, "InstanceProfileExists", InstanceProfileName=name)
    iam.delete_instance_profile(InstanceProfileName=name)
    iam.delete_policy(PolicyArn=pol)
    iam.delete_role(RoleName=name)
    iam.delete_user(UserName=name)


def check_all_covered():
    bs = botocore.session.get_session()
    for svc, client in (("ec2", ec2), ("s3", s3), ("iam", iam)):
        for name in bs.get_waiter_model(svc).waiter_names:
            if name in NOT_SERVED or name in NOT_APPLICABLE:
                continue
            if (svc, name, "success") not in covered:
                fail("%s waiter %s is not run by this script" % (svc, name))


def main():
    for part in (ec2_waiters, s3_waiters, iam_waiters):
        try:
            part()
        except Exception:
            fail("%s aborted:\n%s" % (part.__name__, traceback.format_exc()))
    check_all_covered()
    print("%d waiter checks, %d failed" % (len(covered), gureumcheck.failures), flush=True)
    sys.exit(1 if gureumcheck.failures else 0)


main()
