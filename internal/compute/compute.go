// Package compute is the engine that makes EC2 instances real. The EC2
// API records what the user asked for (an instance pending, stopping …);
// a reconciler calls a Driver to make it so, and records the outcome.
// Drivers: none/ (API only, every transition succeeds) and, later, docker/.
package compute

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a driver for a handle whose workload is gone.
var ErrNotFound = errors.New("compute: not found")

// Spec is what an instance is started from.
type Spec struct {
	InstanceID   string
	ImageRef     string // the catalogue entry's Ref, or a created image's
	InstanceType string
	Architecture string // x86_64 or arm64
	VCPUs        int32
	MemoryMiB    int64
	UserData     []byte // decoded
	Hostname     string // ip-10-0-1-5.ec2.internal
	PrivateIP    string
	PublicIP     string
	SubnetCIDR   string
	VpcID        string
	SubnetID     string
	// Previous is the handle of the instance's earlier run (a start after
	// a stop), so the driver can reuse its disk.
	Previous *Handle
}

// Handle is a driver's opaque reference to a workload, stored with the
// instance. Version lets a driver read state written by older versions.
type Handle struct {
	Driver  string `json:"driver"`
	Version int    `json:"v"`
	State   []byte `json:"state,omitempty"`
}

// Status is what Inspect reports.
type Status struct {
	Running  bool
	ExitCode int
	Started  time.Time
}

// Image is an entry of a driver's AMI catalogue.
type Image struct {
	Name            string
	Description     string
	Architecture    string // x86_64 or arm64
	OwnerID         string
	OwnerAlias      string // "amazon"
	CreationDate    time.Time
	PlatformDetails string // "Linux/UNIX"
	RootDeviceName  string // /dev/xvda
	VolumeSizeGiB   int32
	// Ref is how the driver finds the image (a container image reference).
	Ref string
}

// Driver runs instances. Every method MUST be safe to call again with the
// same arguments (reconcilers retry after crashes).
// Rebooter is a Driver that can restart a running workload in place
// (RebootInstances); drivers without it treat a reboot as a no-op.
type Rebooter interface {
	Reboot(ctx context.Context, h Handle) error
}

// Driver runs instances.
type Driver interface {
	// Name is the driver's name, stored in handles.
	Name() string
	// Images is the catalogue of public images the driver can boot.
	Images(ctx context.Context) ([]Image, error)
	// Start boots an instance and returns its handle.
	Start(ctx context.Context, spec Spec) (Handle, error)
	// Stop halts an instance, keeping its disk for a later Start.
	Stop(ctx context.Context, h Handle) error
	// Destroy removes an instance and its disk. A handle already gone
	// MUST NOT be an error.
	Destroy(ctx context.Context, h Handle) error
	// Inspect reports a workload's state; ErrNotFound when it is gone.
	Inspect(ctx context.Context, h Handle) (Status, error)
	// ConsoleOutput returns the instance's console (serial) output.
	ConsoleOutput(ctx context.Context, h Handle) ([]byte, error)
}

// ImageCreator is implemented by drivers that can snapshot an instance
// into a new image (CreateImage).
type ImageCreator interface {
	// CreateImage snapshots h and returns the new image's Ref.
	CreateImage(ctx context.Context, h Handle, name string) (string, error)
}
