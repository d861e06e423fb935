// Package compute is the engine that makes EC2 instances real. The EC2
// API records what the user asked for (an instance pending, stopping …);
// a reconciler calls a Driver to make it so, and records the outcome.
// Drivers: none/ (API only, every transition succeeds) and docker/ (an
// instance is a container, an AMI an image).
//
// The interface follows Nomad's task drivers: a driver starts workloads
// and hands back an opaque, versioned Handle that gureum stores with the
// instance; with the handle it can find the workload again after gureum
// restarts (Inspect), tell of exits (Watcher) and list what it owns so
// that orphans are found (Lister). Optional capabilities are separate
// interfaces.
package compute

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a driver for a handle whose workload is gone.
var ErrNotFound = errors.New("compute: not found")

// ErrImageUnavailable is returned (wrapped, with a message that says how
// to get the image) when an instance's image is neither present nor
// pullable.
var ErrImageUnavailable = errors.New("compute: image unavailable")

// Spec is what an instance is started from.
type Spec struct {
	Account      string
	Region       string
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
	// PublicKeys are the key pair's public key (authorized_keys lines).
	PublicKeys []string
	// Interface, when set, is the interface a dataplane plugs into the
	// workload after each start; the instance waits for it.
	Interface string
	// Nameservers and Search make the workload's resolv.conf (the VPC's
	// resolver); empty leaves the runtime's default.
	Nameservers []string
	Search      []string
	// Env are KEY=value settings for everything in the workload.
	Env []string
	// Previous is the handle of the instance's earlier run (a start after
	// a stop), so the driver can reuse its disk.
	Previous *Handle
	// Disks are the EBS data volumes attached to the instance (the root
	// volume is the workload's own disk). A driver with Disks makes each
	// one visible in the workload before it starts.
	Disks []Disk
}

// Disk is an EBS volume attached to an instance.
type Disk struct {
	VolumeID string // vol-…
	Device   string // the device name the user gave, e.g. /dev/sdf
	// Snapshot is the snapshot the volume was created from, "" for an
	// empty one: the bytes a disk that does not exist yet starts with.
	Snapshot string
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
	OOM      bool
	Started  time.Time
	Finished time.Time
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
// same arguments (reconcilers retry after crashes). Errors of a runtime
// that does not answer SHOULD wrap reconcile.ErrUnavailable.
type Driver interface {
	// Name is the driver's name, stored in handles.
	Name() string
	// Images is the catalogue of public images the driver can boot.
	Images(ctx context.Context) ([]Image, error)
	// Start boots an instance and returns its handle. With spec.Previous
	// naming a workload that still exists, that workload (and its disk) is
	// started again.
	Start(ctx context.Context, spec Spec) (Handle, error)
	// Stop halts an instance, keeping its disk for a later Start. A
	// workload that is gone MUST give ErrNotFound.
	Stop(ctx context.Context, h Handle) error
	// Destroy removes an instance and its disk. A handle already gone
	// MUST NOT be an error.
	Destroy(ctx context.Context, h Handle) error
	// Inspect reports a workload's state; ErrNotFound when it is gone.
	Inspect(ctx context.Context, h Handle) (Status, error)
	// ConsoleOutput returns the instance's console (serial) output.
	ConsoleOutput(ctx context.Context, h Handle) ([]byte, error)
}

// Rebooter is a Driver that can restart a running workload in place
// (RebootInstances); drivers without it treat a reboot as a no-op.
type Rebooter interface {
	Reboot(ctx context.Context, h Handle) error
}

// ImageOptions are CreateImage's options.
type ImageOptions struct {
	ImageID     string // the new AMI's id
	Name        string
	Description string
	// Reboot stops a running instance before the snapshot and starts it
	// again afterwards (CreateImage without NoReboot).
	Reboot bool
}

// ImageCreator is implemented by drivers that can snapshot an instance
// into a new image (CreateImage).
type ImageCreator interface {
	// CreateImage snapshots h and returns the new image's Ref.
	CreateImage(ctx context.Context, h Handle, o ImageOptions) (string, error)
	// RemoveImage removes an image made by CreateImage. An image still in
	// use by a workload MUST give an error (the caller retries later); one
	// already gone MUST NOT.
	RemoveImage(ctx context.Context, ref string) error
}

// ImageChecker is implemented by drivers that can tell quickly, without
// downloading anything, whether an image can be booted. RunInstances asks
// it so that a launch that cannot work fails at once.
type ImageChecker interface {
	// CheckImage returns nil when ref is present or pullable, else an error
	// wrapping ErrImageUnavailable whose message says how to get it.
	CheckImage(ctx context.Context, ref string) error
}

// Disks is implemented by drivers whose EBS volumes hold real bytes.
// Every method MUST be safe to call again with the same arguments.
type Disks interface {
	// CreateDisk makes a volume's storage: the bytes of snapshot from (one
	// SnapshotDisk made; any other, or "", gives an empty disk). A disk
	// that exists already is left as it is.
	CreateDisk(ctx context.Context, volumeID, from string) error
	// DeleteDisk removes a volume's storage, detaching it from any
	// instance first. A disk already gone MUST NOT be an error.
	DeleteDisk(ctx context.Context, volumeID string) error
	// AttachDisk makes a disk visible inside an instance, whether its
	// workload runs, is stopped or does not exist yet (it then sees the
	// disk when it starts). A missing disk is created empty.
	AttachDisk(ctx context.Context, instanceID string, d Disk) error
	// DetachDisk takes a disk away from an instance; one not attached
	// MUST NOT be an error.
	DetachDisk(ctx context.Context, instanceID string, d Disk) error
	// SnapshotDisk copies a volume's bytes into a snapshot (a volume
	// without storage gives an empty snapshot).
	SnapshotDisk(ctx context.Context, volumeID, snapshotID string) error
	// DeleteSnapshot removes a snapshot's bytes; gone already is no error.
	DeleteSnapshot(ctx context.Context, snapshotID string) error
}

// Workload is one workload a driver owns, as Lister reports it.
type Workload struct {
	Account, Region, InstanceID string
	Handle                      Handle
	Status                      Status
}

// Lister is implemented by drivers that can list the workloads they own,
// so that a reconciler finds orphans and drift.
type Lister interface {
	List(ctx context.Context) ([]Workload, error)
}

// Event tells that a workload stopped running or went away.
type Event struct {
	Account, Region, InstanceID string
	Gone                        bool // removed, not just exited
}

// Watcher is implemented by drivers that tell of exits as they happen.
type Watcher interface {
	// Watch calls fn for each event until ctx ends; it reconnects by
	// itself when the runtime comes back, calling fn with a zero Event
	// (no InstanceID) so the caller re-checks everything.
	Watch(ctx context.Context, fn func(Event))
}

// NetNSer is implemented by drivers whose running workloads have a network
// namespace of their own, into which a dataplane plugs their interfaces.
type NetNSer interface {
	// NetNS returns the path of a running workload's network namespace
	// (e.g. /proc/<pid>/ns/net); a workload that is not running is an error.
	NetNS(ctx context.Context, h Handle) (string, error)
}
