// Package amibuild builds the AMIs gureum can boot as Docker images, with
// no container registry: each image's root filesystem is made on this
// machine (BusyBox from Debian's busybox-static package, or Debian 12 by
// debootstrap from the machine's Debian mirror), written as a tar stream
// in Go and imported into the Docker Engine.
package amibuild

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// Label keys put on every image this package builds (and read by the compute driver).
const (
	LabelAMI         = "gureum.ami"              // "true" on every gureum AMI image
	LabelName        = "gureum.ami.name"         // AWS-like AMI name
	LabelDescription = "gureum.ami.description"  // AWS-like AMI description
	LabelDefaultUser = "gureum.ami.default-user" // "ec2-user" for minimal, "admin" for Debian
	LabelDocker      = "gureum.ami.docker"       // "true" when the image has a Docker Engine
	LabelArch        = "gureum.ami.architecture" // "x86_64" or "arm64" from runtime.GOARCH
	LabelCreated     = "gureum.ami.created"      // RFC3339 UTC
	LabelVolumeSize  = "gureum.ami.volume-size"  // root volume GiB as a decimal string
)

// Kind is one of the AMIs gureum builds.
type Kind string

// The kinds of AMI gureum builds.
const (
	Minimal      Kind = "minimal"
	Debian       Kind = "debian"
	DebianDocker Kind = "debian-docker"
)

// imagePath is the Env PATH of every image.
const imagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Ref is the local image reference of a kind: "gureum/ami:minimal",
// "gureum/ami:debian-12", "gureum/ami:debian-12-docker"; "" for an unknown kind.
func Ref(k Kind) string {
	switch k {
	case Minimal:
		return "gureum/ami:minimal"
	case Debian:
		return "gureum/ami:debian-12"
	case DebianDocker:
		return "gureum/ami:debian-12-docker"
	}
	return ""
}

// Options for Build.
type Options struct {
	Progress io.Writer // human progress (a bar on a terminal, plain lines otherwise); nil = discard
	Mirror   string    // Debian mirror URL; "" = read from the machine's apt sources, falling back to http://deb.debian.org/debian
	WorkDir  string    // scratch space; "" = os.MkdirTemp

	// ref overrides Ref(k) as the tag of the built image (tests use it so
	// they never replace the real AMIs).
	ref string
}

// meta is what an image's labels say about it.
type meta struct {
	name        string
	description string
	defaultUser string
	docker      bool
	volumeGiB   int
	message     string // the import's commit message
}

// Build builds kind k and tags it Ref(k) with the labels above; it returns the image id.
func Build(ctx context.Context, c *client.Client, k Kind, o Options) (string, error) {
	ref := o.ref
	if ref == "" {
		ref = Ref(k)
	}
	if ref == "" {
		return "", fmt.Errorf("amibuild: unknown AMI kind %q (want %s, %s or %s)", k, Minimal, Debian, DebianDocker)
	}
	p := newProgress(o.Progress)
	start := time.Now()
	old := ""
	if ii, err := c.ImageInspect(ctx, ref); err == nil {
		old = ii.ID
	} else if !cerrdefs.IsNotFound(err) {
		return "", fmt.Errorf("amibuild: asking the Docker Engine for %s: %w", ref, err)
	}
	var (
		id  string
		err error
	)
	switch k {
	case Minimal:
		id, err = buildMinimal(ctx, c, ref, p)
	default:
		id, err = buildDebian(ctx, c, ref, k == DebianDocker, o, p)
	}
	if err != nil {
		return "", err
	}
	if old != "" && old != id {
		// The previous build is untagged now; drop it unless an instance
		// still uses it.
		_, _ = c.ImageRemove(ctx, old, image.RemoveOptions{PruneChildren: true})
	}
	p.logf("built %s (%s) in %s", ref, shortID(id), time.Since(start).Round(100*time.Millisecond))
	return id, nil
}

