// Package server wires gureum together: the engines (metadata store, blob
// store), the services, and the edge in front of them. The gureum command
// and the integration tests build the same server through it, so the tests
// exercise exactly what users run.
package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/gureum/gureum/internal/accounts"
	"github.com/gureum/gureum/internal/blob"
	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/compute/docker"
	"github.com/gureum/gureum/internal/compute/none"
	"github.com/gureum/gureum/internal/console"
	"github.com/gureum/gureum/internal/ec2"
	"github.com/gureum/gureum/internal/edge"
	"github.com/gureum/gureum/internal/iam"
	"github.com/gureum/gureum/internal/kms"
	"github.com/gureum/gureum/internal/netplane"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/s3"
	"github.com/gureum/gureum/internal/store"
	"github.com/gureum/gureum/internal/store/bolt"
	"github.com/gureum/gureum/internal/sts"
)

// Config is what a server needs.
type Config struct {
	DataDir      string
	Region       string
	Accounts     []accounts.Account // the first is the default account
	AcceptAnyKey bool
	// RootPassword, when set, signs the accounts' root users in to the
	// console (with the account ID), besides their access keys.
	RootPassword string
	// LegacyBucketDefaults creates buckets with ACLs enabled and no Block
	// Public Access, as S3 did before April 2023.
	LegacyBucketDefaults bool
	// PublicIPPool is where EC2 public and Elastic IPs come from.
	PublicIPPool []netip.Prefix
	Logger       *slog.Logger
	Version      string
	Now          func() time.Time // nil: time.Now

	// Compute picks the compute driver: "docker", "none", or "auto"
	// (docker when an Engine answers, else none); "" means none.
	Compute string
	// Isolation is the docker driver's isolation: "standard" or "strict".
	Isolation string
	// InitBinary is the program instances run as init (default this
	// executable; see docker.Child).
	InitBinary string
	// Pull lets the docker driver pull registry images.
	Pull bool
	// Ephemeral removes every workload of this server at Close.
	Ephemeral bool

	// Netplane picks the VPC data plane: "linux", "none", or "auto"
	// (linux when gureum is root, can use netlink and nftables, and
	// instances are containers; else none); "" means none.
	Netplane string
	// Internet is gureum's internet in the linux data plane: "host"
	// (egress NATed through the host; the default) or "isolated" (no
	// path out of the machine).
	Internet string

	// LifecycleDay is how long a day of S3 lifecycle rules lasts (0:
	// 24 h); tests scale it down.
	LifecycleDay time.Duration
	// EC2Timings are EC2's state-machine paces (zero: AWS-like).
	EC2Timings ec2.Timings
}

// Server is a wired gureum.
type Server struct {
	Handler http.Handler
	Edge    *edge.Edge
	S3      *s3.Service
	IAM     *iam.Service
	EC2     *ec2.Service
	STS     *sts.Service
	KMS     *kms.Service
	// Compute is the compute driver instances run on.
	Compute compute.Driver
	// Netplane is the VPC data plane.
	Netplane netplane.Dataplane
	db       *bolt.DB
	rec      *reconcile.Engine
	stop     context.CancelFunc
	cfg      Config
}

// Open opens (creating as needed) the state in cfg.DataDir and wires the
// services.
func Open(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	reg, err := accounts.NewRegistry(cfg.Accounts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(cfg.DataDir, "meta.db"), bolt.Options{})
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		db.Close()
		return nil, err
	}
	suffixes := []string{"s3.localhost", "s3." + cfg.Region + ".localhost", "s3.localhost.localstack.cloud", "localhost"}
	var ids []string
	for _, a := range reg.Accounts() {
		ids = append(ids, a.ID)
	}
	rec := reconcile.New(reconcile.Config{Store: db, Logger: cfg.Logger, Now: cfg.Now})
	s3svc := s3.New(s3.Config{
		Accounts: ids, LegacyBucketDefaults: cfg.LegacyBucketDefaults,
		Store: db, Blobs: blobs, Region: cfg.Region, VirtualHostSuffixes: suffixes, Logger: cfg.Logger, Now: cfg.Now,
		Reconciler: rec, LifecycleDay: cfg.LifecycleDay,
	})
	iamsvc := iam.New(iam.Config{Store: db, Accounts: reg, Logger: cfg.Logger, Now: cfg.Now})
	stssvc := sts.New(iamsvc, cfg.Logger, cfg.Now)
	kmssvc := kms.New(kms.Config{Store: db, Identities: iamsvc, Reconciler: rec, Logger: cfg.Logger, Now: cfg.Now})
	drv, err := openCompute(cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	np, inet, err := openNetplane(cfg, db, drv)
	if err != nil {
		db.Close()
		return nil, err
	}
	ec2svc := ec2.New(ec2.Config{Store: db, Auth: iamsvc, Profiles: iamsvc, Logger: cfg.Logger, Now: cfg.Now, PublicIPPool: cfg.PublicIPPool,
		Compute: drv, Reconciler: rec, Netplane: np, Internet: inet, Timings: cfg.EC2Timings})
	rootKeys := map[string]string{}
	for _, a := range cfg.Accounts {
		rootKeys[a.ID] = a.AccessKey
	}
	con := console.New(console.Config{S3: s3svc.Operations(), IAM: iamsvc.Operations(), EC2: ec2svc.Operations(), STS: stssvc.Operations(),
		Identities: iamsvc, Region: cfg.Region, Logger: cfg.Logger, Now: cfg.Now, RootPassword: cfg.RootPassword, RootKeys: rootKeys})
	e := edge.New(edge.Config{
		Region: cfg.Region, Credentials: iamsvc, AcceptAnyKey: cfg.AcceptAnyKey, Logger: cfg.Logger, Version: cfg.Version, Now: cfg.Now, Console: con,
		Engines: map[string]string{"compute": drv.Name(), "metadata": "bolt", "netplane": np.Name()},
		Services: []edge.Service{
			{Name: "s3", Handler: s3svc, Protocol: "restxml"},
			{Name: "iam", Handler: iamsvc, Protocol: "query"},
			{Name: "sts", Handler: stssvc, Protocol: "query"},
			{Name: "ec2", Handler: ec2svc, Protocol: "ec2query"},
			{Name: "kms", Handler: kmssvc, Protocol: "json"},
		},
	})
	s3svc.SetAuth(e.Verifier(), e.ResolvePrincipal)
	s3svc.SetIdentities(iamsvc)
	s3svc.SetKMS(kmssvc) // SSE-KMS's data keys, made and decrypted as the caller
	if np.Name() != "none" {
		var forward []string
		if inet.Mode == netplane.InternetHost {
			forward = hostResolvers()
		}
		now := cfg.Now
		if now == nil {
			now = time.Now
		}
		ec2svc.SetVPCServices(newVPCServices(ec2svc, iamsvc, e, cfg.Logger, now, forward))
	}
	ctx, stop := context.WithCancel(context.Background())
	rec.Start()
	if err := ec2svc.Resume(ctx); err != nil {
		stop()
		rec.Stop()
		db.Close()
		return nil, err
	}
	return &Server{Handler: e, Edge: e, S3: s3svc, IAM: iamsvc, EC2: ec2svc, STS: stssvc, KMS: kmssvc, Compute: drv, Netplane: np, db: db, rec: rec, stop: stop, cfg: cfg}, nil
}

