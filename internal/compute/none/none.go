// Package none is the compute driver for machines without Docker: no
// workload runs, every transition succeeds at once, and the catalogue
// holds a few AWS-like public images so that the EC2 API can be used as
// it is against AWS.
package none

import (
	"context"
	"fmt"
	"time"

	"github.com/gureum/gureum/internal/compute"
)

// Driver is the none driver.
type Driver struct{}

var (
	_ compute.Driver       = Driver{}
	_ compute.ImageCreator = Driver{}
)

// New returns the none driver.
func New() Driver { return Driver{} }

// Name implements compute.Driver.
func (Driver) Name() string { return "none" }

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02T15:04:05Z", s)
	return t
}

// Catalogue is the none driver's image catalogue.
var Catalogue = []compute.Image{
	{Name: "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64", Description: "Amazon Linux 2023 AMI 2023.6.20250107.0 x86_64 HVM kernel-6.1",
		Architecture: "x86_64", OwnerID: "137112412989", OwnerAlias: "amazon", CreationDate: day("2025-01-07T20:38:20Z"), Ref: "amazonlinux:2023"},
	{Name: "al2023-ami-2023.6.20250107.0-kernel-6.1-arm64", Description: "Amazon Linux 2023 AMI 2023.6.20250107.0 arm64 HVM kernel-6.1",
		Architecture: "arm64", OwnerID: "137112412989", OwnerAlias: "amazon", CreationDate: day("2025-01-07T20:38:21Z"), Ref: "amazonlinux:2023"},
	{Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115", Description: "Canonical, Ubuntu, 24.04, amd64 noble image",
		Architecture: "x86_64", OwnerID: "099720109477", OwnerAlias: "amazon", CreationDate: day("2025-01-15T07:47:37Z"), Ref: "ubuntu:24.04"},
	{Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115", Description: "Canonical, Ubuntu, 24.04, arm64 noble image",
		Architecture: "arm64", OwnerID: "099720109477", OwnerAlias: "amazon", CreationDate: day("2025-01-15T07:47:39Z"), Ref: "ubuntu:24.04"},
	{Name: "debian-12-amd64-20250112-1992", Description: "Debian 12 (20250112-1992)",
		Architecture: "x86_64", OwnerID: "136693071363", OwnerAlias: "amazon", CreationDate: day("2025-01-12T21:55:25Z"), Ref: "debian:12"},
	{Name: "debian-12-arm64-20250112-1992", Description: "Debian 12 (20250112-1992)",
		Architecture: "arm64", OwnerID: "136693071363", OwnerAlias: "amazon", CreationDate: day("2025-01-12T21:55:26Z"), Ref: "debian:12"},
}

// Images implements compute.Driver.
func (Driver) Images(context.Context) ([]compute.Image, error) {
	out := make([]compute.Image, len(Catalogue))
	for i, im := range Catalogue {
		if im.PlatformDetails == "" {
			im.PlatformDetails = "Linux/UNIX"
		}
		if im.RootDeviceName == "" {
			im.RootDeviceName = "/dev/xvda"
		}
		if im.VolumeSizeGiB == 0 {
			im.VolumeSizeGiB = 8
		}
		out[i] = im
	}
	return out, nil
}

// Start implements compute.Driver.
func (d Driver) Start(_ context.Context, spec compute.Spec) (compute.Handle, error) {
	return compute.Handle{Driver: d.Name(), Version: 1, State: []byte(spec.InstanceID)}, nil
}

// Stop implements compute.Driver.
func (Driver) Stop(context.Context, compute.Handle) error { return nil }

// Destroy implements compute.Driver.
func (Driver) Destroy(context.Context, compute.Handle) error { return nil }

// Inspect implements compute.Driver: a none instance is always running.
func (Driver) Inspect(context.Context, compute.Handle) (compute.Status, error) {
	return compute.Status{Running: true}, nil
}

// ConsoleOutput implements compute.Driver with a short boot log.
func (Driver) ConsoleOutput(_ context.Context, h compute.Handle) ([]byte, error) {
	return fmt.Appendf(nil, "[    0.000000] Linux version 6.1.0 (gureum none driver)\r\n[    0.100000] Booting instance %s\r\ncloud-init: modules:final finished\r\n", h.State), nil
}

// CreateImage implements compute.ImageCreator.
func (Driver) CreateImage(_ context.Context, h compute.Handle, o compute.ImageOptions) (string, error) {
	return "none/" + string(h.State) + "/" + o.Name, nil
}

// RemoveImage implements compute.ImageCreator.
func (Driver) RemoveImage(context.Context, string) error { return nil }
