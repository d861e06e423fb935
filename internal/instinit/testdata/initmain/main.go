// Command initmain runs the instance init, for TestInitAsPID1InDocker.
package main

import (
	"os"

	"github.com/gureum/gureum/internal/instinit"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "instance-init" {
		args = args[1:]
	}
	os.Exit(instinit.Main(args))
}