// openCompute picks and opens the compute driver cfg.Compute names.
func openCompute(cfg Config, db store.Store) (compute.Driver, error) {
	mode := cfg.Compute
	if mode == "" {
		mode = "none"
	}
	switch mode {
	case "none":
		return none.New(), nil
	case "auto":
		if err := docker.Available(context.Background(), 2*time.Second); err != nil {
			cfg.Logger.Info("compute: no Docker Engine answers, so instances are records only (the none driver); start Docker or pass --compute docker", "err", err)
			return none.New(), nil
		}
	case "docker":
	default:
		return nil, fmt.Errorf("compute: %q: want auto, docker or none", mode)
	}
	owner, err := ownerID(db)
	if err != nil {
		return nil, err
	}
	d, err := docker.New(context.Background(), docker.Config{Owner: owner, Dir: filepath.Join(cfg.DataDir, "compute"),
		Isolation: docker.Isolation(cfg.Isolation), InitBinary: cfg.InitBinary, Pull: cfg.Pull, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	cfg.Logger.Info("compute: instances are Docker containers", "isolation", cmp.Or(cfg.Isolation, "standard"), "owner", owner)
	return d, nil
}

// ownerID is this data directory's id, made on first use: the docker
// driver labels what it makes with it, so gureums sharing an Engine never
// touch each other's containers.
func ownerID(db store.Store) (string, error) {
	var id string
	err := db.Update(context.Background(), func(tx store.Tx) error {
		b, err := tx.Get("gureum.meta", []byte("owner"))
		if err == nil {
			id = string(b)
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		r := make([]byte, 6)
		if _, err := rand.Read(r); err != nil {
			return err
		}
		id = hex.EncodeToString(r)
		return tx.Put("gureum.meta", []byte("owner"), []byte(id))
	})
	return id, err
}

// CollectOrphans removes blobs no metadata references, written before
// `before`.
func (s *Server) CollectOrphans(ctx context.Context, before time.Time) (int, error) {
	return s.S3.CollectOrphans(ctx, before)
}

// Close stops the reconciler and closes the engines; an ephemeral
// server's workloads are removed first.
func (s *Server) Close() error {
	s.stop()
	s.rec.Stop()
	if d, ok := s.Compute.(*docker.Driver); ok && s.cfg.Ephemeral {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := d.DestroyAll(ctx); err != nil {
			s.cfg.Logger.Warn("compute: removing an ephemeral region's containers", "err", err)
		}
		cancel()
	}
	if s.cfg.Ephemeral && s.Netplane.Name() != "none" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := removeNetworks(ctx, s.Netplane); err != nil {
			s.cfg.Logger.Warn("netplane: removing an ephemeral region's networks", "err", err)
		}
		cancel()
	} else if h, ok := s.Netplane.(interface{ DetachHost(context.Context) error }); ok {
		// The region's networks stay for the next start; the host's
		// routes, link and rules into gureum's internet do not outlive
		// the process (the next start puts them back).
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := h.DetachHost(ctx); err != nil {
			s.cfg.Logger.Warn("netplane: detaching gureum's internet from the host", "err", err)
		}
		cancel()
	}
	return s.db.Close()
}
