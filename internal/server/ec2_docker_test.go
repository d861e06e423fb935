package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/docker/docker/api/types/container"

	"github.com/gureum/gureum/internal/compute/docker"
	"github.com/gureum/gureum/internal/server"
)

// These tests run instances as containers of this machine's real Docker
// Engine (skipped without one, except in CI). Each removes what it made.

func TestDockerLimitsUserDataConsole(t *testing.T) {
	e := newDockerEnv(t, "")
	ami := minimalAMI(t, e)
	ud := "#!/bin/sh\necho hello-from-user-data\necho made > /root/made.txt\n"
	start := time.Now()
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Small,
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(ud)))})
	t.Logf("RunInstances → running (waiter): %s", time.Since(start))
	id := ids[0]
	inst := e.instance(t, id)

	// The container: named after the instance, labelled, with the
	// instance type's limits and the private DNS name as hostname.
	ci, err := e.Docker.ContainerInspect(ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ci.Config.Labels["gureum.instance-id"] != id || ci.Config.Labels["gureum.account"] != "000000000000" || ci.Config.Labels["gureum.region"] != "us-east-1" {
		t.Fatalf("labels %v", ci.Config.Labels)
	}
	// t3.small: 2 vCPUs (capped at this host's CPUs), 2 GiB.
	if ci.HostConfig.Memory != 2048<<20 || ci.HostConfig.NanoCPUs < 1e9 {
		t.Fatalf("limits: memory %d, nano CPUs %d", ci.HostConfig.Memory, ci.HostConfig.NanoCPUs)
	}
	if host := e.must(t, id, "hostname"); strings.TrimSpace(host) != strings.Split(*inst.PrivateDnsName, ".")[0] {
		t.Fatalf("hostname %q, private DNS %s", host, *inst.PrivateDnsName)
	}
	if ci.HostConfig.NetworkMode != "none" {
		t.Fatalf("network mode %s", ci.HostConfig.NetworkMode)
	}

	// User data ran once, as root, and its output is on the console.
	out := e.waitConsole(t, id, "hello-from-user-data", 10*time.Second)
	if !strings.Contains(out, id) {
		t.Fatalf("console does not name the instance:\n%s", out)
	}
	if got := e.must(t, id, "cat /root/made.txt"); got != "made\n" {
		t.Fatalf("user data's file: %q", got)
	}

	// A reboot restarts in place; user data does not run again.
	if _, err := e.EC2.RebootInstances(ctx(), &ec2.RebootInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c2, err := e.Docker.ContainerInspect(ctx(), id)
		if err == nil && c2.State.Running && c2.State.StartedAt != ci.State.StartedAt {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reboot did not restart the container")
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.waitState(t, id, ec2types.InstanceStateNameRunning, 5*time.Second)
	if n := strings.Count(e.waitConsole(t, id, "reboot", 10*time.Second), "hello-from-user-data"); n != 1 {
		t.Fatalf("user data ran %d times", n)
	}
	e.terminateAll(t, id)
	if left := leftovers(t, e.Docker, e.Driver.Owner()); len(left) > 0 {
		t.Fatalf("left after terminate: %v", left)
	}
}

func TestDockerStopStartKeepsDisk(t *testing.T) {
	e := newDockerEnv(t, "")
	ami := minimalAMI(t, e)
	id := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami)})[0]
	e.must(t, id, "echo kept > /root/disk.txt; (sleep 1000 &) ; sleep 1000 >/dev/null 2>&1 &")
	if _, err := e.EC2.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	w := ec2.NewInstanceStoppedWaiter(e.EC2, func(o *ec2.InstanceStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 500*time.Millisecond
	})
	if err := w.Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute); err != nil {
		t.Fatal(err)
	}
	// A real stop: the container has exited, nothing runs.
	ci, err := e.Docker.ContainerInspect(ctx(), id)
	if err != nil || ci.State.Running || ci.State.Pid != 0 {
		t.Fatalf("stopped instance's container: %+v %v", ci.State, err)
	}
	if ci.State.ExitCode != 0 {
		t.Fatalf("the init exited %d on stop, want a clean 0", ci.State.ExitCode)
	}
	if inst := e.instance(t, id); inst.StateReason == nil || *inst.StateReason.Code != "Client.UserInitiatedShutdown" {
		t.Fatalf("state reason %+v", inst.StateReason)
	}
	if _, err := e.EC2.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, e.EC2, id)
	if got := e.must(t, id, "cat /root/disk.txt"); got != "kept\n" {
		t.Fatalf("the disk after stop/start: %q", got)
	}
	if ps := e.must(t, id, "ps -o comm | grep -c '^sleep' || true"); strings.TrimSpace(ps) != "0" {
		t.Fatalf("processes from before the stop still run: %s", ps)
	}
	e.terminateAll(t, id)
}

