package amibuild

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// debootstrapTranscript is debootstrap's output for n packages, in the
// forms debootstrap 1.0.128 prints (required ones are the first half).
func debootstrapTranscript(n int) []string {
	out := []string{
		"I: Target architecture can be executed",
		"I: Retrieving InRelease ",
		"I: Checking Release signature",
		"I: Valid Release signature (key id 4D64FEC119C2029067D6E791F8D2585B8783D481)",
		"I: Retrieving Packages ",
		"I: Validating Packages ",
		"I: Resolving dependencies of required packages...",
		"I: Resolving dependencies of base packages...",
		"I: Checking component main on http://deb.debian.org/debian...",
	}
	for i := range n {
		out = append(out, fmt.Sprintf("I: Retrieving pkg%d 1.%d-1", i, i), fmt.Sprintf("I: Validating pkg%d 1.%d-1", i, i))
	}
	out = append(out, "I: Chosen extractor for .deb packages: dpkg-deb")
	for i := range n / 2 {
		out = append(out, fmt.Sprintf("I: Extracting pkg%d...", i))
	}
	out = append(out, "I: Installing core packages...", "I: Unpacking required packages...")
	for i := range n / 2 {
		out = append(out, fmt.Sprintf("I: Unpacking pkg%d:amd64...", i))
	}
	out = append(out, "I: Configuring required packages...")
	for i := range n / 2 {
		out = append(out, fmt.Sprintf("I: Configuring pkg%d:amd64...", i))
	}
	out = append(out, "I: Unpacking the base system...")
	for i := n / 2; i < n; i++ {
		out = append(out, fmt.Sprintf("I: Unpacking pkg%d:amd64...", i))
	}
	out = append(out, "I: Configuring the base system...")
	for i := n / 2; i < n; i++ {
		out = append(out, fmt.Sprintf("I: Configuring pkg%d:amd64...", i))
	}
	return append(out, "I: Configuring libc-bin...", "I: Base system installed successfully.")
}

func TestDebootstrapProgress(t *testing.T) {
	for _, est := range []int{50, 100, 400} { // under, exact and over the real count
		t.Run(fmt.Sprint(est), func(t *testing.T) {
			d := &debootstrapProgress{estimate: est}
			last := -1.0
			details := map[string]bool{}
			for _, l := range debootstrapTranscript(100) {
				f, detail, ok := d.line(l)
				if !ok {
					t.Fatalf("%q not understood", l)
				}
				if f < last {
					t.Fatalf("progress went back from %.3f to %.3f at %q", last, f, l)
				}
				if f > 1 || f < 0 {
					t.Fatalf("progress %.3f at %q", f, l)
				}
				last = f
				details[detail] = true
			}
			if last != 1 {
				t.Errorf("progress ended at %.3f", last)
			}
			if d.retrieved != 100 || d.unpacked != 100 || d.configured != 101 || d.extracted != 50 {
				t.Errorf("counts: %+v", d)
			}
			for _, want := range []string{"retrieving pkg7", "extracting pkg3", "unpacking pkg60", "configuring pkg99", "validating pkg1 1.1-1", "done"} {
				if !details[want] {
					t.Errorf("no detail %q", want)
				}
			}
		})
	}
}

func TestDebootstrapProgressPhases(t *testing.T) {
	d := &debootstrapProgress{estimate: 10}
	for i := range 10 {
		d.line(fmt.Sprintf("I: Retrieving p%d 1", i))
	}
	if f := d.frac(); f < weightRetrieve-0.001 || f > weightRetrieve+0.001 {
		t.Errorf("after retrieving all: %.3f, want %.3f", f, weightRetrieve)
	}
	d.line("I: Unpacking p0:amd64...")
	if f := d.frac(); f <= weightRetrieve || f >= weightRetrieve+weightExtract+weightUnpack {
		t.Errorf("after one unpack: %.3f", f)
	}
	for _, l := range []string{"", "W: Failure trying to run: chroot", "E: Couldn't download", "I:", "random"} {
		if _, _, ok := d.line(l); ok {
			t.Errorf("%q taken for progress", l)
		}
	}
}

func TestProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b)
	if p.tty {
		t.Fatal("a buffer is no terminal")
	}
	for i := 0; i <= 1000; i++ {
		p.bar("importing", float64(i)/1000, fmt.Sprintf("%d MB", i))
	}
	p.done("importing")
	p.logf("built %s", "x")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 12 { // 0 %, 10 % … 100 %, and the log line
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	if lines[0] != "importing:   0% (0 MB)" || lines[10] != "importing: 100% (1000 MB)" || lines[11] != "built x" {
		t.Errorf("lines:\n%s", b.String())
	}
	if strings.Contains(b.String(), "\r") || strings.Contains(b.String(), "\033") {
		t.Error("terminal control characters in plain output")
	}
	newProgress(nil).logf("to nowhere") // must not fail
}

func TestProgressTerminalBar(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b)
	p.tty = true
	p.bar("debootstrap", 0.5, "unpacking libc6")
	p.logf("W: something")
	p.done("debootstrap")
	out := b.String()
	for _, want := range []string{
		"\r\033[Kdebootstrap [===============>              ]  50% unpacking libc6",
		"\r\033[KW: something\n",
		"debootstrap [==============================] 100%\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in %q", want, out)
		}
	}
	if got := renderBar("x", 0, "", 4); got != "x [>   ]   0%" {
		t.Errorf("renderBar(0) = %q", got)
	}
}

func TestChanges(t *testing.T) {
	ch := changes(meta{name: "n", description: `Debian 12 (bookworm) with "Docker", built by gureum`, defaultUser: "admin", docker: true, volumeGiB: 8}, timeOf(t, "2026-12-06T10:00:00+09:00"))
	all := strings.Join(ch, "\n")
	for _, want := range []string{
		`CMD ["/bin/sh"]`,
		"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		`LABEL gureum.ami="true"`,
		`LABEL gureum.ami.description="Debian 12 (bookworm) with \"Docker\", built by gureum"`,
		`LABEL gureum.ami.default-user="admin"`,
		`LABEL gureum.ami.docker="true"`,
		`LABEL gureum.ami.created="2026-12-06T01:00:00Z"`,
		`LABEL gureum.ami.volume-size="8"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %s in\n%s", want, all)
		}
	}
}

func TestReadImportStream(t *testing.T) {
	id, err := readImportStream(strings.NewReader(`{"status":"sha256:abc"}` + "\n"))
	if err != nil || id != "sha256:abc" {
		t.Errorf("id %q err %v", id, err)
	}
	if _, err := readImportStream(strings.NewReader(`{"errorDetail":{"message":"bad tar"},"error":"bad tar"}`)); err == nil || !strings.Contains(err.Error(), "bad tar") {
		t.Errorf("error not reported: %v", err)
	}
}
