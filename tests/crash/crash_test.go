// Package crash kills gureum with SIGKILL in the middle of concurrent
// uploads and checks, after a restart on the same data directory, what S3
// promises: every acknowledged PUT survives with its bytes and ETag, no
// partial object is ever visible, and the crash leaves no orphan files.
//
// It runs the real binary rather than an in-process server because only a
// separate process can be killed without a chance to clean up. A SIGKILL
// loses the process, not the page cache: this tests the ordering of blob
// writes, renames and metadata commits, not whether fsync is called (that
// would take a power cut, e.g. a VM or dm-flakey).
package crash

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

const (
	bucket = "crash"

	// inlineMax mirrors s3.Config.InlineMax's default: objects up to this
	// size live in meta.db, larger ones in exactly one file under
	// blobs/data. Sizes below stay well clear of it on both sides.
	inlineMax = 128 << 10

	smallMin, smallMax = 1 << 10, 100 << 10
	largeMin, largeMax = 200 << 10, 8 << 20

	writers     = 16
	slowWriters = 6 // writers 0..5 pace their bodies so a kill lands mid-stream

	// slowChunk and slowPause pace a slow body at 12 MiB/s at most: an
	// 8 MiB object takes most of a second to send.
	slowChunk = 64 << 10
	slowPause = 5 * time.Millisecond
)

// loadFor is how long each cycle writes at least before the kill; varying
// it moves the kill across different phases of the uploads. The kill then
// waits, up to loadMax, until the cycle has acknowledged minAcked small and
// minAcked large objects and a slow body is part-way sent, so a slow or busy
// machine delays the kill instead of making the cycle vacuous.
var loadFor = []time.Duration{1200 * time.Millisecond, 1600 * time.Millisecond, 2000 * time.Millisecond}

const (
	minAcked = 3
	loadMax  = 15 * time.Second
)

// TestKillDuringPuts runs three cycles of: concurrent PUTs, SIGKILL while
// some are in flight, restart, verify.
//
// The verdict on each key attempted:
//   - acknowledged (PutObject returned success): must read back with exactly
//     the expected bytes and ETag, and be listed.
//   - not acknowledged (the PUT was cut off by the kill): may be visible only
//     as the complete, correct object. A PUT whose metadata transaction
//     committed just before the kill, but whose response never reached the
//     client, is rightly durable: the server cannot take back a commit, and
//     S3 too may apply a PUT whose response is lost. Such keys are counted
//     and logged as "unacked-visible"; any partial or wrong content, or one
//     readable but not listed, fails the test.
//   - never attempted: must not exist (every listed key must be known).
//
// And after the orphan sweep that runs at start: the files in blobs/data are
// exactly one per visible object larger than inlineMax, and blobs/tmp is
// empty.
func TestKillDuringPuts(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and kills the gureum binary; skipped with -short")
	}
	bin := buildGureum(t)
	dataDir := filepath.Join(t.TempDir(), "data")

	attempts := map[string]*attempt{} // every key ever attempted, all cycles
	// S3 only: no containers, no VPC networks (a root gureum's defaults
	// would make both, and a SIGKILL leaves them, as it should).
	s3only := []string{"--compute", "none", "--netplane", "none"}
	srv := startGureum(t, bin, dataDir, 0, s3only...)
	if _, err := srv.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	for cycle := range loadFor {
		res := runLoad(t, srv, cycle, loadFor[cycle])
		for _, a := range res.attempts {
			attempts[a.key] = a
		}
		srv = startGureum(t, bin, dataDir, cycle+1, s3only...)
		st := verify(t, srv, dataDir, attempts)
		t.Logf("cycle %d: killed after %v with %d PUTs in flight (%d slow bodies part-sent); attempted %d, acked %d (%d large), cut off %d, unacked-visible %d; visible %d (%d large), blob files %d",
			cycle, res.ranFor.Round(time.Millisecond), res.inFlightAtKill, res.midBodyAtKill, len(res.attempts), res.acked, res.ackedLarge, res.failed,
			st.unackedVisible, st.visible, st.visibleLarge, st.blobFiles)
		if t.Failed() {
			t.FailNow()
		}
	}
	srv.kill(t)
}

// attempt is one PutObject of a key, and what came of it.
type attempt struct {
	key   string
	size  int64
	etag  string // hex MD5 of the content
	acked bool   // PutObject returned success
	err   error  // why it did not
}

