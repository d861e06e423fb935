package imds

import (
	"net/http"
	"strings"
	"testing"
)

const mac = "0a:1b:2c:3d:4e:5f"

// TestPaths reads every path of the tree as IMDSv1 from the full and the
// bare instance.
func TestPaths(t *testing.T) {
	const md = "/latest/meta-data/"
	const nic = md + "network/interfaces/macs/" + mac + "/"
	tests := []struct {
		name  string
		ip    string
		path  string
		code  int
		body  string
		ctype string
	}{
		{"versions", testIP, "/", 200, strings.Join(versions, "\n"), "text/plain"},
		{"latest", testIP, "/latest/", 200, "dynamic\nmeta-data\nuser-data", "text/plain"},
		{"latest no slash", testIP, "/latest", 200, "dynamic\nmeta-data\nuser-data", "text/plain"},
		{"latest without user data", otherIP, "/latest/", 200, "dynamic\nmeta-data", "text/plain"},
		{"meta-data", testIP, md, 200, strings.Join([]string{
			"ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping/",
			"hostname", "iam/", "instance-action", "instance-id", "instance-life-cycle",
			"instance-type", "local-hostname", "local-ipv4", "mac", "network/", "placement/",
			"public-hostname", "public-ipv4", "public-keys/", "reservation-id",
			"security-groups", "services/"}, "\n"), "text/plain"},
		{"meta-data no slash", testIP, "/latest/meta-data", 200, "", "text/plain"},
		{"meta-data bare", otherIP, md, 200, strings.Join([]string{
			"ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping/",
			"hostname", "instance-action", "instance-id", "instance-life-cycle",
			"instance-type", "local-hostname", "local-ipv4", "mac", "network/", "placement/",
			"reservation-id", "security-groups", "services/"}, "\n"), "text/plain"},
		{"ami-id", testIP, md + "ami-id", 200, "ami-0abcdef1234567890", "text/plain"},
		{"ami-launch-index", testIP, md + "ami-launch-index", 200, "0", "text/plain"},
		{"ami-manifest-path", testIP, md + "ami-manifest-path", 200, "(unknown)", "text/plain"},
		{"block-device-mapping", testIP, md + "block-device-mapping/", 200, "ami\nroot", "text/plain"},
		{"bdm ami", testIP, md + "block-device-mapping/ami", 200, "/dev/xvda", "text/plain"},
		{"bdm root", testIP, md + "block-device-mapping/root", 200, "/dev/xvda", "text/plain"},
		{"hostname", testIP, md + "hostname", 200, "ip-10-0-1-5.ec2.internal", "text/plain"},
		{"iam", testIP, md + "iam/", 200, "info\nsecurity-credentials/", "text/plain"},
		{"iam absent", otherIP, md + "iam/", 404, "", "text/html"},
		{"iam info", testIP, md + "iam/info", 200, `{
  "Code" : "Success",
  "LastUpdated" : "2024-05-01T12:00:00Z",
  "InstanceProfileArn" : "arn:aws:iam::123456789012:instance-profile/app",
  "InstanceProfileId" : "AIPAEXAMPLEPROFILE01"
}`, "text/plain"},
		{"security-credentials", testIP, md + "iam/security-credentials/", 200, testRole, "text/plain"},
		{"security-credentials no slash", testIP, md + "iam/security-credentials", 200, testRole, "text/plain"},
		{"role credentials", testIP, md + "iam/security-credentials/" + testRole, 200, `{
  "Code" : "Success",
  "LastUpdated" : "2024-05-01T12:00:00Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAEXAMPLE1",
  "SecretAccessKey" : "secret/app-role/1",
  "Token" : "token-1",
  "Expiration" : "2024-05-01T18:00:00Z"
}`, "text/plain"},
		{"other role", testIP, md + "iam/security-credentials/admin", 404, "", "text/html"},
		{"instance-action", testIP, md + "instance-action", 200, "none", "text/plain"},
		{"instance-id", testIP, md + "instance-id", 200, "i-0123456789abcdef0", "text/plain"},
		{"instance-id slash", testIP, md + "instance-id/", 200, "i-0123456789abcdef0", "text/plain"},
		{"instance-life-cycle", testIP, md + "instance-life-cycle", 200, "on-demand", "text/plain"},
		{"instance-type", testIP, md + "instance-type", 200, "t3.micro", "text/plain"},
		{"local-hostname", testIP, md + "local-hostname", 200, "ip-10-0-1-5.ec2.internal", "text/plain"},
		{"local-ipv4", testIP, md + "local-ipv4", 200, testIP, "text/plain"},
		{"mac", testIP, md + "mac", 200, mac, "text/plain"},
		{"network", testIP, md + "network/", 200, "interfaces/", "text/plain"},
		{"interfaces", testIP, md + "network/interfaces/", 200, "macs/", "text/plain"},
		{"macs", testIP, md + "network/interfaces/macs/", 200, mac + "/", "text/plain"},
		{"nic", testIP, nic, 200, strings.Join([]string{
			"device-number", "interface-id", "ipv4-associations/", "local-hostname",
			"local-ipv4s", "mac", "owner-id", "public-hostname", "public-ipv4s",
			"security-group-ids", "security-groups", "subnet-id", "subnet-ipv4-cidr-block",
			"vpc-id", "vpc-ipv4-cidr-block", "vpc-ipv4-cidr-blocks"}, "\n"), "text/plain"},
		{"nic bare", otherIP, md + "network/interfaces/macs/0a:1b:2c:3d:4e:60/", 200, strings.Join([]string{
			"device-number", "interface-id", "local-hostname",
			"local-ipv4s", "mac", "owner-id",
			"security-group-ids", "security-groups", "subnet-id", "subnet-ipv4-cidr-block",
			"vpc-id", "vpc-ipv4-cidr-block", "vpc-ipv4-cidr-blocks"}, "\n"), "text/plain"},
		{"device-number", testIP, nic + "device-number", 200, "0", "text/plain"},
		{"interface-id", testIP, nic + "interface-id", 200, "eni-0123456789abcdef0", "text/plain"},
		{"ipv4-associations", testIP, nic + "ipv4-associations/", 200, "203.0.113.7", "text/plain"},
		{"ipv4-association", testIP, nic + "ipv4-associations/203.0.113.7", 200, testIP, "text/plain"},
		{"nic local-hostname", testIP, nic + "local-hostname", 200, "ip-10-0-1-5.ec2.internal", "text/plain"},
		{"local-ipv4s", testIP, nic + "local-ipv4s", 200, testIP, "text/plain"},
		{"nic mac", testIP, nic + "mac", 200, mac, "text/plain"},
		{"owner-id", testIP, nic + "owner-id", 200, "123456789012", "text/plain"},
		{"nic public-hostname", testIP, nic + "public-hostname", 200, "ec2-203-0-113-7.compute-1.amazonaws.com", "text/plain"},
		{"public-ipv4s", testIP, nic + "public-ipv4s", 200, "203.0.113.7", "text/plain"},
		{"public-ipv4s absent", otherIP, md + "network/interfaces/macs/0a:1b:2c:3d:4e:60/public-ipv4s", 404, "", "text/html"},
		{"security-group-ids", testIP, nic + "security-group-ids", 200, "sg-0123456789abcdef0\nsg-0fedcba9876543210", "text/plain"},
		{"nic security-groups", testIP, nic + "security-groups", 200, "default\nweb", "text/plain"},
		{"subnet-id", testIP, nic + "subnet-id", 200, "subnet-0123456789abcdef0", "text/plain"},
		{"subnet cidr", testIP, nic + "subnet-ipv4-cidr-block", 200, "10.0.1.0/24", "text/plain"},
		{"vpc-id", testIP, nic + "vpc-id", 200, testVPC, "text/plain"},
		{"vpc cidr", testIP, nic + "vpc-ipv4-cidr-block", 200, "10.0.0.0/16", "text/plain"},
		{"vpc cidrs", testIP, nic + "vpc-ipv4-cidr-blocks", 200, "10.0.0.0/16", "text/plain"},
		{"other mac", testIP, md + "network/interfaces/macs/0a:00:00:00:00:00/", 404, "", "text/html"},
		{"placement", testIP, md + "placement/", 200, "availability-zone\navailability-zone-id\nregion", "text/plain"},
		{"availability-zone", testIP, md + "placement/availability-zone", 200, "us-east-1a", "text/plain"},
		{"availability-zone-id", testIP, md + "placement/availability-zone-id", 200, "use1-az1", "text/plain"},
		{"region", testIP, md + "placement/region", 200, "us-east-1", "text/plain"},
		{"public-hostname", testIP, md + "public-hostname", 200, "ec2-203-0-113-7.compute-1.amazonaws.com", "text/plain"},
		{"public-hostname absent", otherIP, md + "public-hostname", 404, "", "text/html"},
		{"public-ipv4", testIP, md + "public-ipv4", 200, "203.0.113.7", "text/plain"},
		{"public-ipv4 absent", otherIP, md + "public-ipv4", 404, "", "text/html"},
		{"public-keys", testIP, md + "public-keys/", 200, "0=my-key", "text/plain"},
		{"public-keys absent", otherIP, md + "public-keys/", 404, "", "text/html"},
		{"public key 0", testIP, md + "public-keys/0/", 200, "openssh-key", "text/plain"},
		{"openssh-key", testIP, md + "public-keys/0/openssh-key", 200, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample my-key", "text/plain"},
		{"reservation-id", testIP, md + "reservation-id", 200, "r-0123456789abcdef0", "text/plain"},
		{"security-groups", testIP, md + "security-groups", 200, "default\nweb", "text/plain"},
		{"services", testIP, md + "services/", 200, "domain\npartition", "text/plain"},
		{"domain", testIP, md + "services/domain", 200, "amazonaws.com", "text/plain"},
		{"partition", testIP, md + "services/partition", 200, "aws", "text/plain"},
		{"user-data", testIP, "/latest/user-data", 200, "#!/bin/sh\necho hi\n", "application/octet-stream"},
		{"user-data absent", otherIP, "/latest/user-data", 404, "", "text/html"},
		{"dynamic", testIP, "/latest/dynamic/", 200, "instance-identity/", "text/plain"},
		{"instance-identity", testIP, "/latest/dynamic/instance-identity/", 200, "document", "text/plain"},
		{"document", testIP, "/latest/dynamic/instance-identity/document", 200, `{
  "accountId" : "123456789012",
  "architecture" : "x86_64",
  "availabilityZone" : "us-east-1a",
  "billingProducts" : null,
  "devpayProductCodes" : null,
  "marketplaceProductCodes" : null,
  "imageId" : "ami-0abcdef1234567890",
  "instanceId" : "i-0123456789abcdef0",
  "instanceType" : "t3.micro",
  "kernelId" : null,
  "pendingTime" : "2024-05-01T10:00:00Z",
  "privateIp" : "10.0.1.5",
  "ramdiskId" : null,
  "region" : "us-east-1",
  "version" : "2017-09-30"
}`, "text/plain"},
		{"versioned", testIP, "/2021-07-15/meta-data/instance-id", 200, "i-0123456789abcdef0", "text/plain"},
		{"version 1.0", testIP, "/1.0/meta-data/local-ipv4", 200, testIP, "text/plain"},
		{"unknown version", testIP, "/2099-01-01/meta-data/instance-id", 404, "", "text/html"},
		{"unknown path", testIP, md + "nope", 404, "", "text/html"},
		{"below a value", testIP, md + "instance-id/x", 404, "", "text/html"},
		{"double slash", testIP, "/latest//meta-data/", 404, "", "text/html"},
		{"dot dot", testIP, "/latest/meta-data/../user-data", 404, "", "text/html"},
		{"token path as GET data", testIP, "/latest/api/", 404, "", "text/html"},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.req(http.MethodGet, tt.path, tt.ip)
			if w.Code != tt.code {
				t.Fatalf("GET %s: %d, want %d: %s", tt.path, w.Code, tt.code, w.Body)
			}
			if got := w.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			switch {
			case tt.code == http.StatusNotFound:
				if !strings.Contains(w.Body.String(), "<title>404 - Not Found</title>") {
					t.Errorf("404 body: %s", w.Body)
				}
			case tt.body != "" && w.Body.String() != tt.body:
				t.Errorf("body:\n%s\nwant:\n%s", w.Body, tt.body)
			}
		})
	}
}

