// Package docker is the compute driver that makes an EC2 instance a real
// Docker container and an AMI a real Docker image, over the Docker Engine
// API (the Engine's own Go client, negotiating the API version down to the
// Engine's: 1.41 for Docker 20.10).
//
// An instance is one container named after the instance id and labelled
// with gureum's owner id, account, region and instance id. Its PID 1 is
// gureum's instance init (internal/instinit): the gureum binary itself,
// copied into the data directory and bind-mounted read-only, so images need
// nothing of their own. The container's own layer is the instance's root
// disk: it survives stop and start and goes at terminate. An image with a
// Docker Engine gets a volume for the inner Engine's data, part of the
// instance's disk (carried by CreateImage, removed at terminate). EBS data
// volumes are directories of the host mounted at /mnt/NAME for device
// /dev/NAME, attachable while the instance runs (disks.go).
//
// Stop sends SIGRTMIN+3, the init's shutdown signal, so the init stops the
// services (the inner Engine first) and every process before the
// container exits: a real stop, nothing keeps running.
package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/compute/docker/amibuild"
	"github.com/gureum/gureum/internal/instinit"
	"github.com/gureum/gureum/internal/reconcile"
)

// Labels on what the driver makes.
const (
	LabelOwner    = "gureum.owner" // the gureum (data directory) that owns it
	LabelKind     = "gureum.kind"  // "instance", "docker-data"
	LabelAccount  = "gureum.account"
	LabelRegion   = "gureum.region"
	LabelInstance = "gureum.instance-id"
	// LabelUser is the AMI's default user, copied onto the container
	// (gureum ssh logs in as it).
	LabelUser = "gureum.ami.default-user"
	// LabelCreatedAMI marks an image made by CreateImage, with its AMI id.
	LabelCreatedAMI = "gureum.created-ami"
	// LabelDockerVolume names the volume that holds an image's inner
	// Docker Engine data (CreateImage of an instance with an Engine).
	LabelDockerVolume = "gureum.ami.docker-volume"
)

// Isolation is how far an instance may reach into the host.
type Isolation string

const (
	// Standard gives instances what a Docker Engine inside needs: every
	// capability but CAP_SYS_RESOURCE, no seccomp or AppArmor profile,
	// writable /sys and cgroups inside, every device cgroup rule, /dev/fuse.
	Standard Isolation = "standard"
	// Strict runs instances with Docker's default capabilities and
	// profiles; Docker inside an instance does not work.
	Strict Isolation = "strict"
)

// createdImagePrefix is the repository of images CreateImage makes.
const createdImagePrefix = "gureum/image:"

// stopTimeout is how long a stop waits for the init before SIGKILL. It is
// above the inner Engine's own 10 s per container.
const stopTimeout = 30

// Config configures the driver.
type Config struct {
	// Client talks to the Engine; nil: one from the environment
	// (DOCKER_HOST or the default socket).
	Client *client.Client
	// Owner identifies this gureum (its data directory) in labels, so two
	// gureums sharing an Engine never touch each other's containers.
	Owner string
	// Dir is where the driver keeps the init and per-instance files.
	Dir       string
	Isolation Isolation
	// InitBinary is the program mounted as every instance's init; it must
	// answer `instance-init` and `copy-tree` (see Child). Default: this
	// executable.
	InitBinary string
	// Pull lets the driver pull registry images on first launch.
	Pull   bool
	Logger *slog.Logger
}

// Driver is the Docker compute driver.
type Driver struct {
	c     *client.Client
	cfg   Config
	entry []string      // the init's argv prefix inside a container
	binds []mount.Mount // the init's mounts
	log   *slog.Logger
	pulls sync.Mutex // one pull at a time
	// busy holds the containers the driver itself is stopping and
	// starting again (reboot, CreateImage): their exit is no shutdown.
	busy sync.Map
	// diskMu orders the host mounts of EBS volumes (disks.go).
	diskMu sync.Mutex
}

// hold marks a container as being restarted by the driver until the
// returned function is called.
func (d *Driver) hold(id string) func() {
	d.busy.Store(id, true)
	return func() { d.busy.Delete(id) }
}

