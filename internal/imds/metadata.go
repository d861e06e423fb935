package imds

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// awsTime formats t as AWS does in metadata JSON: RFC 3339, UTC, whole
// seconds.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// tree is inst's metadata below a version: dynamic/, meta-data/ and
// user-data, listed bare as AWS lists them.
func (h *handler) tree(inst *Instance) *node {
	root := dirNode("", h.dynamic(inst), h.metaData(inst), userData(inst))
	root.bare = true
	return root
}

func userData(inst *Instance) *node {
	if inst.UserData == nil {
		return nil
	}
	n := textNode("user-data", string(inst.UserData))
	n.ctype = "application/octet-stream"
	return n
}

// metaData is the meta-data/ directory.
func (h *handler) metaData(inst *Instance) *node {
	return dirNode("meta-data",
		textNode("ami-id", inst.ImageID),
		textNode("ami-launch-index", strconv.Itoa(inst.LaunchIndex)),
		textNode("ami-manifest-path", "(unknown)"),
		dirNode("block-device-mapping",
			textNode("ami", rootDevice(inst)),
			textNode("root", rootDevice(inst)),
		),
		textNode("hostname", inst.PrivateDNSName),
		h.iam(inst),
		textNode("instance-action", "none"),
		textNode("instance-id", inst.InstanceID),
		textNode("instance-life-cycle", "on-demand"),
		textNode("instance-type", inst.InstanceType),
		textNode("local-hostname", inst.PrivateDNSName),
		textIf("local-ipv4", addrString(inst.PrivateIP)),
		textIf("mac", inst.MAC),
		network(inst),
		dirNode("placement",
			textNode("availability-zone", inst.AvailabilityZone),
			textNode("availability-zone-id", zoneID(inst)),
			textNode("region", inst.Region),
		),
		textIf("public-hostname", inst.PublicDNSName),
		textIf("public-ipv4", addrString(inst.PublicIP)),
		publicKeys(inst),
		textNode("reservation-id", reservationID(inst)),
		textNode("security-groups", strings.Join(inst.SecurityGroupNames, "\n")),
		dirNode("services",
			textNode("domain", domain(inst.Region)),
			textNode("partition", partition(inst.Region)),
		),
	)
}

// network is network/interfaces/macs/<mac>/, the primary interface.
func network(inst *Instance) *node {
	if inst.MAC == "" {
		return nil
	}
	var assoc *node
	if pub := addrString(inst.PublicIP); pub != "" {
		assoc = dirNode("ipv4-associations", textNode(pub, addrString(inst.PrivateIP)))
	}
	mac := dirNode(inst.MAC,
		textNode("device-number", "0"),
		textNode("interface-id", inst.InterfaceID),
		assoc,
		textNode("local-hostname", inst.PrivateDNSName),
		textIf("local-ipv4s", addrString(inst.PrivateIP)),
		textNode("mac", inst.MAC),
		textNode("owner-id", inst.AccountID),
		textIf("public-hostname", inst.PublicDNSName),
		textIf("public-ipv4s", addrString(inst.PublicIP)),
		textNode("security-group-ids", strings.Join(inst.SecurityGroupIDs, "\n")),
		textNode("security-groups", strings.Join(inst.SecurityGroupNames, "\n")),
		textNode("subnet-id", inst.SubnetID),
		textIf("subnet-ipv4-cidr-block", prefixString(inst.SubnetCIDR)),
		textNode("vpc-id", inst.VpcID),
		textIf("vpc-ipv4-cidr-block", prefixString(inst.VpcCIDR)),
		textIf("vpc-ipv4-cidr-blocks", prefixString(inst.VpcCIDR)),
	)
	return dirNode("network", dirNode("interfaces", dirNode("macs", mac)))
}

// publicKeys is public-keys/, listing "0=<key name>" for its key 0.
func publicKeys(inst *Instance) *node {
	if inst.KeyName == "" {
		return nil
	}
	key := dirNode("0", textNode("openssh-key", inst.PublicKey))
	key.listAs = "0=" + inst.KeyName
	return dirNode("public-keys", key)
}

