package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/gureum/gureum/internal/compute/docker"
	"github.com/gureum/gureum/internal/compute/docker/amibuild"
	"github.com/gureum/gureum/internal/server"
)

// TestMain lets this test binary be an instance's init: the docker driver
// mounts the running executable into every container it starts.
func TestMain(m *testing.M) {
	if code, ok := docker.Child(os.Args); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// needDocker returns an Engine client, skipping the test where no Engine
// answers (failing it in CI, where the tests must run).
func needDocker(t testing.TB) *client.Client {
	t.Helper()
	if err := docker.Available(context.Background(), 3*time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs a Docker Engine: %v", err)
		}
		t.Skipf("no Docker Engine: %v", err)
	}
	c, err := docker.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// needAMI makes sure the image of a gureum AMI exists: minimal is built
// when missing (seconds); a Debian one must have been built (by .ci/run
// in CI, by `gureum ami build debian [--with-docker]` elsewhere).
func needAMI(t testing.TB, c *client.Client, k amibuild.Kind) {
	t.Helper()
	ok, err := amibuild.Present(context.Background(), c, k)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		return
	}
	if k == amibuild.Minimal {
		if _, err := amibuild.Build(context.Background(), c, k, amibuild.Options{}); err != nil {
			t.Fatalf("building the minimal AMI: %v", err)
		}
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI needs the %s AMI (.ci/run builds it)", k)
	}
	t.Skipf("the %s AMI is not built (gureum ami build debian …)", k)
}

// dockerEnv is a gureum whose instances are containers.
type dockerEnv struct {
	*testEnv
	Docker *client.Client
	Driver *docker.Driver
	EC2    *ec2.Client
}

// newDockerEnv starts gureum with the docker driver in dir (a new
// temporary one when ""). Everything the server's owner made is removed
// when the test ends, and the test fails if anything was left behind.
func newDockerEnv(t *testing.T, dir string, mut ...func(*server.Config)) *dockerEnv {
	t.Helper()
	c := needDocker(t)
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := server.Config{DataDir: dir, Compute: "docker"}
	for _, m := range mut {
		m(&cfg)
	}
	e := newEnvWith(t, cfg)
	d, ok := e.srv.Compute.(*docker.Driver)
	if !ok {
		t.Fatalf("compute driver %s, want docker", e.srv.Compute.Name())
	}
	owner := d.Owner()
	t.Cleanup(func() { cleanupOwner(t, c, owner) })
	return &dockerEnv{testEnv: e, Docker: c, Driver: d, EC2: e.ec2("test", "test")}
}

// cleanupOwner removes every container, volume and image labelled with
// owner, and fails the test if a container or volume had been left by
// gureum after the test's own terminations.
func cleanupOwner(t testing.TB, c *client.Client, owner string) {
	ctx := context.Background()
	f := filters.NewArgs(filters.Arg("label", docker.LabelOwner+"="+owner))
	cs, _ := c.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	for _, k := range cs {
		_ = c.ContainerRemove(ctx, k.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	}
	vs, _ := c.VolumeList(ctx, volume.ListOptions{Filters: f})
	for _, v := range vs.Volumes {
		_ = c.VolumeRemove(ctx, v.Name, true)
	}
	ims, _ := c.ImageList(ctx, image.ListOptions{Filters: f})
	for _, im := range ims {
		_, _ = c.ImageRemove(ctx, im.ID, image.RemoveOptions{Force: true, PruneChildren: true})
	}
	// The owner's mount-point directories, once empty (never recursively:
	// a directory still mounted holds a volume's bytes).
	root := filepath.Join("/run/gureum/disks", owner)
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			_ = os.Remove(filepath.Join(root, e.Name()))
		}
		_ = os.Remove(root)
	}
}

// leftovers lists what of owner's is still in the Engine.
func leftovers(t testing.TB, c *client.Client, owner string) []string {
	t.Helper()
	ctx := context.Background()
	f := filters.NewArgs(filters.Arg("label", docker.LabelOwner+"="+owner))
	var out []string
	cs, err := c.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range cs {
		out = append(out, "container "+strings.Join(k.Names, ","))
	}
	vs, err := c.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Volumes {
		out = append(out, "volume "+v.Name)
	}
	ims, err := c.ImageList(ctx, image.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range ims {
		out = append(out, "image "+strings.Join(im.RepoTags, ","))
	}
	return out
}

// amiByName finds an amazon AMI by its name.
func amiByName(t testing.TB, c *ec2.Client, name string) string {
	t.Helper()
	out, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{name}}}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("AMI %s: %+v %v", name, out, err)
	}
	return *out.Images[0].ImageId
}