var (
	_ compute.Driver       = (*Driver)(nil)
	_ compute.Rebooter     = (*Driver)(nil)
	_ compute.ImageCreator = (*Driver)(nil)
	_ compute.ImageChecker = (*Driver)(nil)
	_ compute.Lister       = (*Driver)(nil)
	_ compute.Watcher      = (*Driver)(nil)
	_ compute.NetNSer      = (*Driver)(nil)
)

// NewClient returns an Engine client from the environment that negotiates
// the API version.
func NewClient() (*client.Client, error) {
	return client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
}

// Available reports whether a Docker Engine answers within timeout.
func Available(ctx context.Context, timeout time.Duration) error {
	c, err := NewClient()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = c.Ping(ctx)
	return err
}

// New returns the driver; the Engine must answer.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Isolation == "" {
		cfg.Isolation = Standard
	}
	if cfg.Isolation != Standard && cfg.Isolation != Strict {
		return nil, fmt.Errorf("docker: isolation %q: want standard or strict", cfg.Isolation)
	}
	if cfg.Owner == "" || cfg.Dir == "" {
		return nil, errors.New("docker: Owner and Dir are required")
	}
	if cfg.Client == nil {
		c, err := NewClient()
		if err != nil {
			return nil, err
		}
		cfg.Client = c
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cfg.Client.Ping(pctx); err != nil {
		return nil, fmt.Errorf("docker: the Engine does not answer: %w", err)
	}
	cfg.Client.NegotiateAPIVersion(ctx)
	if cfg.InitBinary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cfg.InitBinary = exe
	}
	d := &Driver{c: cfg.Client, cfg: cfg, log: cfg.Logger}
	var err error
	if d.entry, d.binds, err = prepareInit(cfg.InitBinary, filepath.Join(cfg.Dir, "init")); err != nil {
		return nil, fmt.Errorf("docker: preparing the instance init: %w", err)
	}
	return d, nil
}

// Client returns the driver's Engine client.
func (d *Driver) Client() *client.Client { return d.c }

// Name implements compute.Driver.
func (d *Driver) Name() string { return "docker" }

// state is what a Handle holds.
type state struct {
	Container string `json:"c"`
	Name      string `json:"n"`
	Volume    string `json:"vol,omitempty"` // the inner Engine's data
}

func handleOf(st state) compute.Handle {
	b, _ := json.Marshal(st)
	return compute.Handle{Driver: "docker", Version: 1, State: b}
}

func stateOf(h compute.Handle) (state, error) {
	var st state
	if h.Driver != "docker" {
		return st, fmt.Errorf("docker: a %s handle", h.Driver)
	}
	if err := json.Unmarshal(h.State, &st); err != nil {
		return st, fmt.Errorf("docker: handle: %w", err)
	}
	return st, nil
}

// engineErr classifies an Engine error: gone → compute.ErrNotFound, not
// answering → reconcile.ErrUnavailable.
func engineErr(err error) error {
	switch {
	case err == nil:
		return nil
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("%w: %v", compute.ErrNotFound, err)
	case client.IsErrConnectionFailed(err) || errors.Is(err, context.DeadlineExceeded) || cerrdefs.IsUnavailable(err):
		return fmt.Errorf("%w: %v", reconcile.ErrUnavailable, err)
	}
	return err
}

func (d *Driver) instanceDir(id string) string { return filepath.Join(d.cfg.Dir, "instances", id) }

func (d *Driver) labels(spec compute.Spec, kind string) map[string]string {
	return map[string]string{LabelOwner: d.cfg.Owner, LabelKind: kind, LabelAccount: spec.Account,
		LabelRegion: spec.Region, LabelInstance: spec.InstanceID}
}

