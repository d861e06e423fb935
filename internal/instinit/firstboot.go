package instinit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// MarkerPath is the first-boot marker: written, with the instance id,
// when an instance's first boot completes. It lives on the instance's
// disk, so it survives a stop and start and is carried into images.
const MarkerPath = "/var/lib/gureum/first-boot"

// stateDir holds the init's state on the instance's disk.
const stateDir = "/var/lib/gureum"

// FirstBoot reports whether this is the first boot of the instance id:
// there is no marker, or the marker names another instance (this one was
// launched from an image of it), as cloud-init decides per instance id.
func FirstBoot(root, instanceID string) (bool, error) {
	b, err := os.ReadFile(at(root, MarkerPath))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the first-boot marker: %w", err)
	}
	return markerID(b) != oneLine(instanceID), nil
}

// oneLine is s with its control characters dropped, so it fits on a
// line of the marker.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// markerID is the instance id a marker records.
func markerID(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "instance-id:"); ok {
			return strings.TrimSpace(id)
		}
	}
	return ""
}

// MarkBooted writes the first-boot marker for the instance id.
func MarkBooted(root, instanceID string) error {
	if err := os.MkdirAll(at(root, stateDir), 0o755); err != nil {
		return fmt.Errorf("writing the first-boot marker: %w", err)
	}
	data := fmt.Sprintf("instance-id: %s\nfirst-boot: %s\n", oneLine(instanceID), time.Now().UTC().Format(time.RFC3339))
	if err := writeReplacing(at(root, MarkerPath), []byte(data), 0o644, 0, 0); err != nil {
		return fmt.Errorf("writing the first-boot marker: %w", err)
	}
	return nil
}
