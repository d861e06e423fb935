// Command gureum is a whole AWS region on your own machine: one binary that
// serves the AWS APIs on one port.
//
//	gureum [serve] [flags]                    run the server (the default)
//	gureum aws ARGS…                          the aws CLI, pointed at gureum
//	gureum ami build minimal|debian [--with-docker]   build an AMI's image
//	gureum ami list                           the AMIs and whether they are built
//	gureum ssh INSTANCE_ID [command …]        a shell (or a command) in an instance
//	gureum ca                                 where the local CA for HTTPS is, how to trust it
//	gureum version                            print the version
//	gureum help                               list the commands
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gureum/gureum/internal/accounts"
	"github.com/gureum/gureum/internal/compute/docker"
	"github.com/gureum/gureum/internal/edge"
	"github.com/gureum/gureum/internal/server"
	"github.com/gureum/gureum/internal/tlsca"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `usage: gureum [command] [flags]

commands:
  serve                  run gureum (the default); 'gureum serve -h' lists the flags
  aws ARGS…              the installed aws CLI, sent only to gureum (at GUREUM_LISTEN), as root
  ami build KIND         build an AMI's image in the Docker Engine:
                           minimal                BusyBox, boots in well under a second
                           debian [--with-docker] Debian 12 by debootstrap (root), optionally with Docker Engine
  ami list               the AMIs gureum builds and whether they are built
  ca                     where gureum's local CA is and how to trust it (for HTTPS)
  ssh INSTANCE_ID [CMD]  a shell in a running instance as its AMI's default user, or CMD
  version                print the version
  help                   this list
`