// iam is iam/ with info and the role's credentials, for an instance with
// a profile.
func (h *handler) iam(inst *Instance) *node {
	if inst.RoleName == "" {
		return nil
	}
	info := lazyNode("info", func(ctx context.Context) ([]byte, error) {
		c, err := h.s.creds.get(ctx, h.s, inst)
		if err != nil {
			return nil, err
		}
		return awsJSON(
			kv{"Code", "Success"},
			kv{"LastUpdated", awsTime(c.lastUpdated)},
			kv{"InstanceProfileArn", inst.InstanceProfileArn},
			kv{"InstanceProfileId", inst.InstanceProfileID},
		), nil
	})
	role := lazyNode(inst.RoleName, func(ctx context.Context) ([]byte, error) {
		c, err := h.s.creds.get(ctx, h.s, inst)
		if err != nil {
			return nil, err
		}
		return awsJSON(
			kv{"Code", "Success"},
			kv{"LastUpdated", awsTime(c.lastUpdated)},
			kv{"Type", "AWS-HMAC"},
			kv{"AccessKeyId", c.AccessKeyID},
			kv{"SecretAccessKey", c.SecretAccessKey},
			kv{"Token", c.Token},
			kv{"Expiration", awsTime(c.Expiration)},
		), nil
	})
	return dirNode("iam", info, dirNode("security-credentials", role))
}

// dynamic is dynamic/ with the instance identity document (not its
// signatures: gureum has no key that anything would trust).
func (h *handler) dynamic(inst *Instance) *node {
	arch := inst.Architecture
	if arch == "" {
		arch = "x86_64"
	}
	doc := awsJSON(
		kv{"accountId", inst.AccountID},
		kv{"architecture", arch},
		kv{"availabilityZone", inst.AvailabilityZone},
		kv{"billingProducts", nil},
		kv{"devpayProductCodes", nil},
		kv{"marketplaceProductCodes", nil},
		kv{"imageId", inst.ImageID},
		kv{"instanceId", inst.InstanceID},
		kv{"instanceType", inst.InstanceType},
		kv{"kernelId", nil},
		kv{"pendingTime", awsTime(inst.LaunchTime)},
		kv{"privateIp", addrString(inst.PrivateIP)},
		kv{"ramdiskId", nil},
		kv{"region", inst.Region},
		kv{"version", "2017-09-30"},
	)
	return dirNode("dynamic", dirNode("instance-identity", textNode("document", string(doc))))
}

// kv is one member of an awsJSON object.
type kv struct {
	k string
	v any
}

// awsJSON renders an object in AWS's metadata layout: members in order,
// two spaces of indent, " : " between name and value.
func awsJSON(members ...kv) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, m := range members {
		k, _ := json.Marshal(m.k)
		v, err := json.Marshal(m.v)
		if err != nil {
			v = []byte("null")
		}
		b.WriteString("  ")
		b.Write(k)
		b.WriteString(" : ")
		b.Write(v)
		if i < len(members)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.Bytes()
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.Unmap().String()
}

func prefixString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

func rootDevice(inst *Instance) string {
	if inst.RootDeviceName != "" {
		return inst.RootDeviceName
	}
	return "/dev/xvda"
}

// reservationID is the instance's reservation, or r- and the instance
// ID's hex when it has none recorded.
func reservationID(inst *Instance) string {
	if inst.ReservationID != "" {
		return inst.ReservationID
	}
	return "r-" + strings.TrimPrefix(inst.InstanceID, "i-")
}

// zoneID is the zone's ID, or one derived from its name as AWS spells
// them: the region's abbreviation (us-east-1 → use1, ap-southeast-2 →
// apse2), "-az" and the zone letter's position (a → 1).
func zoneID(inst *Instance) string {
	if inst.AvailabilityZoneID != "" {
		return inst.AvailabilityZoneID
	}
	az := inst.AvailabilityZone
	if inst.Region == "" || len(az) != len(inst.Region)+1 || !strings.HasPrefix(az, inst.Region) {
		return ""
	}
	letter := az[len(az)-1]
	if letter < 'a' || letter > 'z' {
		return ""
	}
	var b strings.Builder
	for i, p := range strings.Split(inst.Region, "-") {
		switch {
		case i == 0:
			b.WriteString(p)
		case p == "northeast", p == "northwest", p == "southeast", p == "southwest":
			b.WriteString(p[:1] + p[5:6])
		case p == "":
		default:
			b.WriteString(p[:1])
		}
	}
	return b.String() + "-az" + strconv.Itoa(int(letter-'a')+1)
}

// partition is the region's partition.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// domain is the region's service domain.
func domain(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}