// Start implements compute.Driver.
func (d *Driver) Start(ctx context.Context, spec compute.Spec) (compute.Handle, error) {
	if spec.Previous != nil {
		st, err := stateOf(*spec.Previous)
		if err != nil {
			return compute.Handle{}, err
		}
		user := ""
		if c, err := d.c.ContainerInspect(ctx, st.Container); err == nil && c.Config != nil {
			user = c.Config.Labels[LabelUser]
		}
		if err := d.writeConfig(spec, user); err != nil {
			return compute.Handle{}, err
		}
		d.prepareDisks(ctx, spec)
		err = d.c.ContainerStart(ctx, st.Container, container.StartOptions{})
		if err == nil || !cerrdefs.IsNotFound(err) {
			return *spec.Previous, engineErr(err)
		}
		return compute.Handle{}, engineErr(err)
	}
	// A container of this name is one an earlier attempt created.
	if c, err := d.c.ContainerInspect(ctx, spec.InstanceID); err == nil && c.Config != nil && c.Config.Labels[LabelOwner] == d.cfg.Owner {
		st := state{Container: c.ID, Name: spec.InstanceID, Volume: c.Config.Labels[LabelDockerVolume]}
		if err := d.writeConfig(spec, c.Config.Labels[LabelUser]); err != nil {
			return compute.Handle{}, err
		}
		if !c.State.Running {
			d.prepareDisks(ctx, spec)
			if err := d.c.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
				return compute.Handle{}, engineErr(err)
			}
		}
		return handleOf(st), nil
	} else if err != nil && !cerrdefs.IsNotFound(err) {
		return compute.Handle{}, engineErr(err)
	}
	img, err := d.ensureImage(ctx, spec.ImageRef)
	if err != nil {
		return compute.Handle{}, err
	}
	st := state{Name: spec.InstanceID}
	labels := d.labels(spec, "instance")
	if u := img.Config.Labels[amibuild.LabelDefaultUser]; u != "" {
		labels[LabelUser] = u
	}
	if err := d.writeConfig(spec, labels[LabelUser]); err != nil {
		return compute.Handle{}, err
	}
	mounts := append([]mount.Mount(nil), d.binds...)
	mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: filepath.Join(d.instanceDir(spec.InstanceID), "instance.json"),
		Target: instinit.ConfigPath, ReadOnly: true})
	if d.prepareDisks(ctx, spec) {
		// Attached volumes appear under /mnt, now and later (disks.go).
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: d.disksDir(spec.InstanceID), Target: DisksPath,
			BindOptions: &mount.BindOptions{Propagation: mount.PropagationRSlave}})
	}
	if img.Config.Labels[amibuild.LabelDocker] == "true" {
		st.Volume = "gureum-docker-" + spec.InstanceID
		labels[LabelDockerVolume] = st.Volume
		if err := d.makeDockerVolume(ctx, spec, st.Volume, img); err != nil {
			return compute.Handle{}, err
		}
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: st.Volume, Target: "/var/lib/docker"})
	}
	stopTO := stopTimeout
	cfg := &container.Config{
		Hostname:    shortHost(spec.Hostname),
		Domainname:  domainOf(spec.Hostname),
		Image:       img.ID,
		Entrypoint:  append(append([]string(nil), d.entry...), "instance-init"),
		Cmd:         []string{},
		Labels:      labels,
		StopSignal:  "SIGRTMIN+3",
		StopTimeout: &stopTO,
		Env:         []string{"container=docker"},
	}
	hc := &container.HostConfig{
		NetworkMode: "none",
		Mounts:      mounts,
		Resources:   resources(spec),
		DNS:         spec.Nameservers,
		DNSSearch:   spec.Search,
	}
	d.isolate(hc)
	resp, err := d.c.ContainerCreate(ctx, cfg, hc, nil, nil, spec.InstanceID)
	if err != nil {
		return compute.Handle{}, engineErr(err)
	}
	st.Container = resp.ID
	if err := d.c.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return compute.Handle{}, engineErr(err)
	}
	return handleOf(st), nil
}

// resources are an instance type's CPU and memory as container limits
// (CPUs capped at the host's, which the Engine requires).
func resources(spec compute.Spec) container.Resources {
	var r container.Resources
	if spec.VCPUs > 0 {
		r.NanoCPUs = int64(min(int(spec.VCPUs), runtime.NumCPU())) * 1e9
	}
	if spec.MemoryMiB > 0 {
		r.Memory = spec.MemoryMiB << 20
	}
	return r
}

