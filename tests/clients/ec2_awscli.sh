#!/usr/bin/env bash
# ec2_awscli.sh builds the classic two-tier VPC with the AWS CLI v2 and tears
# it down: VPC 10.0.0.0/16, public 10.0.1.0/24 and private 10.0.2.0/24
# subnets, an internet gateway, a public route table 0.0.0.0/0 → igw, an
# Elastic IP and a NAT gateway, a private route table 0.0.0.0/0 → nat, a
# security group for 22 and 80, a key pair and an instance in each subnet;
# then stop/start, an image and an instance from it, termination, and a
# tear-down to zero resources. Every step checks what came back.
# ec2_boto3.py does the same with boto3. See lib.sh for the environment;
# GUREUM_EC2_REGION (default eu-central-1) keeps it apart from other scripts
# sharing the server; GUREUM_AWS names the CLI binary.
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

AWS_BIN=${GUREUM_AWS:-/usr/bin/aws}
REGION=${GUREUM_EC2_REGION:-eu-central-1}
export AWS_ACCESS_KEY_ID=$GUREUM_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$GUREUM_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=$REGION AWS_REGION=$REGION
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1

aws() { "$AWS_BIN" --endpoint-url "$GUREUM_ENDPOINT" --cli-read-timeout 30 "$@"; }
q() { aws ec2 "$@" --output text; }

# wait_state WHAT CMD... polls CMD (printing a state) until it prints WHAT.
wait_state() {
	local want=$1 got=""
	shift
	for _ in $(seq 60); do
		got=$("$@")
		[[ $got == "$want" ]] && return 0
		sleep 0.5
	done
	fail "$*: state \"$got\", want \"$want\""
}

