package docker

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/compute/docker/amibuild"
)

// The AMIs. gureum's own (built with `gureum ami build`) are always in the
// catalogue, so their ids are known before they are built and a launch
// of one not built yet fails with the command that builds it. AWS-like
// AMIs of registry images (Amazon Linux, Ubuntu) are listed when their
// image is in the Engine, or when pulling is on.

type builtAMI struct {
	kind  amibuild.Kind
	name  string
	desc  string
	owner string
	build string
	size  int32
}

func builtAMIs() []builtAMI {
	return []builtAMI{
		{amibuild.Minimal, "busybox-minimal-gureum-" + amibuild.Arch(), "gureum minimal: BusyBox and gureum's init, boots in well under a second (gureum ami build minimal)",
			"137112412989", "gureum ami build minimal", 1},
		{amibuild.Debian, "debian-12-" + amibuild.DebianArch() + "-gureum", "Debian 12 (bookworm) " + amibuild.Arch() + ", built by gureum (gureum ami build debian)",
			"136693071363", "gureum ami build debian", 8},
		{amibuild.DebianDocker, "debian-12-" + amibuild.DebianArch() + "-docker-gureum", "Debian 12 (bookworm) " + amibuild.Arch() + " with Docker Engine, built by gureum (gureum ami build debian --with-docker)",
			"136693071363", "gureum ami build debian --with-docker", 8},
	}
}

// registryAMIs are AWS-like AMIs of registry images.
func registryAMIs() []compute.Image {
	created := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	if amibuild.Arch() == "arm64" {
		return []compute.Image{
			{Name: "al2023-ami-2023.6.20250107.0-kernel-6.1-arm64", Description: "Amazon Linux 2023 AMI 2023.6.20250107.0 arm64 HVM kernel-6.1",
				Architecture: "arm64", OwnerID: "137112412989", OwnerAlias: "amazon", CreationDate: created("2025-01-07T20:38:21Z"), Ref: "amazonlinux:2023"},
			{Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115", Description: "Canonical, Ubuntu, 24.04, arm64 noble image",
				Architecture: "arm64", OwnerID: "099720109477", OwnerAlias: "amazon", CreationDate: created("2025-01-15T07:47:39Z"), Ref: "ubuntu:24.04"},
		}
	}
	return []compute.Image{
		{Name: "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64", Description: "Amazon Linux 2023 AMI 2023.6.20250107.0 x86_64 HVM kernel-6.1",
			Architecture: "x86_64", OwnerID: "137112412989", OwnerAlias: "amazon", CreationDate: created("2025-01-07T20:38:20Z"), Ref: "amazonlinux:2023"},
		{Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115", Description: "Canonical, Ubuntu, 24.04, amd64 noble image",
			Architecture: "x86_64", OwnerID: "099720109477", OwnerAlias: "amazon", CreationDate: created("2025-01-15T07:47:37Z"), Ref: "ubuntu:24.04"},
	}
}

// Images implements compute.Driver.
func (d *Driver) Images(ctx context.Context) ([]compute.Image, error) {
	var out []compute.Image
	for _, b := range builtAMIs() {
		im := compute.Image{Name: b.name, Description: b.desc, Architecture: amibuild.Arch(), OwnerID: b.owner, OwnerAlias: "amazon",
			CreationDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), VolumeSizeGiB: b.size, Ref: amibuild.Ref(b.kind)}
		if ii, err := d.c.ImageInspect(ctx, im.Ref); err == nil {
			if t, err := time.Parse(time.RFC3339, ii.Config.Labels[amibuild.LabelCreated]); err == nil {
				im.CreationDate = t
			}
		} else if !cerrdefs.IsNotFound(err) {
			return nil, engineErr(err)
		}
		out = append(out, im)
	}
	for _, im := range registryAMIs() {
		if d.cfg.Pull {
			out = append(out, im)
			continue
		}
		if _, err := d.c.ImageInspect(ctx, im.Ref); err == nil {
			out = append(out, im)
		}
	}
	return out, nil
}

