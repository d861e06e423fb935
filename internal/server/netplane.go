package server

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/netplane"
	"github.com/gureum/gureum/internal/netplane/linux"
	netnone "github.com/gureum/gureum/internal/netplane/none"
	"github.com/gureum/gureum/internal/store"
)

// openNetplane picks and opens the VPC data plane cfg.Netplane names, and
// the internet it connects VPCs to.
func openNetplane(cfg Config, db store.Store, drv compute.Driver) (netplane.Dataplane, netplane.Internet, error) {
	mode := cfg.Netplane
	if mode == "" {
		mode = "none"
	}
	var inet netplane.Internet
	switch mode {
	case "none":
		return netnone.New(), inet, nil
	case "auto", "linux":
	default:
		return nil, inet, fmt.Errorf("netplane: %q: want auto, linux or none", mode)
	}
	if _, ok := drv.(compute.NetNSer); !ok {
		if mode == "linux" {
			return nil, inet, fmt.Errorf("netplane: linux needs instances with network namespaces (--compute docker); the %s driver has none", drv.Name())
		}
		cfg.Logger.Info("netplane: instances are not containers, so VPCs are records only (the none data plane)")
		return netnone.New(), inet, nil
	}
	owner, err := ownerID(db)
	if err != nil {
		return nil, inet, err
	}
	dp, err := linux.New(linux.Config{Prefix: "gureum-" + owner + "-", Logger: cfg.Logger})
	if err != nil {
		if mode == "linux" || !errors.Is(err, netplane.ErrUnsupported) {
			return nil, inet, fmt.Errorf("netplane: %w", err)
		}
		cfg.Logger.Info("netplane: VPCs are records only (the none data plane); run gureum as root on Linux for real networks", "reason", err)
		return netnone.New(), inet, nil
	}
	switch cfg.Internet {
	case "", "host":
		inet.Mode = netplane.InternetHost
	case "isolated":
		inet.Mode = netplane.InternetIsolated
	default:
		return nil, inet, fmt.Errorf("internet: %q: want host or isolated", cfg.Internet)
	}
	inet.Pool = cfg.PublicIPPool
	if len(inet.Pool) == 0 {
		inet.Pool = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}
	}
	cfg.Logger.Info("netplane: VPCs are Linux networks", "internet", inet.Mode, "prefix", "gureum-"+owner+"-")
	return dp, inet, nil
}

// removeNetworks removes every VPC network and the internet of a data
// plane (an ephemeral server's Close).
func removeNetworks(ctx context.Context, dp netplane.Dataplane) error {
	owned, err := dp.Owned(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range owned {
		if !strings.HasPrefix(id, "vpc-") {
			continue // the internet and other namespaces of the data plane's own
		}
		errs = append(errs, dp.DeleteVPC(ctx, id))
	}
	errs = append(errs, dp.DeleteInternet(ctx))
	return errors.Join(errs...)
}
