package linux

import (
	"context"
	"fmt"

	"github.com/gureum/gureum/internal/netplane"
)

// EnsureInternet implements netplane.Dataplane. Not yet made real.
func (d *Dataplane) EnsureInternet(ctx context.Context, inet netplane.Internet) (string, error) {
	return "", fmt.Errorf("netplane/linux: the internet namespace is not built yet")
}

// DeleteInternet implements netplane.Dataplane.
func (d *Dataplane) DeleteInternet(ctx context.Context) error { return nil }

// SetRouting implements netplane.Dataplane. Not yet made real: only the
// local routes work.
func (d *Dataplane) SetRouting(ctx context.Context, r netplane.Routing) error { return nil }

// SetNetworkACLs implements netplane.Dataplane. Not yet made real.
func (d *Dataplane) SetNetworkACLs(ctx context.Context, vpcID string, acls map[string][]netplane.ACLEntry) error {
	return nil
}