func TestDockerPoweroffInside(t *testing.T) {
	e := newDockerEnv(t, "")
	ami := minimalAMI(t, e)
	stop := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami)})[0]
	term := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceInitiatedShutdownBehavior: ec2types.ShutdownBehaviorTerminate})[0]
	for _, id := range []string{stop, term} {
		e.waitConsole(t, id, "ready", 10*time.Second)
		e.sh(t, id, "poweroff") // busybox: SIGUSR2 to PID 1
	}
	inst := e.waitState(t, stop, ec2types.InstanceStateNameStopped, 30*time.Second)
	if inst.StateReason == nil || *inst.StateReason.Code != "Client.InstanceInitiatedShutdown" ||
		*inst.StateReason.Message != "Client.InstanceInitiatedShutdown: Instance initiated shutdown" {
		t.Fatalf("state reason %+v", inst.StateReason)
	}
	inst = e.waitState(t, term, ec2types.InstanceStateNameTerminated, 30*time.Second)
	if inst.StateReason == nil || *inst.StateReason.Code != "Client.InstanceInitiatedShutdown" {
		t.Fatalf("state reason %+v", inst.StateReason)
	}
	if _, err := e.Docker.ContainerInspect(ctx(), term); err == nil {
		t.Fatal("a terminated instance's container is still there")
	}
	// The stopped one starts again.
	if _, err := e.EC2.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{stop}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, e.EC2, stop)
	e.terminateAll(t, stop)
}

func TestDockerContainerRemovedByHand(t *testing.T) {
	e := newDockerEnv(t, "")
	ami := minimalAMI(t, e)
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
	if err := e.Docker.ContainerRemove(ctx(), ids[0], containerRemoveForce); err != nil {
		t.Fatal(err)
	}
	// A container killed by hand is an instance that stopped by itself.
	if err := e.Docker.ContainerKill(ctx(), ids[1], "KILL"); err != nil {
		t.Fatal(err)
	}
	inst := e.waitState(t, ids[0], ec2types.InstanceStateNameTerminated, 10*time.Second)
	if inst.StateReason == nil || *inst.StateReason.Code != "Server.InternalError" || !strings.Contains(*inst.StateReason.Message, "removed outside gureum") {
		t.Fatalf("state reason %+v", inst.StateReason)
	}
	inst = e.waitState(t, ids[1], ec2types.InstanceStateNameStopped, 10*time.Second)
	if inst.StateReason == nil || *inst.StateReason.Code != "Server.InternalError" || !strings.Contains(*inst.StateReason.Message, "137") {
		t.Fatalf("state reason %+v", inst.StateReason)
	}
	e.terminateAll(t, ids[1])
}

