package instinit

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// console writes the instance's console output: lines stamped like a
// kernel's log with the seconds since the init started.
type console struct {
	mu sync.Mutex
	w  io.Writer
	t0 time.Time
}

// newConsole returns a console writing to w.
func newConsole(w io.Writer) *console {
	if c, ok := w.(*console); ok {
		return c
	}
	return &console{w: w, t0: time.Now()}
}

// Write writes p as is (a child's output), so a console is an io.Writer.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}

// file is the *os.File the console writes to, if it is one, so children
// can write to it directly.
func (c *console) file() *os.File {
	f, _ := c.w.(*os.File)
	return f
}

// uptime is the time since the init started.
func (c *console) uptime() time.Duration {
	return time.Since(c.t0)
}

// Kernel prints a line like the kernel's, e.g. "reboot: Power down".
func (c *console) Kernel(format string, args ...any) {
	d := c.uptime()
	line := fmt.Sprintf("[%5d.%06d] ", d/time.Second, (d%time.Second)/time.Microsecond) + fmt.Sprintf(format, args...) + "\n"
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _ = io.WriteString(c.w, line)
}

// Printf prints one of the init's own lines.
func (c *console) Printf(format string, args ...any) {
	c.Kernel("gureum-init: "+format, args...)
}

// CloudInit prints a line the way cloud-init's appear on a console.
func (c *console) CloudInit(format string, args ...any) {
	c.Kernel(fmt.Sprintf("cloud-init[%d]: ", os.Getpid())+format, args...)
}

// ciTime formats t as cloud-init does in its stage lines.
func ciTime(t time.Time) string {
	return t.UTC().Format(time.RFC1123Z)
}

// secs formats d as cloud-init's "Up N seconds".
func secs(d time.Duration) string {
	return fmt.Sprintf("%.2f", d.Seconds())
}