step "the default VPC"
got=$(q describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[].CidrBlock')
equal "$got" "172.31.0.0/16" "default VPC CIDR"
DEFAULT_VPC=$(q describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId')

step "VPC, subnets, internet gateway"
VPC=$(q create-vpc --cidr-block 10.0.0.0/16 --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=two-tier}]' --query Vpc.VpcId)
[[ $VPC =~ ^vpc-[0-9a-f]{17}$ ]] || fail "vpc id form: $VPC"
must_fail InvalidVpc.Range aws ec2 create-vpc --cidr-block 10.0.0.0/8
PUB=$(q create-subnet --vpc-id "$VPC" --cidr-block 10.0.1.0/24 --availability-zone "${REGION}a" --query Subnet.SubnetId)
PRIV=$(q create-subnet --vpc-id "$VPC" --cidr-block 10.0.2.0/24 --availability-zone "${REGION}b" --query Subnet.SubnetId)
got=$(q describe-subnets --subnet-ids "$PUB" --query 'Subnets[0].AvailableIpAddressCount')
equal "$got" 251 "free addresses in a /24"
aws ec2 modify-subnet-attribute --subnet-id "$PUB" --map-public-ip-on-launch
IGW=$(q create-internet-gateway --query InternetGateway.InternetGatewayId)
aws ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$VPC"

step "route tables, Elastic IP, NAT gateway"
PUB_RT=$(q create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
aws ec2 create-route --route-table-id "$PUB_RT" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW" >/dev/null
aws ec2 associate-route-table --route-table-id "$PUB_RT" --subnet-id "$PUB" >/dev/null
read -r ALLOC EIP < <(q allocate-address --domain vpc --query '[AllocationId, PublicIp]')
[[ $EIP == 198.51.100.* || $EIP == 203.0.113.* ]] || fail "Elastic IP from the documentation ranges: $EIP"
NAT=$(q create-nat-gateway --subnet-id "$PUB" --allocation-id "$ALLOC" --query NatGateway.NatGatewayId)
aws ec2 wait nat-gateway-available --nat-gateway-ids "$NAT"
PRIV_RT=$(q create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
aws ec2 create-route --route-table-id "$PRIV_RT" --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$NAT" >/dev/null
aws ec2 associate-route-table --route-table-id "$PRIV_RT" --subnet-id "$PRIV" >/dev/null
must_fail RouteAlreadyExists aws ec2 create-route --route-table-id "$PRIV_RT" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW"
got=$(q describe-route-tables --route-table-ids "$PRIV_RT" --query 'RouteTables[0].Routes[?DestinationCidrBlock==`0.0.0.0/0`].[NatGatewayId,State]')
equal "$got" "$(printf '%s\tactive' "$NAT")" "private default route"

step "security group and key pair"
SG=$(q create-security-group --group-name web --description "ssh and http" --vpc-id "$VPC" --query GroupId)
aws ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 0.0.0.0/0 >/dev/null
aws ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
must_fail InvalidPermission.Duplicate aws ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 22 --cidr 0.0.0.0/0
q create-key-pair --key-name two-tier-key --query KeyMaterial >"$WORK/key.pem"
contains "$(head -1 "$WORK/key.pem")" "-----BEGIN" "private key material"

step "instances in each subnet"
AMI=$(q describe-images --owners amazon --filters Name=architecture,Values=x86_64 --query 'sort_by(Images,&Name)[0].ImageId')
[[ $AMI =~ ^ami- ]] || fail "an amazon image: $AMI"
must_fail "different networks" aws ec2 run-instances --image-id "$AMI" --instance-type t3.micro --security-group-ids "$SG"
must_fail InvalidAMIID.NotFound aws ec2 run-instances --image-id ami-0123456789abcdef0 --instance-type t3.micro --subnet-id "$PUB"
WEB=$(q run-instances --image-id "$AMI" --instance-type t3.micro --subnet-id "$PUB" --security-group-ids "$SG" --key-name two-tier-key --query 'Instances[0].InstanceId')
APP=$(q run-instances --image-id "$AMI" --instance-type t3.small --subnet-id "$PRIV" --security-group-ids "$SG" --key-name two-tier-key --query 'Instances[0].InstanceId')
aws ec2 wait instance-running --instance-ids "$WEB" "$APP"
read -r WEB_IP WEB_PUBLIC < <(q describe-instances --instance-ids "$WEB" --query 'Reservations[0].Instances[0].[PrivateIpAddress, PublicIpAddress]')
[[ $WEB_IP == 10.0.1.* ]] || fail "web private IP $WEB_IP"
[[ $WEB_PUBLIC != None ]] || fail "web has no public IP"
got=$(q describe-instances --instance-ids "$APP" --query 'Reservations[0].Instances[0].[PrivateIpAddress, PublicIpAddress]')
[[ $got == 10.0.2.*$'\t'None ]] || fail "app addresses: $got"

step "stop and start"
aws ec2 stop-instances --instance-ids "$WEB" >/dev/null
aws ec2 wait instance-stopped --instance-ids "$WEB"
got=$(q describe-instances --instance-ids "$WEB" --query 'Reservations[0].Instances[0].[State.Name, State.Code, PrivateIpAddress, PublicIpAddress]')
equal "$got" "$(printf 'stopped\t80\t%s\tNone' "$WEB_IP")" "stopped instance"
aws ec2 start-instances --instance-ids "$WEB" >/dev/null
aws ec2 wait instance-running --instance-ids "$WEB"

step "an image and an instance from it"
IMG=$(q create-image --instance-id "$WEB" --name web-golden --query ImageId)
aws ec2 wait image-available --image-ids "$IMG"
got=$(q describe-images --owners self --query 'Images[].ImageId')
equal "$got" "$IMG" "own images"
CLONE=$(q run-instances --image-id "$IMG" --instance-type t3.micro --subnet-id "$PUB" --security-group-ids "$SG" --query 'Instances[0].InstanceId')

step "terminate and tear down to zero"
aws ec2 terminate-instances --instance-ids "$WEB" "$APP" "$CLONE" >/dev/null
aws ec2 wait instance-terminated --instance-ids "$WEB" "$APP" "$CLONE"
aws ec2 deregister-image --image-id "$IMG"
aws ec2 delete-key-pair --key-name two-tier-key >/dev/null
aws ec2 delete-nat-gateway --nat-gateway-id "$NAT" >/dev/null
wait_state deleted q describe-nat-gateways --nat-gateway-ids "$NAT" --query 'NatGateways[0].State'
aws ec2 release-address --allocation-id "$ALLOC"
aws ec2 delete-security-group --group-id "$SG"
for RT in "$PUB_RT" "$PRIV_RT"; do
	for A in $(q describe-route-tables --route-table-ids "$RT" --query 'RouteTables[0].Associations[].RouteTableAssociationId'); do
		aws ec2 disassociate-route-table --association-id "$A"
	done
	aws ec2 delete-route-table --route-table-id "$RT"
done
aws ec2 detach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$VPC"
aws ec2 delete-internet-gateway --internet-gateway-id "$IGW"
aws ec2 delete-subnet --subnet-id "$PUB"
aws ec2 delete-subnet --subnet-id "$PRIV"
aws ec2 delete-vpc --vpc-id "$VPC"
equal "$(q describe-vpcs --query 'Vpcs[].VpcId')" "$DEFAULT_VPC" "only the default VPC is left"
equal "$(q describe-addresses --query 'length(Addresses)')" 0 "no addresses left"
equal "$(q describe-key-pairs --query 'length(KeyPairs)')" 0 "no key pairs left"
equal "$(q describe-instances --filters Name=instance-state-name,Values=pending,running,stopping,stopped --query 'length(Reservations)')" 0 "no live instances"

finish "ec2 awscli"