// isolate applies the isolation mode to a container's host config.
func (d *Driver) isolate(hc *container.HostConfig) {
	hc.CgroupnsMode = container.CgroupnsModePrivate
	hc.Tmpfs = map[string]string{"/run": "rw,nosuid,nodev,mode=755", "/run/lock": "rw,nosuid,nodev,noexec"}
	if d.cfg.Isolation == Strict {
		return
	}
	// What a Docker Engine inside needs, short of --privileged (refused on
	// hosts whose bounding set lacks CAP_SYS_RESOURCE).
	hc.CapAdd = []string{"ALL"}
	hc.CapDrop = []string{"SYS_RESOURCE"}
	hc.SecurityOpt = []string{"seccomp=unconfined", "apparmor=unconfined"}
	// --security-opt systempaths=unconfined, which the CLI turns into
	// empty (not absent) lists.
	hc.MaskedPaths, hc.ReadonlyPaths = []string{}, []string{}
	hc.Resources.DeviceCgroupRules = []string{"a *:* rwm"}
	if _, err := os.Stat("/dev/fuse"); err == nil {
		hc.Resources.Devices = []container.DeviceMapping{{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm"}}
	}
}

func shortHost(h string) string {
	if i := strings.IndexByte(h, '.'); i > 0 {
		return h[:i]
	}
	return h
}

func domainOf(h string) string {
	if i := strings.IndexByte(h, '.'); i > 0 {
		return h[i+1:]
	}
	return ""
}

// writeConfig writes the file the init reads (instinit.Config).
func (d *Driver) writeConfig(spec compute.Spec, user string) error {
	dir := d.instanceDir(spec.InstanceID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	c := instinit.Config{InstanceID: spec.InstanceID, Hostname: spec.Hostname, PrivateIP: spec.PrivateIP, DefaultUser: user, Interface: spec.Interface, Env: spec.Env,
		PublicKeys: spec.PublicKeys, UserData: spec.UserData}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "instance.json"), b, 0o644)
}

// makeDockerVolume creates an instance's inner Engine volume, filled from
// the image's own when it has one (an AMI made from an instance).
func (d *Driver) makeDockerVolume(ctx context.Context, spec compute.Spec, name string, img image.InspectResponse) error {
	v, err := d.c.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: d.labels(spec, "docker-data")})
	if err != nil {
		return engineErr(err)
	}
	src := img.Config.Labels[LabelDockerVolume]
	if src == "" || v.Name == "" {
		return nil
	}
	return d.copyVolume(ctx, img.ID, src, name)
}

// Stop implements compute.Driver.
func (d *Driver) Stop(ctx context.Context, h compute.Handle) error {
	st, err := stateOf(h)
	if err != nil {
		return err
	}
	to := stopTimeout
	return engineErr(d.c.ContainerStop(ctx, st.Container, container.StopOptions{Timeout: &to}))
}

// Reboot implements compute.Rebooter: a restart in place.
func (d *Driver) Reboot(ctx context.Context, h compute.Handle) error {
	st, err := stateOf(h)
	if err != nil {
		return err
	}
	defer d.hold(st.Container)()
	to := stopTimeout
	return engineErr(d.c.ContainerRestart(ctx, st.Container, container.StopOptions{Timeout: &to}))
}

// Destroy implements compute.Driver: the container, its disk and its
// inner Engine volume go.
func (d *Driver) Destroy(ctx context.Context, h compute.Handle) error {
	st, err := stateOf(h)
	if err != nil {
		return err
	}
	if err := d.c.ContainerRemove(ctx, st.Container, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return engineErr(err)
	}
	if st.Volume != "" {
		if err := d.c.VolumeRemove(ctx, st.Volume, true); err != nil && !cerrdefs.IsNotFound(err) {
			return engineErr(err)
		}
	}
	if st.Name != "" {
		// Its volumes are unmounted; their bytes stay (DeleteDisk).
		if err := d.releaseDisks(st.Name); err != nil {
			return err
		}
		_ = os.RemoveAll(d.instanceDir(st.Name))
	}
	return nil
}

// Inspect implements compute.Driver.
func (d *Driver) Inspect(ctx context.Context, h compute.Handle) (compute.Status, error) {
	st, err := stateOf(h)
	if err != nil {
		return compute.Status{}, err
	}
	c, err := d.c.ContainerInspect(ctx, st.Container)
	if err != nil {
		return compute.Status{}, engineErr(err)
	}
	out := statusOf(c.State)
	if _, ok := d.busy.Load(c.ID); ok {
		out.Running = true // a restart in place, not a shutdown
	}
	return out, nil
}