type loadResult struct {
	attempts       []*attempt
	acked          int
	ackedLarge     int
	failed         int
	ranFor         time.Duration
	inFlightAtKill int64
	midBodyAtKill  int64
}

// runLoad runs the writers against srv for at least d, kills srv while PUTs
// are in flight, waits for every writer to see the outcome of its last PUT,
// and checks the run exercised what it should.
func runLoad(t *testing.T, srv *gureum, cycle int, d time.Duration) loadResult {
	t.Helper()
	var (
		stop     atomic.Bool
		inFlight atomic.Int64 // PutObject calls not yet returned
		midBody  atomic.Int64 // slow bodies read in part
		mu       sync.Mutex   // guards res and early
		res      loadResult
		early    []string // PUTs that failed while the server was alive
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; !stop.Load(); seq++ {
				key := fmt.Sprintf("c%d/w%02d/%05d", cycle, w, seq)
				data := content(key)
				if stop.Load() {
					break // the server is being killed; do not start a PUT
				}
				sum := md5.Sum(data)
				a := &attempt{key: key, size: int64(len(data)), etag: hex.EncodeToString(sum[:])}
				var body io.Reader = bytes.NewReader(data)
				if w < slowWriters {
					body = &slowReader{data: data, midBody: &midBody}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				inFlight.Add(1)
				out, err := srv.client.PutObject(ctx, &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(key), Body: body, ContentLength: aws.Int64(a.size),
				})
				inFlight.Add(-1)
				done := time.Now()
				cancel()
				mu.Lock()
				res.attempts = append(res.attempts, a)
				switch {
				case err != nil:
					a.err = err
					res.failed++
					if !stop.Load() {
						early = append(early, fmt.Sprintf("%s at %v: %v", key, done.Format(time.RFC3339Nano), err))
					}
				case unquote(aws.ToString(out.ETag)) != a.etag:
					// The server acknowledged with a wrong ETag: a bug even
					// before any crash. Count it as acknowledged so the
					// read-back check reports the object too.
					early = append(early, fmt.Sprintf("%s: PutObject ETag %s, want %q", key, aws.ToString(out.ETag), a.etag))
					a.acked = true
					res.acked++
				default:
					a.acked = true
					res.acked++
					if a.size > inlineMax {
						res.ackedLarge++
					}
				}
				mu.Unlock()
			}
		}()
	}

	time.Sleep(d)
	for time.Since(start) < loadMax {
		mu.Lock()
		ready := res.ackedLarge >= minAcked && res.acked-res.ackedLarge >= minAcked
		mu.Unlock()
		if ready && midBody.Load() > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// stop is set before the kill so that every PUT failing from here on is
	// attributed to the kill, and none that failed before it is.
	stop.Store(true)
	killAt := time.Now()
	res.ranFor = killAt.Sub(start)
	res.inFlightAtKill, res.midBodyAtKill = inFlight.Load(), midBody.Load()
	srv.kill(t)
	wg.Wait()

	for _, e := range early {
		t.Errorf("cycle %d: PUT failed before the kill (at %v): %s", cycle, killAt.Format(time.RFC3339Nano), e)
	}
	// The test proves nothing unless the kill interrupted uploads and the
	// load reached both storage paths.
	if res.midBodyAtKill == 0 || res.failed == 0 {
		t.Errorf("cycle %d: the kill interrupted no upload (in flight %d, slow bodies part-sent %d, failed %d)",
			cycle, res.inFlightAtKill, res.midBodyAtKill, res.failed)
	}
	if res.ackedLarge == 0 || res.acked == res.ackedLarge {
		t.Errorf("cycle %d: want acknowledged small and large objects, got %d acked, %d large", cycle, res.acked, res.ackedLarge)
	}
	return res
}

type verifyStats struct {
	visible, visibleLarge, unackedVisible, blobFiles int
}

