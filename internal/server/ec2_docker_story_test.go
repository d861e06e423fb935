package server_test

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gureum/gureum/internal/compute/docker/amibuild"
)

// TestDockerUserStory is issue 10's story on the Debian AMI with Docker
// Engine: key pair, user data, a shell, a container inside the instance,
// stop and start (the inner container Exited until `docker start`), an
// AMI and three instances from it, and nothing left after terminate.
func TestDockerUserStory(t *testing.T) {
	e := newDockerEnv(t, "")
	needAMI(t, e.Docker, amibuild.DebianDocker)
	ami := amiByName(t, e.EC2, "debian-12-amd64-docker-gureum")

	kp, err := e.EC2.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("learner")})
	if err != nil {
		t.Fatal(err)
	}
	kd, err := e.EC2.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"learner"}, IncludePublicKey: aws.Bool(true)})
	if err != nil || kd.KeyPairs[0].PublicKey == nil {
		t.Fatalf("public key: %+v %v", kd, err)
	}
	_ = kp
	pub := strings.Fields(*kd.KeyPairs[0].PublicKey)[1]
	ud := "#!/bin/bash\necho 'user data says hi'\necho hello > /home/admin/hello.txt\nchown admin: /home/admin/hello.txt\ncd /home/admin && nohup python3 -m http.server 8000 >/var/log/web.log 2>&1 &\n"
	start := time.Now()
	id := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), KeyName: aws.String("learner"),
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(ud)))})[0]
	t.Logf("Debian: RunInstances → running %s", time.Since(start))
	con := e.waitConsole(t, id, "user data says hi", 60*time.Second)
	if !strings.Contains(con, id) {
		t.Fatalf("the console does not show the boot:\n%s", con)
	}

	// A shell as the AMI's default user finds the file, the key and the
	// web server; nothing was installed.
	admin := func(cmd string) string {
		t.Helper()
		out, code := e.execAs(t, id, "admin", cmd, nil)
		if code != 0 {
			t.Fatalf("as admin: %q exited %d: %s", cmd, code, out)
		}
		return out
	}
	if got := admin("cat ~/hello.txt"); got != "hello\n" {
		t.Fatalf("hello.txt: %q", got)
	}
	if got := admin("cat ~/.ssh/authorized_keys"); !strings.Contains(got, pub) {
		t.Fatalf("authorized_keys lacks the key pair: %q", got)
	}
	waitFor(t, 20*time.Second, "the web server", func() bool {
		out, code := e.sh(t, id, "curl -sf http://127.0.0.1:8000/hello.txt")
		return code == 0 && out == "hello\n"
	})

	// Docker inside the instance: its own Engine, an image loaded from a
	// file (no registry), a container running.
	waitFor(t, 60*time.Second, "the inner Docker Engine", func() bool { _, code := e.execAs(t, id, "admin", "docker info", nil); return code == 0 })
	if out, code := e.execAs(t, id, "admin", "docker import - web:1", busyboxRootfs(t)); code != 0 {
		t.Fatalf("docker import: %s", out)
	}
	admin("docker run -d --name web web:1 /bin/busybox httpd -f -p 8080")
	if got := admin("docker inspect -f '{{.State.Running}}' web"); got != "true\n" {
		t.Fatalf("inner container: %q", got)
	}

	// Stop: every process ends, the inner container too.
	stopWait(t, e, id)
	if ci, err := e.Docker.ContainerInspect(ctx(), id); err != nil || ci.State.Running {
		t.Fatalf("the stopped instance's container runs: %v", err)
	}
	// Start: the disk kept the file; the inner container is Exited until
	// docker start, as on EC2.
	if _, err := e.EC2.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, e.EC2, id)
	if got := admin("cat ~/hello.txt"); got != "hello\n" {
		t.Fatalf("hello.txt after stop/start: %q", got)
	}
	waitFor(t, 60*time.Second, "the inner Docker Engine after start", func() bool { _, code := e.execAs(t, id, "admin", "docker info", nil); return code == 0 })
	if got := admin("docker ps -a --filter name=web --format '{{.Status}}'"); !strings.HasPrefix(got, "Exited") {
		t.Fatalf("the inner container after start: %q, want Exited", got)
	}
	admin("docker start web")
	if got := admin("docker inspect -f '{{.State.Running}}' web"); got != "true\n" {
		t.Fatalf("inner container after docker start: %q", got)
	}

	// An AMI of the instance; three instances from it have the file and
	// the inner image.
	img, err := e.EC2.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("web-golden")})
	if err != nil {
		t.Fatal(err)
	}
	iw := ec2.NewImageAvailableWaiter(e.EC2, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := iw.Wait(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}}, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, e.EC2, id) // CreateImage without NoReboot stops and starts it
	clones := e.launch(t, &ec2.RunInstancesInput{ImageId: img.ImageId, MinCount: aws.Int32(3), MaxCount: aws.Int32(3)})
	for _, c := range clones {
		out, code := e.execAs(t, c, "admin", "cat ~/hello.txt", nil)
		if code != 0 || out != "hello\n" {
			t.Fatalf("clone %s: hello.txt %q (%d)", c, out, code)
		}
		waitFor(t, 60*time.Second, "a clone's inner Docker Engine", func() bool { _, code := e.execAs(t, c, "admin", "docker info", nil); return code == 0 })
		if out, code := e.execAs(t, c, "admin", "docker image inspect -f ok web:1", nil); code != 0 {
			t.Fatalf("clone %s lacks the inner image: %s", c, out)
		}
	}

	// Terminate everything; the AMI's image goes once it is deregistered
	// and its root snapshot, which holds the same bytes, is deleted.
	e.terminateAll(t, append(clones, id)...)
	di, err := e.EC2.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}})
	if err != nil || len(di.Images) != 1 || len(di.Images[0].BlockDeviceMappings) == 0 || di.Images[0].BlockDeviceMappings[0].Ebs == nil {
		t.Fatalf("the AMI's root snapshot: %+v %v", di, err)
	}
	snap := di.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	if _, err := e.EC2.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: img.ImageId}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.EC2.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: snap}); err != nil {
		t.Fatal(err)
	}
	gone := time.Now()
	waitFor(t, 60*time.Second, "nothing left in the Engine", func() bool {
		left := leftovers(t, e.Docker, e.Driver.Owner())
		if len(left) > 0 && time.Since(gone) > 20*time.Second {
			t.Logf("after %s still: %s", time.Since(gone).Round(time.Second), strings.Join(left, "; "))
		}
		return len(left) == 0
	})
	t.Logf("Engine clean %s after DeleteSnapshot", time.Since(gone).Round(time.Millisecond))
}

func stopWait(t *testing.T, e *dockerEnv, id string) {
	t.Helper()
	if _, err := e.EC2.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, id, ec2types.InstanceStateNameStopped, time.Minute)
}

// waitFor polls cond until it holds or within has passed.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, within)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// busyboxRootfs is a tar of a root filesystem with the host's static
// BusyBox: an image to load into an instance's Docker Engine.
func busyboxRootfs(t testing.TB) []byte {
	t.Helper()
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("busybox-static: %v", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "tmp/", "www/"} {
		_ = tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755})
	}
	_ = tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))})
	_, _ = tw.Write(bb)
	_ = tw.WriteHeader(&tar.Header{Name: "bin/sh", Typeflag: tar.TypeSymlink, Linkname: "busybox"})
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