func statusOf(s *container.State) compute.Status {
	if s == nil {
		return compute.Status{}
	}
	out := compute.Status{Running: s.Running || s.Restarting, ExitCode: s.ExitCode, OOM: s.OOMKilled}
	out.Started, _ = time.Parse(time.RFC3339Nano, s.StartedAt)
	out.Finished, _ = time.Parse(time.RFC3339Nano, s.FinishedAt)
	return out
}

// consoleMax is how much console output GetConsoleOutput returns: AWS
// returns the last 64 KiB.
const consoleMax = 64 << 10

// ConsoleOutput implements compute.Driver: the init's output, the last
// 64 KiB of it.
func (d *Driver) ConsoleOutput(ctx context.Context, h compute.Handle) ([]byte, error) {
	st, err := stateOf(h)
	if err != nil {
		return nil, err
	}
	rc, err := d.c.ContainerLogs(ctx, st.Container, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "4000"})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil, nil
		}
		return nil, engineErr(err)
	}
	defer rc.Close()
	var out tailBuffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return out.tail(), nil
}

// tailBuffer keeps the last consoleMax bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*consoleMax {
		t.b = append(t.b[:0], t.b[len(t.b)-consoleMax:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) tail() []byte {
	if len(t.b) > consoleMax {
		return t.b[len(t.b)-consoleMax:]
	}
	return t.b
}

// List implements compute.Lister: every instance container of this owner.
func (d *Driver) List(ctx context.Context) ([]compute.Workload, error) {
	f := filters.NewArgs(filters.Arg("label", LabelOwner+"="+d.cfg.Owner), filters.Arg("label", LabelKind+"=instance"))
	cs, err := d.c.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, engineErr(err)
	}
	out := make([]compute.Workload, 0, len(cs))
	have := map[string]bool{}
	for _, c := range cs {
		have[c.Labels[LabelInstance]] = true
	}
	d.pruneDisks(have)
	for _, c := range cs {
		id := c.Labels[LabelInstance]
		name := id
		st := state{Container: c.ID, Name: name, Volume: c.Labels[LabelDockerVolume]}
		out = append(out, compute.Workload{Account: c.Labels[LabelAccount], Region: c.Labels[LabelRegion], InstanceID: id,
			Handle: handleOf(st), Status: compute.Status{Running: c.State == "running" || c.State == "restarting"}})
	}
	return out, nil
}

// DestroyAll removes every workload, volume and created image of this
// owner (an ephemeral gureum's at exit, and tests').
func (d *Driver) DestroyAll(ctx context.Context) error {
	ws, err := d.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, w := range ws {
		errs = append(errs, d.Destroy(ctx, w.Handle))
	}
	errs = append(errs, d.unmountAllDisks())
	own := filters.NewArgs(filters.Arg("label", LabelOwner+"="+d.cfg.Owner))
	if vs, err := d.c.VolumeList(ctx, volume.ListOptions{Filters: own}); err == nil {
		for _, v := range vs.Volumes {
			errs = append(errs, engineErr(d.c.VolumeRemove(ctx, v.Name, true)))
		}
	}
	if ims, err := d.c.ImageList(ctx, image.ListOptions{Filters: own}); err == nil {
		for _, im := range ims {
			for _, tag := range im.RepoTags {
				errs = append(errs, d.RemoveImage(ctx, tag))
			}
		}
	}
	return errors.Join(errs...)
}

func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	return writeAtomic(path, mode, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// writeAtomic writes a file by a temporary file renamed over path, so
// a reader (or a container that mounts it) sees the old or the new file.
func writeAtomic(path string, mode os.FileMode, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// NetNS implements compute.NetNSer.
func (d *Driver) NetNS(ctx context.Context, h compute.Handle) (string, error) {
	st, err := stateOf(h)
	if err != nil {
		return "", err
	}
	c, err := d.c.ContainerInspect(ctx, st.Container)
	if err != nil {
		return "", engineErr(err)
	}
	if c.State == nil || !c.State.Running || c.State.Pid == 0 {
		return "", fmt.Errorf("docker: instance %s is not running", st.Name)
	}
	return fmt.Sprintf("/proc/%d/ns/net", c.State.Pid), nil
}

// Owner is the owner id the driver labels everything with.
func (d *Driver) Owner() string { return d.cfg.Owner }