func TestDirectoryWithoutSlashListsTheSame(t *testing.T) {
	f := newFixture(t)
	a := f.req(http.MethodGet, "/latest/meta-data", testIP).Body.String()
	b := f.req(http.MethodGet, "/latest/meta-data/", testIP).Body.String()
	if a != b || a == "" {
		t.Fatalf("%q != %q", a, b)
	}
}

func TestHead(t *testing.T) {
	f := newFixture(t)
	w := f.req(http.MethodHead, "/latest/meta-data/instance-id", testIP)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "19" {
		t.Fatalf("HEAD: %d %q %v", w.Code, w.Body, w.Header())
	}
	w = f.req(http.MethodHead, "/latest/nope", testIP)
	if w.Code != 404 || w.Body.Len() != 0 {
		t.Fatalf("HEAD 404: %d %q", w.Code, w.Body)
	}
}

func TestServerHeader(t *testing.T) {
	f := newFixture(t)
	if got := f.req(http.MethodGet, "/", testIP).Header().Get("Server"); got != "EC2ws" {
		t.Fatalf("Server %q", got)
	}
}

func TestZoneIDAndPartition(t *testing.T) {
	tests := []struct {
		region, az, id, partition, domain string
	}{
		{"us-east-1", "us-east-1a", "use1-az1", "aws", "amazonaws.com"},
		{"us-west-2", "us-west-2c", "usw2-az3", "aws", "amazonaws.com"},
		{"ap-southeast-2", "ap-southeast-2b", "apse2-az2", "aws", "amazonaws.com"},
		{"ap-northeast-1", "ap-northeast-1a", "apne1-az1", "aws", "amazonaws.com"},
		{"eu-central-1", "eu-central-1a", "euc1-az1", "aws", "amazonaws.com"},
		{"cn-north-1", "cn-north-1a", "cnn1-az1", "aws-cn", "amazonaws.com.cn"},
		{"us-gov-west-1", "us-gov-west-1a", "usgw1-az1", "aws-us-gov", "amazonaws.com"},
		{"us-east-1", "", "", "aws", "amazonaws.com"},
		{"us-east-1", "eu-west-1a", "", "aws", "amazonaws.com"},
	}
	for _, tt := range tests {
		inst := &Instance{Region: tt.region, AvailabilityZone: tt.az}
		if got := zoneID(inst); got != tt.id {
			t.Errorf("zoneID(%s, %s) = %q, want %q", tt.region, tt.az, got, tt.id)
		}
		if got := partition(tt.region); got != tt.partition {
			t.Errorf("partition(%s) = %q", tt.region, got)
		}
		if got := domain(tt.region); got != tt.domain {
			t.Errorf("domain(%s) = %q", tt.region, got)
		}
	}
	inst := &Instance{Region: "us-east-1", AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az6"}
	if got := zoneID(inst); got != "use1-az6" {
		t.Errorf("explicit zone ID: %q", got)
	}
}
