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
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"
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
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Authorizer judges an action with the caller's identity policies
// (iam.Service implements it).
type Authorizer interface {
	Authorize(ctx context.Context, action, resource string, extra policy.Context) error
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
	// Timings are the state machines' paces (zero: AWS-like defaults).
	Timings Timings
}

// Service serves EC2.
type Service struct {
	store    store.Store
	auth     Authorizer
	profiles InstanceProfiles
	log      *slog.Logger
	now      func() time.Time
	ops      *operation.Service
	timings  Timings
	http     *awsproto.Dispatcher
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
		netplane: cfg.Netplane, internet: cfg.Internet, vpcServices: cfg.VPCServices, timings: cfg.Timings.withDefaults()}
	s.net = netState{dirty: map[scope]bool{}, wake: make(chan struct{}, 1), plugged: map[string]plugState{}, svcs: map[string]io.Closer{}, applied: map[string]appliedVPC{}}
	if s.rec != nil {
		s.registerWork(s.rec)
	}
	s.ops = &operation.Service{Ops: s.operations(), Authorize: s.authorizeAction, Before: s.before, After: s.after,
		Unknown: func(name string) error {
			return errInvalidAction(name)
		}}
	s.http = &awsproto.Dispatcher{Service: s.ops, Log: s.log, Protocol: &query.Protocol{Decode: query.DecodeEC2,
		Encode: ec2query.Write, Fail: ec2query.WriteError, MissingAction: errMissingAction()}}
	if len(cfg.PublicIPPool) > 0 {
		s.SetAddressPool(cfg.PublicIPPool)
	}
	return s
}

// handle adapts a typed handler; operations names it.
func handle[I, O any](fn func(context.Context, *I) (*O, error)) *operation.Operation {
	return operation.New("", "", fn)
}

// Operations is EC2's operations, for in-process callers.
func (s *Service) Operations() *operation.Service { return s.ops }

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.http.ServeHTTP(w, r) }

// before answers a DryRun once the caller is authorized, and makes the
// account's default VPC on its first call in a region.
func (s *Service) before(ctx context.Context, _ *operation.Operation, in any) error {
	if f := reflect.ValueOf(in).Elem().FieldByName("DryRun"); f.IsValid() && f.Kind() == reflect.Bool && f.Bool() {
		return errDryRun()
	}
	return s.ensureDefaultVPC(ctx, scopeOf(ctx))
}

// after starts the work a call scheduled now, not at the next tick, and
// marks the networks of the scope changed after a successful change.
func (s *Service) after(ctx context.Context, op *operation.Operation, _ any, err error) error {
	s.kick()
	if err == nil && mutates(op.Name) {
		s.markNet(scopeOf(ctx))
	}
	return err
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
