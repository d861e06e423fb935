package amibuild

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress reports a build to a person: a redrawn bar on a terminal,
// plain lines (one per tenth of a phase at most) otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	barShown bool      // a bar is on the terminal's last line
	label    string    // the phase of the last bar
	tenth    int       // the last tenth of the phase reported as a line
	drawn    time.Time // when the bar was last drawn
}

// newProgress reports to w (nil: nowhere).
func newProgress(w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	p := &progress{w: w, tenth: -1}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// logf writes a line, below any bar.
func (p *progress) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearBar()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// clearBar ends a bar's line so that what follows starts on a new one.
func (p *progress) clearBar() {
	if p.barShown {
		fmt.Fprint(p.w, "\r\033[K")
		p.barShown = false
	}
}

// bar reports that phase label is frac (0 to 1) done, now at detail.
func (p *progress) bar(label string, frac float64, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	frac = min(max(frac, 0), 1)
	if label != p.label {
		p.label, p.tenth = label, -1
		p.drawn = time.Time{}
	}
	if !p.tty {
		t := int(frac * 10)
		if t == p.tenth {
			return
		}
		p.tenth = t
		if detail != "" {
			fmt.Fprintf(p.w, "%s: %3d%% (%s)\n", label, int(frac*100), detail)
		} else {
			fmt.Fprintf(p.w, "%s: %3d%%\n", label, int(frac*100))
		}
		return
	}
	if time.Since(p.drawn) < 100*time.Millisecond && frac < 1 {
		return
	}
	p.drawn = time.Now()
	fmt.Fprint(p.w, "\r\033[K"+renderBar(label, frac, detail, 30))
	p.barShown = true
}

// done ends the bar of the current phase at 100 %.
func (p *progress) done(label string) {
	p.bar(label, 1, "")
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.barShown {
		fmt.Fprintln(p.w)
		p.barShown = false
	}
}

// renderBar draws one bar line: "label [=====>    ]  45% detail".
func renderBar(label string, frac float64, detail string, width int) string {
	n := int(frac * float64(width))
	b := strings.Repeat("=", n)
	if n < width {
		b += ">" + strings.Repeat(" ", width-n-1)
	}
	s := fmt.Sprintf("%s [%s] %3d%%", label, b, int(frac*100))
	if detail != "" {
		if len(detail) > 40 {
			detail = detail[:40]
		}
		s += " " + detail
	}
	return s
}

// debootstrapProgress turns debootstrap's "I: …" lines into one fraction
// for the whole bootstrap. The number of packages is only known once
// they are all retrieved, so retrieving is measured against an estimate.
type debootstrapProgress struct {
	estimate   int // packages expected
	retrieved  int
	extracted  int
	unpacked   int
	configured int
}

// The weights of debootstrap's phases in the whole (they add up to 1).
const (
	weightRetrieve  = 0.35
	weightExtract   = 0.15
	weightUnpack    = 0.25
	weightConfigure = 0.25
)

// line reads one line of debootstrap's output; it returns the fraction of
// the bootstrap done and what it is doing, and ok false for a line that
// says nothing about progress.
func (d *debootstrapProgress) line(s string) (frac float64, detail string, ok bool) {
	msg, found := strings.CutPrefix(strings.TrimSpace(s), "I: ")
	if !found || msg == "" {
		return 0, "", false
	}
	word, rest, _ := strings.Cut(msg, " ")
	pkg := strings.TrimSuffix(strings.Fields(rest + " ?")[0], "...")
	pkg, _, _ = strings.Cut(pkg, ":")
	switch {
	case word == "Retrieving" && !strings.HasPrefix(rest, "Release") && !strings.HasPrefix(rest, "Packages") && !strings.HasPrefix(rest, "InRelease"):
		d.retrieved++
		detail = "retrieving " + pkg
	case word == "Extracting":
		d.extracted++
		detail = "extracting " + pkg
	case word == "Unpacking" && !strings.HasSuffix(msg, "packages...") && !strings.HasSuffix(msg, "system..."):
		d.unpacked++
		detail = "unpacking " + pkg
	case word == "Configuring" && !strings.HasSuffix(msg, "packages...") && !strings.HasSuffix(msg, "system..."):
		d.configured++
		detail = "configuring " + pkg
	case strings.HasPrefix(msg, "Base system installed successfully"):
		return 1, "done", true
	default:
		return d.frac(), strings.TrimSuffix(strings.ToLower(msg[:1])+msg[1:], "..."), true
	}
	return d.frac(), detail, true
}

// frac is the fraction done so far.
func (d *debootstrapProgress) frac() float64 {
	total := max(d.estimate, d.retrieved, 1)
	if d.extracted > 0 || d.unpacked > 0 {
		total = max(d.retrieved, 1) // retrieving is over: the count is exact
	}
	part := func(n int) float64 { return min(float64(n)/float64(total), 1) }
	retrieve := part(d.retrieved)
	if d.extracted > 0 || d.unpacked > 0 || d.configured > 0 {
		retrieve = 1
	}
	f := weightRetrieve*retrieve + weightExtract*part(d.extracted) + weightUnpack*part(d.unpacked) + weightConfigure*part(d.configured)
	return min(f, 0.999)
}
