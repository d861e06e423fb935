//go:build pprof

package main

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

// Built with -tags pprof, gureum serves Go's profiler on
// $GUREUM_PPROF (default 127.0.0.1:6060), for measuring hot paths under
// a real load such as warp's.
func init() {
	addr := os.Getenv("GUREUM_PPROF")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}
