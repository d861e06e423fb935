#!/usr/bin/env python3
"""ec2_boto3.py builds the classic two-tier VPC with boto3 and tears it down.

A VPC 10.0.0.0/16 with a public subnet 10.0.1.0/24 and a private one
10.0.2.0/24; an internet gateway; a public route table 0.0.0.0/0 → igw; an
Elastic IP and a NAT gateway in the public subnet; a private route table
0.0.0.0/0 → nat; a security group allowing 22 and 80; a key pair; an
instance in each subnet. Then the learner's classic mistake (a group of
this VPC with no subnet, i.e. in the default VPC), stop/start (the private
IP stays, the public one goes), an image of the public instance, an
instance from that image, termination, and a tear-down to zero resources.
ec2_awscli.sh does the same with the AWS CLI.

Environment as lib.sh: GUREUM_ENDPOINT, GUREUM_ACCESS_KEY_ID,
GUREUM_SECRET_ACCESS_KEY, GUREUM_REGION (the script uses its own region so
it cannot collide with others sharing the server: GUREUM_EC2_REGION,
default eu-west-1). Failed checks are counted; the exit status is 1 if any
failed.
"""

import ipaddress
import os
import sys
import time
import traceback
import gureumcheck  # noqa: E402  (first: it clears the ambient AWS configuration)
from gureumcheck import ENDPOINT, ACCESS_KEY, SECRET_KEY, step, check, equal  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REGION = os.environ.get("GUREUM_EC2_REGION", "eu-west-1")


