package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gureum/gureum/internal/tlsca"
)

// caCommand prints where gureum's local CA is and how to trust it,
// making it (in the data directory) if it does not exist yet.
func caCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ca", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", env("GUREUM_DATA_DIR", defaultDataDir()), "gureum's data directory (GUREUM_DATA_DIR)")
	region := fs.String("region", env("GUREUM_REGION", "us-east-1"), "default region (GUREUM_REGION)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	files := tlsca.ForDataDir(*dataDir)
	if _, err := tlsca.Ensure(files, *region, time.Now()); err != nil {
		fmt.Fprintln(stderr, "gureum ca:", err)
		return 1
	}
	fmt.Fprintf(stdout, `%s

gureum serves HTTPS (--tls-listen, default 127.0.0.1:4567) with a certificate
this local CA signed, for localhost, *.s3.localhost, *.s3-website.localhost
and the loopback addresses. Trust it:
  one client:   export AWS_CA_BUNDLE=%s
                (aws CLI, boto3, the Go SDK; curl --cacert %s)
  this machine: sudo cp %s /usr/local/share/ca-certificates/gureum.crt && sudo update-ca-certificates
Its key stays in %s (mode 0600); an --ephemeral gureum makes a new CA each run.
`, files.CA(), files.CA(), files.CA(), files.CA(), files.Dir)
	return 0
}