func main() {
	// Inside an instance's container the same binary is the init.
	if code, ok := docker.Child(os.Args); ok {
		os.Exit(code)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is gureum with args (without the program name); it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		cmd = "help"
	}
	switch cmd {
	case "serve":
		if err := serve(args, stdout); errors.Is(err, flag.ErrHelp) {
			return 0
		} else if err != nil {
			fmt.Fprintln(stderr, "gureum:", err)
			return 1
		}
		return 0
	case "aws":
		return awsCommand(args, os.Stdin, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "gureum", version)
		return 0
	case "ami":
		return amiCommand(args, stdout, stderr)
	case "ssh":
		return sshCommand(args)
	case "ca":
		return caCommand(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gureum: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// options are the serve command's settings. Each flag has a GUREUM_*
// environment variable; a flag given on the command line wins.
type options struct {
	listen        string
	tlsListen     string
	dataDir       string
	ephemeral     bool
	region        string
	rootAccessKey string
	rootSecretKey string
	acceptAnyKey  bool
	rootPassword  string
	legacyBuckets bool
	publicPool    string
	accounts      []string
	logLevel      string
	logFormat     string
	compute       string
	netplane      string
	internet      string
	isolation     string
	pull          bool
	lifecycleDay  time.Duration
}

type multiFlag struct{ vals *[]string }

func (m multiFlag) String() string {
	if m.vals == nil { // the flag package calls this on a zero value for -help
		return ""
	}
	return strings.Join(*m.vals, ",")
}

func (m multiFlag) Set(v string) error { *m.vals = append(*m.vals, v); return nil }

func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "gureum")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "gureum")
	}
	return "gureum-data"
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", env("GUREUM_LISTEN", "127.0.0.1:4566"), "address to serve on (GUREUM_LISTEN)")
	fs.StringVar(&o.tlsListen, "tls-listen", env("GUREUM_TLS_LISTEN", "127.0.0.1:4567"), "address to serve HTTPS on, with a certificate from gureum's local CA ('gureum ca' says how to trust it); empty: no HTTPS (GUREUM_TLS_LISTEN)")
	fs.StringVar(&o.dataDir, "data-dir", env("GUREUM_DATA_DIR", defaultDataDir()), "where state is kept (GUREUM_DATA_DIR)")
	fs.BoolVar(&o.ephemeral, "ephemeral", envBool("GUREUM_EPHEMERAL"), "keep state in a temporary directory, removed on exit (GUREUM_EPHEMERAL)")
	fs.StringVar(&o.region, "region", env("GUREUM_REGION", "us-east-1"), "default region (GUREUM_REGION)")
	fs.StringVar(&o.rootAccessKey, "root-access-key", env("GUREUM_ROOT_ACCESS_KEY", "test"), "access key of account "+accounts.DefaultID+"'s root user (GUREUM_ROOT_ACCESS_KEY)")
	fs.StringVar(&o.rootSecretKey, "root-secret-key", env("GUREUM_ROOT_SECRET_KEY", "test"), "secret key of that root user (GUREUM_ROOT_SECRET_KEY)")
	fs.StringVar(&o.rootPassword, "root-password", env("GUREUM_ROOT_PASSWORD", ""), "a password the accounts' root users sign in to the console with, as with an email and password on AWS; empty: they sign in with their access keys only (GUREUM_ROOT_PASSWORD)")
	fs.StringVar(&o.publicPool, "public-ip-pool", env("GUREUM_PUBLIC_IP_POOL", "198.51.100.0/24,203.0.113.0/24"), "comma-separated IPv4 CIDRs EC2 public and Elastic IPs come from (GUREUM_PUBLIC_IP_POOL)")
	fs.BoolVar(&o.legacyBuckets, "legacy-bucket-defaults", envBool("GUREUM_LEGACY_BUCKET_DEFAULTS"), "create buckets as S3 did before April 2023: ACLs enabled, no Block Public Access (GUREUM_LEGACY_BUCKET_DEFAULTS)")
	fs.BoolVar(&o.acceptAnyKey, "accept-any-key", envBool("GUREUM_ACCEPT_ANY_KEY"), "any well-formed access key acts as the default account's root; signatures are parsed but not checked (GUREUM_ACCEPT_ANY_KEY)")
	if v := os.Getenv("GUREUM_ACCOUNTS"); v != "" {
		o.accounts = strings.Fields(strings.ReplaceAll(v, ",", " "))
	}
	fs.Var(multiFlag{&o.accounts}, "account", "another account, ID:ACCESS_KEY:SECRET_KEY; repeatable (GUREUM_ACCOUNTS, comma-separated)")
	fs.StringVar(&o.logLevel, "log-level", env("GUREUM_LOG_LEVEL", "info"), "debug, info, warn or error (GUREUM_LOG_LEVEL)")
	fs.StringVar(&o.logFormat, "log-format", env("GUREUM_LOG_FORMAT", "text"), "text or json (GUREUM_LOG_FORMAT)")
	fs.StringVar(&o.compute, "compute", env("GUREUM_COMPUTE", "auto"), "what instances run on: docker, none, or auto (docker when an Engine answers) (GUREUM_COMPUTE)")
	fs.StringVar(&o.netplane, "netplane", env("GUREUM_NETPLANE", "auto"), "what VPCs are: linux (real networks: namespaces, bridges, nftables; needs root and --compute docker), none (records only), or auto (linux when possible) (GUREUM_NETPLANE)")
	fs.StringVar(&o.internet, "internet", env("GUREUM_INTERNET", "host"), "gureum's internet for VPCs: host (instances reach out through this machine; public IPs are reachable from it) or isolated (no path out of the machine) (GUREUM_INTERNET)")
	fs.StringVar(&o.isolation, "instance-isolation", env("GUREUM_INSTANCE_ISOLATION", "standard"), "standard (instances can run Docker inside) or strict (Docker's default capabilities) (GUREUM_INSTANCE_ISOLATION)")
	fs.BoolVar(&o.pull, "image-pull", envBool("GUREUM_IMAGE_PULL"), "list the Amazon Linux and Ubuntu AMIs and pull their registry images on first launch (GUREUM_IMAGE_PULL)")
	fs.DurationVar(&o.lifecycleDay, "lifecycle-day", envDuration("GUREUM_LIFECYCLE_DAY", 24*time.Hour), "how long a day of S3 lifecycle rules lasts, e.g. 1s in tests (GUREUM_LIFECYCLE_DAY)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}

func newLogger(o *options, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, not %q", o.logFormat)
}

func serve(args []string, stdout io.Writer) error {
	started := time.Now()
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	log, err := newLogger(o, os.Stderr)
	if err != nil {
		return err
	}
	list := []accounts.Account{{ID: accounts.DefaultID, AccessKey: o.rootAccessKey, SecretKey: o.rootSecretKey}}
	for _, s := range o.accounts {
		a, err := accounts.Parse(s)
		if err != nil {
			return err
		}
		list = append(list, a)
	}
	var pool []netip.Prefix
	for _, c := range strings.Split(o.publicPool, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil || !p.Addr().Is4() {
			return fmt.Errorf("--public-ip-pool: %q is not an IPv4 CIDR", c)
		}
		pool = append(pool, p.Masked())
	}
	dir := o.dataDir
	if o.ephemeral {
		dir, err = os.MkdirTemp("", "gureum-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	srv, err := server.Open(server.Config{DataDir: dir, Region: o.region, Accounts: list, AcceptAnyKey: o.acceptAnyKey, RootPassword: o.rootPassword, LegacyBucketDefaults: o.legacyBuckets,
		PublicIPPool: pool, Logger: log, Version: version, Compute: o.compute, Isolation: o.isolation, Pull: o.pull, Ephemeral: o.ephemeral,
		Netplane: o.netplane, Internet: o.internet, LifecycleDay: o.lifecycleDay})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	httpSrv := edge.NewServer(srv.Handler, log)
	endpoints := map[string]string{"http": "http://" + ln.Addr().String()}
	var httpsSrv *http.Server
	var tlsLn net.Listener
	if o.tlsListen != "" {
		files := tlsca.ForDataDir(dir)
		cert, err := tlsca.Ensure(files, o.region, time.Now())
		if err != nil {
			return fmt.Errorf("--tls-listen: %w", err)
		}
		raw, err := net.Listen("tcp", o.tlsListen)
		if err != nil {
			return fmt.Errorf("--tls-listen: %w", err)
		}
		tlsLn = tls.NewListener(raw, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		httpsSrv = edge.NewServer(srv.Handler, log)
		endpoints["https"] = "https://" + raw.Addr().String()
		endpoints["ca"] = files.CA()
	}
	srv.Edge.SetEndpoints(endpoints)
	fmt.Fprintf(stdout, "gureum %s serving AWS on http://%s (region %s, data %s, instances: %s, VPCs: %s; ready in %s)\n", version, ln.Addr(), o.region, describeDir(dir, o.ephemeral), srv.Compute.Name(), srv.Netplane.Name(), time.Since(started).Round(time.Microsecond))
	if httpsSrv != nil {
		fmt.Fprintf(stdout, "  and HTTPS on %s (certificate of gureum's local CA %s: AWS_CA_BUNDLE=%s; 'gureum ca' says more)\n", endpoints["https"], endpoints["ca"], endpoints["ca"])
	}
	printClients(stdout, o, ln.Addr().String(), selfCommand(os.Args[0]))

	go func() {
		n, err := srv.CollectOrphans(context.Background(), started)
		if err != nil {
			log.Warn("collecting orphan blobs", "err", err)
		} else if n > 0 {
			log.Info("removed orphan blobs", "count", n)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 2)
	go func() { errc <- httpSrv.Serve(ln) }()
	if httpsSrv != nil {
		go func() { errc <- httpsSrv.Serve(tlsLn) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if httpsSrv != nil {
		if err := httpsSrv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	if err := httpSrv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func describeDir(dir string, ephemeral bool) string {
	if ephemeral {
		return dir + ", ephemeral"
	}
	return dir
}

// printClients prints the start-up banner's ways to point clients at
// gureum. Each line works as printed with every client it names and sends
// nothing to real AWS: aws CLIs before 2.13 (Debian 12 has 2.9) ignore
// AWS_ENDPOINT_URL and endpoint_url, so the banner never relies on them
// for the aws CLI. A secret other than the default is not printed.
func printClients(w io.Writer, o *options, addr, self string) {
	endpoint, err := clientEndpoint(addr)
	if err != nil {
		return
	}
	secret := o.rootSecretKey
	if secret != "test" {
		secret = "<your --root-secret-key>"
	}
	// `gureum aws` reads the same GUREUM_* variables as serve.
	var pre []string
	if def, _ := clientEndpoint("127.0.0.1:4566"); endpoint != def {
		pre = append(pre, "GUREUM_LISTEN="+strings.TrimPrefix(endpoint, "http://"))
	}
	if o.rootAccessKey != "test" || o.rootSecretKey != "test" {
		pre = append(pre, "GUREUM_ROOT_ACCESS_KEY="+o.rootAccessKey, "GUREUM_ROOT_SECRET_KEY="+secret)
	}
	if o.region != "us-east-1" {
		pre = append(pre, "GUREUM_REGION="+o.region)
	}
	pre = append(pre, self+" aws s3 mb s3://my-bucket")
	fmt.Fprintf(w, "  %s    # the installed aws CLI, sent here\n", strings.Join(pre, " "))
	fmt.Fprintf(w, "  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws --endpoint-url %s --region %s s3 ls\n", o.rootAccessKey, secret, endpoint, o.region)
	fmt.Fprintf(w, "  SDKs that read endpoint_url (boto3 >= 1.28, aws CLI >= 2.13, not Debian 12's 2.9): add to ~/.aws/config, use profile gureum\n")
	fmt.Fprintf(w, "    [profile gureum]\n    endpoint_url = %s\n    region = %s\n    aws_access_key_id = %s\n    aws_secret_access_key = %s\n", endpoint, o.region, o.rootAccessKey, secret)
}

// selfCommand is how a shell runs this gureum again, from how it was
// started (argv0): "gureum" when found on PATH, "go run ./cmd/gureum"
// under go run, else the path as typed ("./gureum").
func selfCommand(argv0 string) string {
	switch {
	case !strings.Contains(argv0, "/"):
		return "gureum"
	case strings.Contains(argv0, "/go-build"):
		return "go run ./cmd/gureum"
	}
	return argv0
}
