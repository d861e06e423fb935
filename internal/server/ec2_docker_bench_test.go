package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gureum/gureum/internal/awsproto/ec2query"
	"github.com/gureum/gureum/internal/compute/docker"
	"github.com/gureum/gureum/internal/compute/docker/amibuild"
	"github.com/gureum/gureum/internal/server"
)

// Benchmarks of real containers (issue 10, point 4). Each iteration's
// latency is what a client waits: the call, then the SDK's waiter
// (polling every 50 ms) until the state is reached. Run them with
// -benchtime Nx: a launch is a container.
//
//	go test -run '^$' -bench 'Docker' -benchtime 20x ./internal/server

type dockerBench struct {
	c      *ec2.Client
	srv    *server.Server
	driver *docker.Driver
}

func newDockerBench(b *testing.B) *dockerBench {
	b.Helper()
	dc := needDocker(b)
	needAMI(b, dc, amibuild.Minimal)
	ec2query.Verify = false
	srv, err := server.Open(server.Config{DataDir: b.TempDir(), Accounts: testAccounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version: "bench", Compute: "docker"})
	if err != nil {
		b.Fatal(err)
	}
	d := srv.Compute.(*docker.Driver)
	ts := httptest.NewServer(srv.Handler)
	b.Cleanup(func() { ts.Close(); srv.Close(); cleanupOwner(b, dc, d.Owner()) })
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	b.Cleanup(tr.CloseIdleConnections)
	e := &testEnv{URL: ts.URL, srv: srv, ts: ts, Region: "us-east-1", HTTP: &http.Client{Transport: bufferedTransport{tr}}}
	c := ec2.NewFromConfig(e.awsConfig("test", "test", ""), func(o *ec2.Options) { o.RetryMaxAttempts = 3 })
	return &dockerBench{c: c, srv: srv, driver: d}
}

func (db *dockerBench) waitFor(b *testing.B, ids []string, state ec2types.InstanceStateName) {
	b.Helper()
	for deadline := time.Now().Add(3 * time.Minute); ; {
		out, err := db.c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if i.State.Name == state {
					n++
				}
			}
		}
		if n == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%v not %s after 3 minutes", ids, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (db *dockerBench) run(b *testing.B, ami string, n int32) []string {
	b.Helper()
	out, err := db.c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(n), MaxCount: aws.Int32(n)})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, *i.InstanceId)
	}
	db.waitFor(b, ids, ec2types.InstanceStateNameRunning)
	return ids
}

func (db *dockerBench) terminate(b *testing.B, ids ...string) {
	b.Helper()
	if _, err := db.c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		b.Fatal(err)
	}
	db.waitFor(b, ids, ec2types.InstanceStateNameTerminated)
}

func benchLaunch(b *testing.B, kind amibuild.Kind, name string) {
	db := newDockerBench(b)
	needAMI(b, db.driver.Client(), kind)
	ami := amiByName(b, db.c, name)
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		ids := db.run(b, ami, 1)
		lat = append(lat, time.Since(start))
		b.StopTimer()
		db.terminate(b, ids...)
		b.StartTimer()
	}
	reportLatency(b, lat)
}

func BenchmarkDockerRunInstancesMinimal(b *testing.B) {
	benchLaunch(b, amibuild.Minimal, "busybox-minimal-gureum-x86_64")
}

func BenchmarkDockerRunInstancesDebian(b *testing.B) {
	benchLaunch(b, amibuild.DebianDocker, "debian-12-amd64-docker-gureum")
}

// BenchmarkDockerLifecycle measures stop, start, terminate and CreateImage
// (of a stopped instance) of the minimal AMI, each to its end state.
func BenchmarkDockerLifecycle(b *testing.B) {
	db := newDockerBench(b)
	ami := amiByName(b, db.c, "busybox-minimal-gureum-x86_64")
	var stop, start, term, image []time.Duration
	for b.Loop() {
		id := db.run(b, ami, 1)[0]
		t := time.Now()
		if _, err := db.c.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
			b.Fatal(err)
		}
		db.waitFor(b, []string{id}, ec2types.InstanceStateNameStopped)
		stop = append(stop, time.Since(t))
		t = time.Now()
		img, err := db.c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("bench-" + id)})
		if err != nil {
			b.Fatal(err)
		}
		for {
			out, err := db.c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}})
			if err != nil {
				b.Fatal(err)
			}
			if out.Images[0].State == ec2types.ImageStateAvailable {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		image = append(image, time.Since(t))
		t = time.Now()
		if _, err := db.c.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
			b.Fatal(err)
		}
		db.waitFor(b, []string{id}, ec2types.InstanceStateNameRunning)
		start = append(start, time.Since(t))
		t = time.Now()
		db.terminate(b, id)
		term = append(term, time.Since(t))
		if _, err := db.c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: img.ImageId}); err != nil {
			b.Fatal(err)
		}
	}
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"stop", stop}, {"start", start}, {"terminate", term}, {"create-image", image}} {
		p50, p99 := percentiles(m.d)
		b.ReportMetric(p50, m.name+"-p50-ms")
		b.ReportMetric(p99, m.name+"-p99-ms")
	}
}

// BenchmarkDockerLaunch20 launches 20 instances in one call until all
// run, and reports gureum's memory per instance (the heap after a GC,
// with the server in this process).
func BenchmarkDockerLaunch20(b *testing.B) {
	db := newDockerBench(b)
	ami := amiByName(b, db.c, "busybox-minimal-gureum-x86_64")
	var lat []time.Duration
	var perInst float64
	for b.Loop() {
		before := heap()
		start := time.Now()
		ids := db.run(b, ami, 20)
		lat = append(lat, time.Since(start))
		perInst = float64(heap()-before) / 20 / (1 << 20)
		b.StopTimer()
		db.terminate(b, ids...)
		b.StartTimer()
	}
	reportLatency(b, lat)
	b.ReportMetric(perInst, "MiB/instance")
}

func heap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	ms := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond) }
	return ms(0.5), ms(0.99)
}

// BenchmarkDockerDescribeInstances answers DescribeInstances for 20
// running containers: the handler never talks to Docker, so this is the
// none driver's figure (compare BenchmarkDescribeInstances).
func BenchmarkDockerDescribeInstances(b *testing.B) {
	db := newDockerBench(b)
	ami := amiByName(b, db.c, "busybox-minimal-gureum-x86_64")
	ids := db.run(b, ami, 20)
	b.Cleanup(func() { db.terminate(b, ids...) })
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := db.c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{ids[i%len(ids)]}}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	reportLatency(b, lat)
}