func TestDockerRestartMidLifecycle(t *testing.T) {
	dir := t.TempDir()
	e := newDockerEnv(t, dir)
	ami := minimalAMI(t, e)
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(3), MaxCount: aws.Int32(3)})
	keep, stopping, orphan := ids[0], ids[1], ids[2]
	e.must(t, keep, "echo before > /root/r.txt")
	// gureum stops right after a stop was asked for, before or while the
	// reconciler acts; a container also goes away while gureum is down.
	if _, err := e.EC2.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{stopping}}); err != nil {
		t.Fatal(err)
	}
	e.ts.Close()
	e.srv.Close()
	if err := e.Docker.ContainerRemove(ctx(), orphan, containerRemoveForce); err != nil {
		t.Fatal(err)
	}
	// What ran keeps running while gureum is down.
	if ci, err := e.Docker.ContainerInspect(ctx(), keep); err != nil || !ci.State.Running {
		t.Fatalf("the instance stopped with gureum: %v", err)
	}
	e2 := newDockerEnv(t, dir)
	e2.waitState(t, stopping, ec2types.InstanceStateNameStopped, 40*time.Second)
	e2.waitState(t, orphan, ec2types.InstanceStateNameTerminated, 10*time.Second)
	e2.waitState(t, keep, ec2types.InstanceStateNameRunning, time.Second)
	if got := e2.must(t, keep, "cat /root/r.txt"); got != "before\n" {
		t.Fatalf("re-adopted instance's disk: %q", got)
	}
	// The re-adopted instance is driven as before.
	e2.terminateAll(t, keep, stopping)
	if left := leftovers(t, e2.Docker, e2.Driver.Owner()); len(left) > 0 {
		t.Fatalf("left: %v", left)
	}
}

func TestDockerOrphanRemoved(t *testing.T) {
	dir := t.TempDir()
	e := newDockerEnv(t, dir)
	minimalAMI(t, e)
	// A container with this gureum's labels whose instance the store does
	// not know (as one left by a crash between create and record) is an
	// orphan; a container of another gureum is not ours to touch.
	mk := func(owner, id string) string {
		r, err := e.Docker.ContainerCreate(ctx(), &container.Config{Image: "gureum/ami:minimal", Cmd: []string{"/bin/sleep", "600"},
			Labels: map[string]string{"gureum.owner": owner, "gureum.kind": "instance", "gureum.account": "000000000000",
				"gureum.region": "us-east-1", "gureum.instance-id": id}}, &container.HostConfig{NetworkMode: "none"}, nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Docker.ContainerRemove(context.Background(), r.ID, containerRemoveForce) })
		if err := e.Docker.ContainerStart(ctx(), r.ID, container.StartOptions{}); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	orphan := mk(e.Driver.Owner(), "i-0123456789abcdef0")
	foreign := mk("someone-else", "i-0fedcba9876543210")
	e.ts.Close()
	e.srv.Close()
	e2 := newDockerEnv(t, dir) // a start sweeps
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := e2.Docker.ContainerInspect(ctx(), orphan); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the orphan container was not removed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ci, err := e2.Docker.ContainerInspect(ctx(), foreign); err != nil || !ci.State.Running {
		t.Fatalf("another gureum's container was touched: %v", err)
	}
}

func TestDockerEngineDownAndBack(t *testing.T) {
	needDocker(t)
	// The Engine is reached through a socket proxy the test can cut.
	p := newSocketProxy(t, "/var/run/docker.sock")
	t.Setenv("DOCKER_HOST", "unix://"+p.path)
	e := newDockerEnv(t, "")
	ami := minimalAMI(t, e)
	id := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami)})[0]
	p.down()
	// The API answers at once and records the intent.
	start := time.Now()
	out, err := e.EC2.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	if err != nil || out.StoppingInstances[0].CurrentState.Name != ec2types.InstanceStateNameStopping {
		t.Fatalf("StopInstances with the Engine down: %+v %v", out, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("StopInstances took %s with the Engine down", d)
	}
	time.Sleep(2 * time.Second)
	if inst := e.instance(t, id); inst.State.Name != ec2types.InstanceStateNameStopping {
		t.Fatalf("with the Engine down the instance is %s", inst.State.Name)
	}
	p.up()
	e.waitState(t, id, ec2types.InstanceStateNameStopped, 40*time.Second)
	e.terminateAll(t, id)
}

