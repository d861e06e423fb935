// Package imds is the EC2 Instance Metadata Service: the HTTP endpoint at
// 169.254.169.254 from which an instance learns who it is (its ID, its
// network, its SSH key, its user data) and takes the temporary credentials
// of its IAM role.
//
// AWS answers on a link-local address inside every VPC and tells callers
// apart by their source address; gureum does the same: one Server serves
// every VPC, a listener per VPC (netplane.Dataplane.Listen) hands it the
// connections, and the caller is the instance whose private IP in that VPC
// is the connection's remote address. An address that is no instance's
// (a NAT gateway, a stray container) gets 404 for every path, token
// included: on AWS nothing but an instance can reach the service, so such
// a caller is told nothing at all, not even that the service exists.
//
// Both protocols are served as on AWS: IMDSv1 (plain GETs) and IMDSv2
// (a session token from PUT /latest/api/token, then GETs carrying it). The
// tokens are HMAC-signed with a key drawn per Server, bound to the
// instance and the VPC, and expire after the TTL the caller asked for.
// The PUT response leaves the host with the instance's hop limit as IP
// TTL, so a token cannot be fetched from further away than that.
//
// The package needs nothing of gureum beyond a Source; it never logs
// tokens or credentials.
package imds

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"
)

// ErrNoInstance is returned (wrapped) by Source.Lookup when no instance
// has the address.
var ErrNoInstance = errors.New("imds: no instance has this address")

// Instance is what the metadata tree says about one instance. Empty
// optional fields leave their paths out (404), as AWS does for an
// instance without a public IP, a key pair or an instance profile.
type Instance struct {
	InstanceID   string // i-0123456789abcdef0
	ImageID      string // ami-…
	InstanceType string // t3.micro
	// Architecture is the identity document's architecture; "" is x86_64.
	Architecture string
	// ReservationID is r-…; "" derives one from the instance ID.
	ReservationID string
	AccountID     string // owner-id and the identity document's accountId
	Region        string // us-east-1
	// AvailabilityZone is the zone's name (us-east-1a);
	// AvailabilityZoneID its ID (use1-az1), derived from the name when "".
	AvailabilityZone   string
	AvailabilityZoneID string
	LaunchIndex        int
	// RootDeviceName is the root volume's device; "" is /dev/xvda.
	RootDeviceName string

	PrivateIP      netip.Addr
	PrivateDNSName string     // ip-10-0-1-5.ec2.internal
	PublicIP       netip.Addr // zero: no public IP
	PublicDNSName  string     // "": none
	MAC            string     // 0a:1b:2c:3d:4e:5f, lower case
	InterfaceID    string     // eni-…
	SubnetID       string
	VpcID          string
	SubnetCIDR     netip.Prefix
	VpcCIDR        netip.Prefix

	SecurityGroupNames []string
	SecurityGroupIDs   []string

	KeyName   string // "": launched without a key pair
	PublicKey string // the OpenSSH line (ssh-ed25519 AAAA… name)
	UserData  []byte // nil: none (user-data is 404)

	// HttpTokens is "optional" or "required" ("" is optional).
	HttpTokens string
	// HttpPutResponseHopLimit is the IP TTL of token responses, 1 to 64
	// (0 is 1).
	HttpPutResponseHopLimit int
	// HttpEndpoint is "enabled" or "disabled" ("" is enabled).
	HttpEndpoint string

	// RoleName is the instance profile's role; "" means no profile and no
	// iam/ directory.
	RoleName           string
	InstanceProfileArn string
	InstanceProfileID  string

	LaunchTime time.Time
}

// Credentials are temporary credentials of an instance's role.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	Token           string
	Expiration      time.Time
}

// Source is where the service learns about instances. Implementations
// MUST be safe for concurrent use.
type Source interface {
	// Lookup returns the instance whose private IP in the VPC vpcID is
	// ip. It MUST return an error wrapping ErrNoInstance when there is
	// none (other errors answer 500).
	Lookup(ctx context.Context, vpcID string, ip netip.Addr) (*Instance, error)
	// Credentials returns fresh temporary credentials for inst's role
	// (inst.RoleName is not empty). The Server caches them and asks again
	// when less than RefreshBefore of their life remains, so they MUST
	// live longer than that.
	Credentials(ctx context.Context, inst *Instance) (Credentials, error)
}

// RefreshBefore is how long before their expiration cached credentials
// are replaced: AWS makes new credentials available at least five minutes
// before the old ones expire.
const RefreshBefore = 5 * time.Minute

// Option configures a Server.
type Option func(*Server)

// WithClock makes the Server read the time from now instead of time.Now,
// for tests.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithLogger sets the logger for errors of the Source (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) { s.log = l }
}