// BuildHint says how to get a gureum AMI's image: the command that
// builds it.
func BuildHint(ref string) (string, bool) {
	for _, b := range builtAMIs() {
		if amibuild.Ref(b.kind) == ref {
			return b.build, true
		}
	}
	return "", false
}

// CheckImage implements compute.ImageChecker.
func (d *Driver) CheckImage(ctx context.Context, ref string) error {
	_, err := d.c.ImageInspect(ctx, ref)
	if err == nil {
		return nil
	}
	if !cerrdefs.IsNotFound(err) {
		return engineErr(err)
	}
	if hint, ok := BuildHint(ref); ok {
		return fmt.Errorf("%w: the image %s is not built yet; build it with `%s`", compute.ErrImageUnavailable, ref, hint)
	}
	if strings.HasPrefix(ref, createdImagePrefix) {
		return fmt.Errorf("%w: the image %s was removed from the Docker Engine outside gureum", compute.ErrImageUnavailable, ref)
	}
	if !d.cfg.Pull {
		return fmt.Errorf("%w: the image %s is not in the Docker Engine and pulling is off; use a gureum AMI (`gureum ami build minimal`) or `docker pull %s`", compute.ErrImageUnavailable, ref, ref)
	}
	return nil
}

// ensureImage returns ref's image, pulling it first when allowed.
func (d *Driver) ensureImage(ctx context.Context, ref string) (image.InspectResponse, error) {
	if err := d.CheckImage(ctx, ref); err != nil {
		return image.InspectResponse{}, err
	}
	ii, err := d.c.ImageInspect(ctx, ref)
	if err == nil {
		return ii, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return ii, engineErr(err)
	}
	d.pulls.Lock()
	defer d.pulls.Unlock()
	d.log.Info("docker: pulling an AMI's image", "image", ref)
	rc, err := d.c.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return ii, fmt.Errorf("%w: pulling %s: %v", compute.ErrImageUnavailable, ref, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	last := time.Time{}
	for sc.Scan() {
		var m struct {
			Status   string `json:"status"`
			Progress string `json:"progress"`
			Error    string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if m.Error != "" {
			return ii, fmt.Errorf("%w: pulling %s: %s", compute.ErrImageUnavailable, ref, m.Error)
		}
		if time.Since(last) > 2*time.Second {
			d.log.Info("docker: pull", "image", ref, "status", m.Status, "progress", m.Progress)
			last = time.Now()
		}
	}
	ii, err = d.c.ImageInspect(ctx, ref)
	return ii, engineErr(err)
}

// CreateImage implements compute.ImageCreator: the container is committed
// (stopped first and started again afterwards when o.Reboot), and its
// inner Engine's volume copied into one that belongs to the image.
func (d *Driver) CreateImage(ctx context.Context, h compute.Handle, o compute.ImageOptions) (string, error) {
	st, err := stateOf(h)
	if err != nil {
		return "", err
	}
	ref := createdImagePrefix + o.ImageID
	if _, err := d.c.ImageInspect(ctx, ref); err == nil {
		return ref, d.ensureRunning(ctx, st, o)
	}
	c, err := d.c.ContainerInspect(ctx, st.Container)
	if err != nil {
		return "", engineErr(err)
	}
	wasRunning := c.State != nil && c.State.Running
	if o.Reboot && wasRunning {
		defer d.hold(c.ID)()
		to := stopTimeout
		if err := d.c.ContainerStop(ctx, st.Container, container.StopOptions{Timeout: &to}); err != nil {
			return "", engineErr(err)
		}
	}
	changes := []string{
		"LABEL " + LabelCreatedAMI + "=" + o.ImageID,
		"LABEL " + LabelOwner + "=" + d.cfg.Owner,
		"LABEL " + amibuild.LabelName + "=" + quoteLabel(o.Name),
	}
	if st.Volume != "" {
		vol := "gureum-ami-docker-" + o.ImageID
		if _, err := d.c.VolumeCreate(ctx, volume.CreateOptions{Name: vol, Labels: map[string]string{LabelOwner: d.cfg.Owner, LabelKind: "ami-docker-data", LabelCreatedAMI: o.ImageID}}); err != nil {
			return "", engineErr(err)
		}
		if err := d.copyVolume(ctx, c.Image, st.Volume, vol); err != nil {
			return "", err
		}
		changes = append(changes, "LABEL "+LabelDockerVolume+"="+vol)
	}
	if _, err := d.c.ContainerCommit(ctx, st.Container, container.CommitOptions{Reference: ref, Pause: true, Changes: changes,
		Comment: "gureum CreateImage " + o.ImageID}); err != nil {
		return "", engineErr(err)
	}
	if o.Reboot && wasRunning {
		if err := d.c.ContainerStart(ctx, st.Container, container.StartOptions{}); err != nil {
			return "", engineErr(err)
		}
	}
	return ref, nil
}

func quoteLabel(s string) string { b, _ := json.Marshal(s); return string(b) }

// ensureRunning restarts an instance a CreateImage attempt stopped before
// it was interrupted.
func (d *Driver) ensureRunning(ctx context.Context, st state, o compute.ImageOptions) error {
	if !o.Reboot {
		return nil
	}
	c, err := d.c.ContainerInspect(ctx, st.Container)
	if err != nil || c.State == nil || c.State.Running {
		return engineErr(err)
	}
	return engineErr(d.c.ContainerStart(ctx, st.Container, container.StartOptions{}))
}

// RemoveImage implements compute.ImageCreator. Only images CreateImage
// made are removed; the Engine refuses while a container uses one.
func (d *Driver) RemoveImage(ctx context.Context, ref string) error {
	if !strings.HasPrefix(ref, createdImagePrefix) {
		return nil
	}
	ii, err := d.c.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return engineErr(err)
	}
	if ii.Config == nil || ii.Config.Labels[LabelOwner] != d.cfg.Owner {
		return nil
	}
	if _, err := d.c.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return engineErr(err)
	}
	if vol := ii.Config.Labels[LabelDockerVolume]; vol != "" {
		if err := d.c.VolumeRemove(ctx, vol, false); err != nil && !cerrdefs.IsNotFound(err) {
			return engineErr(err)
		}
	}
	return nil
}