// socketProxy forwards a unix socket to another and can be cut.
type socketProxy struct {
	path, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func newSocketProxy(t *testing.T, target string) *socketProxy {
	p := &socketProxy{path: filepath.Join(t.TempDir(), "docker.sock"), target: target}
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *socketProxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		panic(err)
	}
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("unix", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { defer c.Close(); defer u.Close(); copyConn(u, c) }()
			go func() { defer c.Close(); defer u.Close(); copyConn(c, u) }()
		}
	}()
}

func (p *socketProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	os.Remove(p.path)
}

func copyConn(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestComputeSelection(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "nothing.sock"))
	// Forcing docker without an Engine is a start-up error.
	if _, err := server.Open(server.Config{DataDir: t.TempDir(), Accounts: testAccounts, Compute: "docker"}); err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Fatalf("docker forced without an Engine: %v", err)
	}
	if _, err := server.Open(server.Config{DataDir: t.TempDir(), Accounts: testAccounts, Compute: "bogus"}); err == nil {
		t.Fatal("an unknown driver was accepted")
	}
	// auto falls back to none, and health says so.
	e := newEnvWith(t, server.Config{Compute: "auto"})
	resp, err := http.Get(e.URL + "/_gureum/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Engines map[string]string `json:"engines"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Engines["compute"] != "none" {
		t.Fatalf("health engines %v %v", h.Engines, err)
	}
}

// TestDockerImageUnavailable: an AMI whose image cannot be had fails
// RunInstances at once with a message that says why (and, for gureum's
// own AMIs, the command that builds it).
func TestDockerImageUnavailable(t *testing.T) {
	e := newDockerEnv(t, "")
	ami := minimalAMI(t, e)
	id := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami)})[0]
	img, err := e.EC2.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("gone-soon"), NoReboot: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	iw := ec2.NewImageAvailableWaiter(e.EC2, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 500*time.Millisecond
	})
	if err := iw.Wait(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Docker.ImageRemove(ctx(), "gureum/image:"+*img.ImageId, imageRemoveForce); err != nil {
		t.Fatal(err)
	}
	_, err = e.EC2.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: img.ImageId, InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	ae := wantCode(t, err, "InvalidAMIID.Unavailable")
	if !strings.Contains(ae.ErrorMessage(), *img.ImageId) || !strings.Contains(ae.ErrorMessage(), "removed from the Docker Engine outside gureum") {
		t.Fatalf("message: %s", ae.ErrorMessage())
	}
	// gureum's own AMIs name their build command.
	if err := e.Driver.CheckImage(ctx(), "gureum/ami:minimal"); err != nil {
		t.Fatalf("the minimal AMI is built: %v", err)
	}
	if h, ok := docker.BuildHint("gureum/ami:debian-12-docker"); !ok || h != "gureum ami build debian --with-docker" {
		t.Fatalf("build hint %q %v", h, ok)
	}
	e.terminateAll(t, id)
}

// TestDockerStrictIsolation: with --instance-isolation strict an instance
// is a container with Docker's default capabilities and profiles, and it
// still boots, runs user data and stops cleanly.
func TestDockerStrictIsolation(t *testing.T) {
	e := newDockerEnv(t, "", func(c *server.Config) { c.Isolation = "strict" })
	ami := minimalAMI(t, e)
	id := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami),
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho strict-ok\n")))})[0]
	ci, err := e.Docker.ContainerInspect(ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ci.HostConfig.CapAdd) != 0 || len(ci.HostConfig.SecurityOpt) != 0 || ci.HostConfig.Privileged || len(ci.HostConfig.DeviceCgroupRules) != 0 {
		t.Fatalf("strict instance reaches further: caps %v, security %v", ci.HostConfig.CapAdd, ci.HostConfig.SecurityOpt)
	}
	if out, _ := e.sh(t, id, "mount -o remount,rw /sys && echo remounted"); strings.Contains(out, "remounted") {
		t.Fatal("a strict instance could remount /sys read-write")
	}
	e.waitConsole(t, id, "strict-ok", 10*time.Second)
	stopWait(t, e, id)
	e.terminateAll(t, id)
}