// Present reports whether Ref(k) exists in the Engine.
func Present(ctx context.Context, c *client.Client, k Kind) (bool, error) {
	ref := Ref(k)
	if ref == "" {
		return false, fmt.Errorf("amibuild: unknown AMI kind %q", k)
	}
	_, err := c.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("amibuild: asking the Docker Engine for %s: %w", ref, err)
}

// Arch is the AWS architecture name of the machine gureum runs on.
func Arch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// DebianArch is Debian's name of the machine's architecture.
func DebianArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "amd64"
}

// changes are the Dockerfile-like lines that give an imported image its
// Cmd, Env and labels.
func changes(m meta, created time.Time) []string {
	labels := []struct{ k, v string }{
		{LabelAMI, "true"},
		{LabelName, m.name},
		{LabelDescription, m.description},
		{LabelDefaultUser, m.defaultUser},
		{LabelDocker, strconv.FormatBool(m.docker)},
		{LabelArch, Arch()},
		{LabelCreated, created.UTC().Format(time.RFC3339)},
		{LabelVolumeSize, strconv.Itoa(m.volumeGiB)},
	}
	out := []string{`CMD ["/bin/sh"]`, "ENV PATH=" + imagePath}
	for _, l := range labels {
		out = append(out, "LABEL "+l.k+"="+strconv.Quote(l.v))
	}
	return out
}

// importTar imports the root filesystem tar that write produces as ref,
// with m's labels, and returns the new image's id. write gets the writing
// end of a pipe; its error, or the Engine's, is returned.
func importTar(ctx context.Context, c *client.Client, ref string, m meta, write func(io.Writer) error) (string, error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := write(pw)
		pw.CloseWithError(err)
		done <- err
	}()
	rc, err := c.ImageImport(ctx, image.ImportSource{Source: pr, SourceName: "-"}, ref,
		image.ImportOptions{Changes: changes(m, time.Now()), Message: m.message})
	if err != nil {
		pr.CloseWithError(err)
		if werr := <-done; werr != nil && !errors.Is(werr, err) && !errors.Is(werr, io.ErrClosedPipe) {
			return "", fmt.Errorf("amibuild: importing %s: %w (writing the root filesystem: %v)", ref, err, werr)
		}
		return "", fmt.Errorf("amibuild: importing %s: %w", ref, err)
	}
	id, rerr := readImportStream(rc)
	rc.Close()
	pr.CloseWithError(io.ErrClosedPipe) // unblocks the writer if the Engine stopped reading early
	if werr := <-done; werr != nil && !errors.Is(werr, io.ErrClosedPipe) {
		return "", fmt.Errorf("amibuild: writing the root filesystem of %s: %w", ref, werr)
	}
	if rerr != nil {
		return "", fmt.Errorf("amibuild: importing %s: %w", ref, rerr)
	}
	ii, err := c.ImageInspect(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("amibuild: inspecting the imported %s: %w", ref, err)
	}
	if id != "" && ii.ID != id {
		return "", fmt.Errorf("amibuild: imported %s as %s, but %s is %s (built concurrently?)", ref, id, ref, ii.ID)
	}
	return ii.ID, nil
}

// readImportStream reads the Engine's JSON messages about an import and
// returns the image id from the last status, or the error it reports.
func readImportStream(r io.Reader) (string, error) {
	id := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		var m struct {
			Status      string `json:"status"`
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if m.Error != "" {
			return "", fmt.Errorf("the Docker Engine says: %s", m.Error)
		}
		if m.ErrorDetail.Message != "" {
			return "", fmt.Errorf("the Docker Engine says: %s", m.ErrorDetail.Message)
		}
		if s := strings.TrimSpace(m.Status); strings.HasPrefix(s, "sha256:") {
			id = s
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading the Docker Engine's answer: %w", err)
	}
	return id, nil
}

// shortID is the 12-hex-digit form of an image id.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