func minimalAMI(t testing.TB, e *dockerEnv) string {
	t.Helper()
	needAMI(t, e.Docker, amibuild.Minimal)
	return amiByName(t, e.EC2, "busybox-minimal-gureum-x86_64")
}

// launch runs n instances of ami and waits until they run.
func (e *dockerEnv) launch(t *testing.T, in *ec2.RunInstancesInput) []string {
	t.Helper()
	if in.InstanceType == "" {
		in.InstanceType = ec2types.InstanceTypeT3Micro
	}
	if in.MinCount == nil {
		in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(1)
	}
	out, err := e.EC2.RunInstances(ctx(), in)
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, *i.InstanceId)
	}
	waitRunning(t, e.EC2, ids...)
	return ids
}

// instance describes one instance.
func (e *dockerEnv) instance(t testing.TB, id string) ec2types.Instance {
	t.Helper()
	return describeOne(t, e.EC2, id)
}

// describeOne is one instance as DescribeInstances shows it.
func describeOne(t testing.TB, c *ec2.Client, id string) ec2types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 {
		t.Fatalf("DescribeInstances %s: %+v %v", id, out, err)
	}
	return out.Reservations[0].Instances[0]
}

// waitState polls until the instance is in state (or the time is up).
func (e *dockerEnv) waitState(t testing.TB, id string, state ec2types.InstanceStateName, within time.Duration) ec2types.Instance {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		inst := e.instance(t, id)
		if inst.State.Name == state {
			return inst
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is %s after %s, want %s (reason %v)", id, inst.State.Name, within, state, aws.ToString(inst.StateTransitionReason))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sh runs a shell command in a running instance (as gureum ssh does) and
// returns its output and exit code.
func (e *dockerEnv) sh(t testing.TB, id, cmd string) (string, int) {
	t.Helper()
	return e.shIn(t, id, cmd, nil)
}

func (e *dockerEnv) shIn(t testing.TB, id, cmd string, stdin []byte) (string, int) {
	t.Helper()
	return e.execAs(t, id, "root", cmd, stdin)
}

// execAs runs a shell command in a running instance as user.
func (e *dockerEnv) execAs(t testing.TB, id, user, cmd string, stdin []byte) (string, int) {
	t.Helper()
	var out bytes.Buffer
	o := docker.ExecOptions{User: user, Command: []string{cmd}, Stdout: &out, Stderr: &out}
	if stdin != nil {
		o.Stdin = bytes.NewReader(stdin)
	}
	code, err := docker.Exec(context.Background(), e.Docker, id, o)
	if err != nil {
		t.Fatalf("exec %q in %s: %v", cmd, id, err)
	}
	return out.String(), code
}

// must runs cmd and fails the test unless it exits 0.
func (e *dockerEnv) must(t testing.TB, id, cmd string) string {
	t.Helper()
	out, code := e.sh(t, id, cmd)
	if code != 0 {
		t.Fatalf("%s: %q exited %d: %s", id, cmd, code, out)
	}
	return out
}

// console returns an instance's console output.
func (e *dockerEnv) console(t testing.TB, id string) string {
	t.Helper()
	out, err := e.EC2.GetConsoleOutput(ctx(), &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitConsole polls the console output until it contains want.
func (e *dockerEnv) waitConsole(t testing.TB, id, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out := e.console(t, id)
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("console of %s lacks %q after %s:\n%s", id, want, within, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// terminateAll terminates ids and waits until they are terminated and
// nothing of theirs is left in the Engine.
func (e *dockerEnv) terminateAll(t testing.TB, ids ...string) {
	t.Helper()
	if _, err := e.EC2.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		e.waitState(t, id, ec2types.InstanceStateNameTerminated, time.Minute)
	}
}

var containerRemoveForce = container.RemoveOptions{Force: true, RemoveVolumes: true}

var imageRemoveForce = image.RemoveOptions{Force: true, PruneChildren: true}