// verify checks the restarted srv against everything attempted so far.
func verify(t *testing.T, srv *gureum, dataDir string, attempts map[string]*attempt) verifyStats {
	t.Helper()
	ctx := context.Background()
	var st verifyStats

	listed := map[string]bool{}
	p := s3.NewListObjectsV2Paginator(srv.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			listed[key] = true
			a := attempts[key]
			switch {
			case a == nil:
				t.Errorf("listed %q (size %d), which no writer attempted", key, aws.ToInt64(o.Size))
				continue
			case aws.ToInt64(o.Size) != a.size || unquote(aws.ToString(o.ETag)) != a.etag:
				t.Errorf("listed %q with size %d ETag %s, want size %d ETag %q (acked %v, put error %v)",
					key, aws.ToInt64(o.Size), aws.ToString(o.ETag), a.size, a.etag, a.acked, a.err)
			}
			st.visible++
			if a.size > inlineMax {
				st.visibleLarge++
			}
			if !a.acked {
				st.unackedVisible++
			}
		}
	}

	// The orphan sweep runs in the background after start, so poll for it;
	// the reads below then run after it has settled, so a sweep that
	// removed a live blob shows as a failed read, not only a short count.
	var data, tmp []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, tmp = blobFiles(t, dataDir)
		if len(data) == st.visibleLarge && len(tmp) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	st.blobFiles = len(data)
	if len(data) != st.visibleLarge || len(tmp) != 0 {
		t.Errorf("orphans after restart: blobs/data has %d files for %d visible objects over %d bytes; blobs/tmp has %d files %v",
			len(data), st.visibleLarge, inlineMax, len(tmp), tmp)
	}

	// Acknowledged objects must be listed; an unacknowledged one that is not
	// listed must not be readable either (listing and reads see one state).
	var toRead []*attempt
	for _, a := range attempts {
		switch {
		case listed[a.key]:
			toRead = append(toRead, a)
		case a.acked:
			t.Errorf("acknowledged %q (size %d, ETag %q) is not listed after restart", a.key, a.size, a.etag)
			toRead = append(toRead, a)
		default:
			_, err := srv.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.key)})
			if !isNotFound(err) {
				t.Errorf("unacknowledged, unlisted %q: HeadObject: want NotFound, got %v", a.key, err)
			}
		}
	}

	// Read everything visible back, a few at a time.
	work := make(chan *attempt)
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				if err := readBack(ctx, srv.client, a); err != nil {
					t.Errorf("%s (acked %v, put error %v)", err, a.acked, a.err)
				}
			}
		}()
	}
	for _, a := range toRead {
		work <- a
	}
	close(work)
	wg.Wait()

	return st
}

// readBack GETs a's key and checks its length, the MD5 of its bytes and its
// ETag against what was sent. The bytes are hashed as they stream in; only
// on a mismatch are they compared with the content to say where it differs.
func readBack(ctx context.Context, c *s3.Client, a *attempt) error {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.key)})
	if err != nil {
		return fmt.Errorf("GetObject %q: %w", a.key, err)
	}
	defer out.Body.Close()
	if etag := unquote(aws.ToString(out.ETag)); etag != a.etag {
		return fmt.Errorf("GetObject %q: ETag %q, want %q", a.key, etag, a.etag)
	}
	h := md5.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		return fmt.Errorf("GetObject %q: reading body after %d bytes: %w", a.key, n, err)
	}
	if n == a.size && hex.EncodeToString(h.Sum(nil)) == a.etag {
		return nil
	}
	// Read it again to locate the damage.
	out2, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.key)})
	if err != nil {
		return fmt.Errorf("GetObject %q: %d bytes with MD5 %x, want %d with %s; reading again: %w", a.key, n, h.Sum(nil), a.size, a.etag, err)
	}
	got, _ := io.ReadAll(out2.Body)
	out2.Body.Close()
	want := content(a.key)
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Errorf("GetObject %q: %d bytes with MD5 %x, want %d with %s; first difference at byte %d", a.key, n, h.Sum(nil), a.size, a.etag, i)
}

