package docker

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"

	"github.com/gureum/gureum/internal/compute"
)

func TestPrepareInitCopiesWhatTheBinaryNeeds(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	entry, mounts, err := prepareInit(exe, dir)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(exe)
	got, _ := os.ReadFile(filepath.Join(dir, "gureum"))
	if !bytes.Equal(want, got) {
		t.Fatal("the init is not a copy of the binary")
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, _ := f.ImportedLibraries()
	dynamic := false
	for _, p := range f.Progs {
		dynamic = dynamic || p.Type == elf.PT_INTERP
	}
	if !dynamic {
		if len(entry) != 1 || entry[0] != "/.gureum/gureum" || len(mounts) != 1 {
			t.Fatalf("static init: %v %v", entry, mounts)
		}
		return
	}
	if len(entry) != 4 || entry[1] != "--library-path" || entry[3] != "/.gureum/gureum" || len(mounts) != 2 {
		t.Fatalf("dynamic init: %v %v", entry, mounts)
	}
	for _, l := range append(libs, filepath.Base(entry[0])) {
		if _, err := os.Stat(filepath.Join(dir, "lib", l)); err != nil {
			t.Fatalf("the init's %s was not copied: %v", l, err)
		}
	}
	// Again: nothing changes, the file is not rewritten.
	st1, _ := os.Stat(filepath.Join(dir, "gureum"))
	if _, _, err := prepareInit(exe, dir); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(filepath.Join(dir, "gureum"))
	if !os.SameFile(st1, st2) {
		t.Fatal("an unchanged init was copied again")
	}
}

func TestTailBufferKeepsTheLast64KiB(t *testing.T) {
	var tb tailBuffer
	for i := range 10000 {
		tb.Write([]byte(strings.Repeat("x", 20) + string(rune('a'+i%26)) + "\n"))
	}
	out := tb.tail()
	if len(out) != consoleMax {
		t.Fatalf("%d bytes", len(out))
	}
	if !bytes.HasSuffix(out, []byte(strings.Repeat("x", 20)+string(rune('a'+9999%26))+"\n")) {
		t.Fatal("the tail is not the end of the output")
	}
	var small tailBuffer
	small.Write([]byte("boot\n"))
	if string(small.tail()) != "boot\n" {
		t.Fatal("short output changed")
	}
}

func TestIsolationAndLimits(t *testing.T) {
	d := &Driver{cfg: Config{Isolation: Standard}}
	hc := &container.HostConfig{}
	d.isolate(hc)
	if len(hc.CapAdd) != 1 || hc.CapAdd[0] != "ALL" || hc.CapDrop[0] != "SYS_RESOURCE" || hc.MaskedPaths == nil || len(hc.MaskedPaths) != 0 ||
		hc.Privileged || hc.CgroupnsMode != container.CgroupnsModePrivate {
		t.Fatalf("standard: %+v", hc)
	}
	d.cfg.Isolation = Strict
	hc = &container.HostConfig{}
	d.isolate(hc)
	if len(hc.CapAdd) != 0 || len(hc.SecurityOpt) != 0 || hc.MaskedPaths != nil || len(hc.DeviceCgroupRules) != 0 {
		t.Fatalf("strict reaches further than Docker's defaults: %+v", hc)
	}
	r := resources(compute.Spec{VCPUs: 64, MemoryMiB: 1024})
	if r.Memory != 1<<30 || r.NanoCPUs <= 0 || r.NanoCPUs > 64e9 {
		t.Fatalf("limits %+v", r)
	}
	if shortHost("ip-10-0-1-5.ec2.internal") != "ip-10-0-1-5" || domainOf("ip-10-0-1-5.ec2.internal") != "ec2.internal" {
		t.Fatal("host name split")
	}
}