def error_of(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        err = e.response.get("Error", {})
        return err.get("Code"), err.get("Message")
    return None, None


def tags(resource_type, name):
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def main():
    ec2 = boto3.client(
        "ec2",
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(region_name=REGION, retries={"mode": "standard", "total_max_attempts": 1}),
    )
    fast = {"Delay": 1, "MaxAttempts": 60}

    step("the default VPC is there")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    equal(len(default), 1, "default VPCs")
    equal(default[0]["CidrBlock"], "172.31.0.0/16", "default VPC CIDR")
    default_vpc = default[0]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    equal(zones[:3], [REGION + "a", REGION + "b", REGION + "c"], "availability zones")

    step("VPC, subnets, internet gateway")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tags("vpc", "two-tier"))["Vpc"]
    vpc_id = vpc["VpcId"]
    check(vpc_id.startswith("vpc-") and len(vpc_id) == 21, "vpc id form: %s" % vpc_id)
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    public = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=zones[0], TagSpecifications=tags("subnet", "public"))["Subnet"]
    private = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone=zones[1], TagSpecifications=tags("subnet", "private"))["Subnet"]
    equal(public["AvailableIpAddressCount"], 251, "a /24 keeps 5 addresses")
    equal(error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.1.0/25")[0], "InvalidSubnet.Conflict", "overlapping subnet")
    ec2.modify_subnet_attribute(SubnetId=public["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway(TagSpecifications=tags("internet-gateway", "two-tier"))["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    equal(error_of(ec2.attach_internet_gateway, InternetGatewayId=igw, VpcId=default_vpc)[0], "Resource.AlreadyAssociated", "attaching the gateway twice")

    step("route tables, Elastic IP, NAT gateway")
    public_rt = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public["SubnetId"])
    eip = ec2.allocate_address(Domain="vpc")
    check(ipaddress.ip_address(eip["PublicIp"]) in ipaddress.ip_network("198.51.100.0/24")
          or ipaddress.ip_address(eip["PublicIp"]) in ipaddress.ip_network("203.0.113.0/24"), "EIP from the documentation ranges: %s" % eip["PublicIp"])
    nat = ec2.create_nat_gateway(SubnetId=public["SubnetId"], AllocationId=eip["AllocationId"])["NatGateway"]
    nat_id = nat["NatGatewayId"]
    equal(nat["State"], "pending", "new NAT gateway state")
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id], WaiterConfig=fast)
    private_rt = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private["SubnetId"])
    equal(error_of(ec2.create_route, RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)[0], "RouteAlreadyExists", "a second default route")
    routes = ec2.describe_route_tables(RouteTableIds=[private_rt])["RouteTables"][0]["Routes"]
    equal(sorted((r["DestinationCidrBlock"], r.get("GatewayId") or r.get("NatGatewayId"), r["State"]) for r in routes),
          [("0.0.0.0/0", nat_id, "active"), ("10.0.0.0/16", "local", "active")], "private routes")

    step("security group and key pair")
    sg = ec2.create_security_group(GroupName="web", Description="ssh and http", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ])
    equal(error_of(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])[0], "InvalidPermission.Duplicate", "the same rule twice")
    key = ec2.create_key_pair(KeyName="two-tier-key")
    check(key["KeyMaterial"].startswith("-----BEGIN"), "private key material returned")
    equal(error_of(ec2.create_key_pair, KeyName="two-tier-key")[0], "InvalidKeyPair.Duplicate", "the same key name twice")

    step("instances in each subnet")
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": ["x86_64"]}])["Images"]
    check(len(images) >= 3, "amazon x86_64 images: %d" % len(images))
    ami = sorted(images, key=lambda i: i["Name"])[0]["ImageId"]
    # The learner's mistake: this VPC's group with no subnet (the default VPC).
    code, msg = error_of(ec2.run_instances, ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1, SecurityGroupIds=[sg])
    check(code is not None and "different networks" in (msg or ""), "group of another VPC: %s %s" % (code, msg))
    equal(error_of(ec2.run_instances, ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=public["SubnetId"])[0],
          "InvalidAMIID.NotFound", "unknown image")
    web = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=public["SubnetId"], SecurityGroupIds=[sg],
                            KeyName="two-tier-key", TagSpecifications=tags("instance", "web"))["Instances"][0]
    app = ec2.run_instances(ImageId=ami, InstanceType="t3.small", MinCount=1, MaxCount=1, SubnetId=private["SubnetId"], SecurityGroupIds=[sg],
                            KeyName="two-tier-key", TagSpecifications=tags("instance", "app"))["Instances"][0]
    equal(web["State"], {"Code": 0, "Name": "pending"}, "new instance state")
    ids = [web["InstanceId"], app["InstanceId"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=fast)
    desc = {i["InstanceId"]: i for r in ec2.describe_instances(InstanceIds=ids)["Reservations"] for i in r["Instances"]}
    w, a = desc[web["InstanceId"]], desc[app["InstanceId"]]
    check(ipaddress.ip_address(w["PrivateIpAddress"]) in ipaddress.ip_network("10.0.1.0/24"), "web private IP %s" % w["PrivateIpAddress"])
    check(ipaddress.ip_address(a["PrivateIpAddress"]) in ipaddress.ip_network("10.0.2.0/24"), "app private IP %s" % a["PrivateIpAddress"])
    check("PublicIpAddress" in w, "web has a public IP (the subnet maps them)")
    check("PublicIpAddress" not in a, "app has no public IP")
    equal((w["State"]["Name"], w["State"]["Code"]), ("running", 16), "running state")

    step("stop and start keep the private IP, drop the public one")
    ec2.stop_instances(InstanceIds=[web["InstanceId"]])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[web["InstanceId"]], WaiterConfig=fast)
    stopped = ec2.describe_instances(InstanceIds=[web["InstanceId"]])["Reservations"][0]["Instances"][0]
    equal(stopped["PrivateIpAddress"], w["PrivateIpAddress"], "private IP while stopped")
    check("PublicIpAddress" not in stopped, "no public IP while stopped")
    ec2.start_instances(InstanceIds=[web["InstanceId"]])
    ec2.get_waiter("instance_running").wait(InstanceIds=[web["InstanceId"]], WaiterConfig=fast)
    started = ec2.describe_instances(InstanceIds=[web["InstanceId"]])["Reservations"][0]["Instances"][0]
    equal(started["PrivateIpAddress"], w["PrivateIpAddress"], "private IP after start")

    step("an image of the web server, and an instance from it")
    image = ec2.create_image(InstanceId=web["InstanceId"], Name="web-golden")["ImageId"]
    ec2.get_waiter("image_available").wait(ImageIds=[image], WaiterConfig=fast)
    mine = ec2.describe_images(Owners=["self"])["Images"]
    equal([i["ImageId"] for i in mine], [image], "own images")
    clone = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=public["SubnetId"], SecurityGroupIds=[sg])["Instances"][0]
    ids.append(clone["InstanceId"])

    step("terminate and tear down to zero")
    ec2.terminate_instances(InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig=fast)
    ec2.deregister_image(ImageId=image)
    ec2.delete_key_pair(KeyName="two-tier-key")
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    for _ in range(60):
        if ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleted":
            break
        time.sleep(0.5)
    equal(ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"], "deleted", "NAT gateway state")
    ec2.release_address(AllocationId=eip["AllocationId"])
    ec2.delete_security_group(GroupId=sg)
    for rt in (public_rt, private_rt):
        for assoc in ec2.describe_route_tables(RouteTableIds=[rt])["RouteTables"][0]["Associations"]:
            ec2.disassociate_route_table(AssociationId=assoc["RouteTableAssociationId"])
        ec2.delete_route_table(RouteTableId=rt)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    for s in (public, private):
        ec2.delete_subnet(SubnetId=s["SubnetId"])
    ec2.delete_vpc(VpcId=vpc_id)
    equal([v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]], [default_vpc], "only the default VPC is left")
    equal(ec2.describe_addresses()["Addresses"], [], "no addresses left")
    equal(ec2.describe_key_pairs()["KeyPairs"], [], "no key pairs left")
    live = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"] if i["State"]["Name"] != "terminated"]
    equal(live, [], "no live instances")


if __name__ == "__main__":
    start = time.time()
    try:
        main()
    except Exception:
        traceback.print_exc()
        print("ABORT: unexpected exception", file=sys.stderr)
        sys.exit(1)
    if gureumcheck.failures:
        print("\nec2 boto3: %d check(s) failed" % gureumcheck.failures, file=sys.stderr)
        sys.exit(1)
    print("\nPASS: ec2 boto3 (%.1fs)" % (time.time() - start))