// copyVolume copies volume src into dst faithfully (owners, modes, links,
// device nodes, extended attributes: the inner Engine's overlay2 layers
// need them all) with the init's copy-tree in a short-lived container of
// img.
func (d *Driver) copyVolume(ctx context.Context, img, src, dst string) error {
	mounts := append([]mount.Mount(nil), d.binds...)
	mounts = append(mounts,
		mount.Mount{Type: mount.TypeVolume, Source: src, Target: "/.gureum-copy/src", ReadOnly: true},
		mount.Mount{Type: mount.TypeVolume, Source: dst, Target: "/.gureum-copy/dst"})
	cfg := &container.Config{Image: img, Entrypoint: append(append([]string(nil), d.entry...), "copy-tree", "/.gureum-copy/src", "/.gureum-copy/dst"),
		Cmd: []string{}, Labels: map[string]string{LabelOwner: d.cfg.Owner, LabelKind: "copy"}}
	hc := &container.HostConfig{NetworkMode: "none", Mounts: mounts,
		CapAdd: []string{"SYS_ADMIN", "MKNOD", "CHOWN", "FOWNER", "DAC_OVERRIDE", "FSETID"}, SecurityOpt: []string{"apparmor=unconfined"}}
	resp, err := d.c.ContainerCreate(ctx, cfg, hc, nil, nil, "")
	if err != nil {
		return engineErr(err)
	}
	defer d.c.ContainerRemove(context.WithoutCancel(ctx), resp.ID, container.RemoveOptions{Force: true})
	wait, errc := d.c.ContainerWait(ctx, resp.ID, container.WaitConditionNextExit)
	if err := d.c.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return engineErr(err)
	}
	select {
	case w := <-wait:
		if w.StatusCode != 0 {
			logs, _ := d.ConsoleOutput(ctx, handleOf(state{Container: resp.ID}))
			return fmt.Errorf("docker: copying volume %s to %s failed (exit %d): %s", src, dst, w.StatusCode, strings.TrimSpace(string(logs)))
		}
	case err := <-errc:
		return engineErr(err)
	}
	_, err = d.c.VolumeInspect(ctx, dst)
	return engineErr(err)
}
