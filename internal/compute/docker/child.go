package docker

import (
	"fmt"
	"os"

	"github.com/gureum/gureum/internal/instinit"
)

// Child runs the programs the driver starts the gureum binary as inside
// containers: `instance-init` (PID 1 of every instance) and `copy-tree
// SRC DST` (copying an inner Engine's volume). The gureum command, and
// every test binary that runs instances, calls it first thing in main
// (TestMain) with os.Args; when it reports handled, exit with code.
func Child(args []string) (code int, handled bool) {
	if len(args) < 2 {
		return 0, false
	}
	switch args[1] {
	case "instance-init":
		return instinit.Main(args[2:]), true
	case "copy-tree":
		if len(args) != 4 {
			fmt.Fprintln(os.Stderr, "usage: copy-tree SRC DST")
			return 2, true
		}
		if err := instinit.CopyTree(args[2], args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "copy-tree:", err)
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