// blobFiles lists the files under blobs/data (committed blobs) and
// blobs/tmp (uploads in progress), relative to blobs/.
func blobFiles(t *testing.T, dataDir string) (data, tmp []string) {
	t.Helper()
	root := filepath.Join(dataDir, "blobs")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case strings.HasPrefix(rel, "data"+string(filepath.Separator)):
			data = append(data, rel)
		case strings.HasPrefix(rel, "tmp"+string(filepath.Separator)):
			tmp = append(tmp, rel)
		default:
			t.Errorf("unexpected file blobs/%s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	return data, tmp
}

// content is the body PUT under key: its size and bytes are a function of
// the key alone, so a read-back can be checked without keeping the data.
// Half the keys are small (inline in meta.db), half large (blobs), with
// large sizes spread evenly on a log scale (median about 1.3 MiB).
func content(key string) []byte {
	h := sha256.Sum256([]byte("size\x00" + key))
	n := binary.LittleEndian.Uint64(h[:8])
	var size int
	if n%2 == 0 {
		size = smallMin + int((n>>8)%(smallMax-smallMin+1))
	} else {
		u := float64(n>>11) / (1 << 53) // [0, 1)
		size = int(largeMin * math.Pow(largeMax/largeMin, u))
	}
	// AES-CTR keyed by the key's hash: a stream unique to the key, and
	// fast enough (assembly) that generating it does not throttle the load.
	seed := sha256.Sum256([]byte(key))
	blk, err := aes.NewCipher(seed[:16])
	if err != nil {
		panic(err)
	}
	b := make([]byte, size)
	cipher.NewCTR(blk, seed[16:]).XORKeyStream(b, b)
	return b
}

// slowReader yields data in slowChunk pieces with a pause before each, as a
// client on a slow link would. It hides bytes.Reader's Seek and WriteTo, so
// the body is sent as it is read. midBody counts the slowReaders that have
// been read in part: started, not finished.
type slowReader struct {
	data    []byte
	off     int
	midBody *atomic.Int64
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.off == len(r.data) {
		return 0, io.EOF
	}
	if r.off%slowChunk == 0 {
		time.Sleep(slowPause)
	}
	n := min(len(p), slowChunk-r.off%slowChunk, len(r.data)-r.off)
	copy(p, r.data[r.off:r.off+n])
	if r.off == 0 {
		r.midBody.Add(1)
	}
	r.off += n
	if r.off == len(r.data) {
		r.midBody.Add(-1)
	}
	return n, nil
}

// gureum is a running gureum process and a client for it.
type gureum struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{} // closed when the process has been reaped
	client *s3.Client
}

// buildGureum builds the binary under test once per test run.
func buildGureum(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gureum")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gureum/gureum/cmd/gureum")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startGureum starts bin on a free loopback port with state in dataDir and
// waits until it answers its health check. Its output goes to
// <dataDir>/../gureum-<n>.log, shown if the test fails.
func startGureum(t *testing.T, bin, dataDir string, n int, extra ...string) *gureum {
	t.Helper()
	addr := freeAddr(t)
	logPath := filepath.Join(filepath.Dir(dataDir), fmt.Sprintf("gureum-%d.log", n))
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--data-dir", dataDir, "--listen", addr, "--tls-listen", "127.0.0.1:0", "--log-level", "warn"}, extra...)...)
	// Flags win over GUREUM_* variables, but the keys are left to their
	// defaults (test/test), so drop any the environment sets.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GUREUM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("starting gureum: %v", err)
	}
	g := &gureum{cmd: cmd, addr: addr, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		logf.Close()
		close(g.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-g.exited:
		default:
			cmd.Process.Kill()
			<-g.exited
		}
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
				t.Logf("gureum-%d.log:\n%s", n, tail(b, 4096))
			}
		}
	})

	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := hc.Get("http://" + addr + "/_gureum/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-g.exited:
			t.Fatalf("gureum exited before becoming healthy: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gureum not healthy on %s after 15s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.client = newClient("http://" + addr)
	return g
}

// kill sends SIGKILL and waits for the process to be reaped.
func (g *gureum) kill(t *testing.T) {
	t.Helper()
	if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill gureum: %v", err)
	}
	select {
	case <-g.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("gureum still running 10s after SIGKILL")
	}
}

// newClient returns an SDK client that never retries, so one PutObject call
// is one HTTP request, and that sends bodies as they are read: the payload
// is UNSIGNED-PAYLOAD and no checksum is computed up front (both would read
// the whole body before sending it).
func newClient(endpoint string) *s3.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: writers * 2,
			DisableCompression:  true,
		}},
		Retryer:                    func() aws.Retryer { return aws.NopRetryer{} },
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.RetryMaxAttempts = 1
		o.ContinueHeaderThresholdBytes = -1 // no Expect: 100-continue
		o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	})
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && slices.Contains([]string{"NotFound", "NoSuchKey"}, ae.ErrorCode())
}

func unquote(etag string) string { return strings.Trim(etag, `"`) }

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
