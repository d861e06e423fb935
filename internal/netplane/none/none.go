// Package none is the dataplane for machines that cannot run the Linux
// one (not root, no netlink): every call succeeds at once and nothing is
// made real, so that the EC2 API works as a pure API.
package none

import (
	"context"
	"fmt"
	"io"

	"github.com/gureum/gureum/internal/netplane"
)

// Dataplane is the none dataplane.
type Dataplane struct{}

var _ netplane.Dataplane = Dataplane{}

// New returns the none dataplane.
func New() Dataplane { return Dataplane{} }

// Name implements netplane.Dataplane.
func (Dataplane) Name() string { return "none" }

// EnsureVPC implements netplane.Dataplane; it does nothing.
func (Dataplane) EnsureVPC(context.Context, netplane.VPC) error { return nil }

// DeleteVPC implements netplane.Dataplane; it does nothing.
func (Dataplane) DeleteVPC(context.Context, string) error { return nil }

// EnsureSubnet implements netplane.Dataplane; it does nothing.
func (Dataplane) EnsureSubnet(context.Context, netplane.Subnet) error { return nil }

// DeleteSubnet implements netplane.Dataplane; it does nothing.
func (Dataplane) DeleteSubnet(context.Context, string, string) error { return nil }

// Plug implements netplane.Dataplane; it does nothing.
func (Dataplane) Plug(context.Context, netplane.Interface) error { return nil }

// Unplug implements netplane.Dataplane; it does nothing.
func (Dataplane) Unplug(context.Context, string, string) error { return nil }

// SetSecurityGroups implements netplane.Dataplane; it does nothing.
func (Dataplane) SetSecurityGroups(context.Context, string, []netplane.SecurityGroup, []netplane.Interface) error {
	return nil
}

// Owned implements netplane.Dataplane; the none dataplane owns nothing.
func (Dataplane) Owned(context.Context) ([]string, error) { return nil, nil }

// EnsureInternet implements netplane.Dataplane; there is no namespace.
func (Dataplane) EnsureInternet(context.Context, netplane.Internet) (string, error) { return "", nil }

// DeleteInternet implements netplane.Dataplane; it does nothing.
func (Dataplane) DeleteInternet(context.Context) error { return nil }

// SetRouting implements netplane.Dataplane; it does nothing.
func (Dataplane) SetRouting(context.Context, netplane.Routing) error { return nil }

// SetNetworkACLs implements netplane.Dataplane; it does nothing.
func (Dataplane) SetNetworkACLs(context.Context, string, map[string][]netplane.ACLEntry) error {
	return nil
}

// Listen implements netplane.Dataplane: there are no VPC networks to listen in.
func (Dataplane) Listen(_ context.Context, vpcID, _, _ string) (io.Closer, error) {
	return nil, fmt.Errorf("%w: VPC %s has no network on the none dataplane", netplane.ErrUnsupported, vpcID)
}
