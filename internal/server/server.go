// Package server wires gureum together: the engines (metadata store, blob
// store), the services, and the edge in front of them. The gureum command
// and the integration tests build the same server through it, so the tests
// exercise exactly what users run.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/gureum/gureum/internal/accounts"
	"github.com/gureum/gureum/internal/blob"
	"github.com/gureum/gureum/internal/ec2"
	"github.com/gureum/gureum/internal/edge"
	"github.com/gureum/gureum/internal/iam"
	"github.com/gureum/gureum/internal/s3"
	"github.com/gureum/gureum/internal/store/bolt"
	"github.com/gureum/gureum/internal/sts"
)

// Config is what a server needs.
type Config struct {
	DataDir      string
	Region       string
	Accounts     []accounts.Account // the first is the default account
	AcceptAnyKey bool
	// LegacyBucketDefaults creates buckets with ACLs enabled and no Block
	// Public Access, as S3 did before April 2023.
	LegacyBucketDefaults bool
	// PublicIPPool is where EC2 public and Elastic IPs come from.
	PublicIPPool []netip.Prefix
	Logger       *slog.Logger
	Version      string
	Now          func() time.Time // nil: time.Now
}

// Server is a wired gureum.
type Server struct {
	Handler http.Handler
	Edge    *edge.Edge
	S3      *s3.Service
	IAM     *iam.Service
	db      *bolt.DB
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
	s3svc := s3.New(s3.Config{
		Accounts: ids, LegacyBucketDefaults: cfg.LegacyBucketDefaults,
		Store: db, Blobs: blobs, Region: cfg.Region, VirtualHostSuffixes: suffixes, Logger: cfg.Logger, Now: cfg.Now,
	})
	iamsvc := iam.New(iam.Config{Store: db, Accounts: reg, Logger: cfg.Logger, Now: cfg.Now})
	stssvc := sts.New(iamsvc, cfg.Logger, cfg.Now)
	ec2svc := ec2.New(ec2.Config{Store: db, Auth: iamsvc, Profiles: iamsvc, Logger: cfg.Logger, Now: cfg.Now, PublicIPPool: cfg.PublicIPPool})
	e := edge.New(edge.Config{
		Region: cfg.Region, Credentials: iamsvc, AcceptAnyKey: cfg.AcceptAnyKey, Logger: cfg.Logger, Version: cfg.Version, Now: cfg.Now,
		Services: []edge.Service{
			{Name: "s3", Handler: s3svc, Protocol: "restxml"},
			{Name: "iam", Handler: iamsvc, Protocol: "query"},
			{Name: "sts", Handler: stssvc, Protocol: "query"},
			{Name: "ec2", Handler: ec2svc, Protocol: "ec2query"},
		},
	})
	s3svc.SetAuth(e.Verifier(), e.ResolvePrincipal)
	s3svc.SetIdentities(iamsvc)
	return &Server{Handler: e, Edge: e, S3: s3svc, IAM: iamsvc, db: db}, nil
}

// CollectOrphans removes blobs no metadata references, written before
// `before`.
func (s *Server) CollectOrphans(ctx context.Context, before time.Time) (int, error) {
	return s.S3.CollectOrphans(ctx, before)
}

// Close closes the engines.
func (s *Server) Close() error { return s.db.Close() }
