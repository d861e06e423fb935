// Package ec2 is gureum's EC2 and VPC control plane: the API records what
// the user asked for, with AWS's rules, ids, state machines and errors.
// Making it real (containers, Linux networks) is the compute and netplane
// drivers' job, driven by reconcilers; this package only records intent.
//
// Every resource belongs to an account and a region. The first call in an
// account and region creates its default VPC, as AWS has one ready.
package ec2

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/ec2query"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/compute/none"
	"github.com/gureum/gureum/internal/netplane"
	netnone "github.com/gureum/gureum/internal/netplane/none"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Authorizer judges an action with the caller's identity policies
// (iam.Service implements it).
type Authorizer interface {
	Authorize(ctx context.Context, r *http.Request, action, resource string, extra policy.Context) error
}

// InstanceProfiles finds IAM instance profiles (iam.Service implements it).
type InstanceProfiles interface {
	LookupInstanceProfile(ctx context.Context, acct, nameOrARN string) (arn, id string, ok bool, err error)
}

// Config wires the service.
type Config struct {
	Store store.Store
	Auth  Authorizer
	// Profiles resolves RunInstances' IamInstanceProfile; nil accepts any
	// well-formed one.
	Profiles InstanceProfiles
	Logger   *slog.Logger
	Now      func() time.Time
	// PublicIPPool is where Elastic and public IPs come from (default
	// the documentation ranges 198.51.100.0/24 and 203.0.113.0/24).
	PublicIPPool []netip.Prefix
	// Compute runs instances (default: the none driver).
	Compute compute.Driver
	// Reconciler runs the work the API schedules; the Service registers
	// its kinds of work with it. The caller starts and stops it.
	Reconciler *reconcile.Engine
	// Netplane makes VPCs real networks (default: none, nothing is).
	Netplane netplane.Dataplane
	// Internet is gureum's internet, made when Netplane is real and Mode
	// is set.
	Internet netplane.Internet
	// VPCServices opens the metadata service and the resolver in each VPC
	// network; nil opens none.
	VPCServices VPCServices
}

// Service serves EC2.
type Service struct {
	store    store.Store
	auth     Authorizer
	profiles InstanceProfiles
	log      *slog.Logger
	now      func() time.Time
	ops      map[string]func(ctx context.Context, v url.Values) (any, error)
	compute  compute.Driver
	rec      *reconcile.Engine

	netplane    netplane.Dataplane
	internet    netplane.Internet
	vpcServices VPCServices
	net         netState

	defaults sync.Map // account/region → struct{}: default VPC ensured
	listings sync.Map // scope → *listing: the last listing of all instances (listInstances)
	mu       sync.Mutex
}

// New returns the EC2 service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Compute == nil {
		cfg.Compute = none.New()
	}
	if cfg.Netplane == nil {
		cfg.Netplane = netnone.New()
	}
	s := &Service{store: cfg.Store, auth: cfg.Auth, profiles: cfg.Profiles, log: cfg.Logger, now: cfg.Now, compute: cfg.Compute, rec: cfg.Reconciler,
		netplane: cfg.Netplane, internet: cfg.Internet, vpcServices: cfg.VPCServices}
	s.net = netState{dirty: map[scope]bool{}, wake: make(chan struct{}, 1), plugged: map[string]plugState{}, svcs: map[string]io.Closer{}, applied: map[string]appliedVPC{}}
	if s.rec != nil {
		s.registerWork(s.rec)
	}
	s.ops = s.operations()
	if len(cfg.PublicIPPool) > 0 {
		s.SetAddressPool(cfg.PublicIPPool)
	}
	return s
}

// handle adapts a typed handler.
func handle[I, O any](fn func(context.Context, *I) (*O, error)) func(context.Context, url.Values) (any, error) {
	return query.Handler(query.DecodeEC2, fn)
}

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rc := request.From(ctx)
	v, err := query.ReadForm(r)
	if err != nil {
		s.writeError(w, rc, err)
		return
	}
	action := v.Get("Action")
	rc.Operation = action
	op, ok := s.ops[action]
	if !ok {
		if action == "" {
			s.writeError(w, rc, errf("MissingAction", "The request must contain the parameter Action"))
			return
		}
		s.writeError(w, rc, errf("InvalidAction", "The action %s is not valid for this web service.", action))
		return
	}
	if err := s.authorizeEC2(ctx, r, action, v); err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) && ae.Code == "AccessDenied" {
			// EC2's wording: its own sentence, then IAM's reason.
			err = awsproto.New(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation. "+ae.Message)
		}
		s.writeError(w, rc, err)
		return
	}
	if b := v.Get("DryRun"); b == "true" {
		e := awsproto.New(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
		s.writeError(w, rc, e)
		return
	}
	sc := scope{rc.Account(), rc.Region}
	if err := s.ensureDefaultVPC(ctx, sc); err != nil {
		s.writeError(w, rc, err)
		return
	}
	out, err := op(ctx, v)
	s.kick() // work it scheduled starts now, not at the next tick
	if err == nil && mutates(action) {
		s.markNet(sc)
	}
	if err != nil {
		s.writeError(w, rc, err)
		return
	}
	if err := ec2query.Write(w, action, rc.ID, out); err != nil {
		s.log.Error("writing response", "request_id", rc.ID, "err", err)
	}
}

func (s *Service) writeError(w http.ResponseWriter, rc *request.Context, err error) {
	ae := awsproto.Logged(err, s.log, rc.ID, rc.Operation)
	ec2query.WriteError(w, ae, rc.ID)
}

// mutates reports whether an action may change what VPC networks are
// made of (everything but Describe…, Get… and a few reads).
func mutates(action string) bool {
	for _, p := range [...]string{"Describe", "Get", "List", "Search", "Export"} {
		if strings.HasPrefix(action, p) {
			return false
		}
	}
	return true
}

// scopeOf is the account and region of a request.
func scopeOf(ctx context.Context) scope {
	rc := request.From(ctx)
	return scope{rc.Account(), rc.Region}
}

// returnTrue is the <return>true</return> many EC2 actions answer.
type returnTrue struct {
	Return bool `xml:"return"`
}

var ok = &returnTrue{Return: true}
