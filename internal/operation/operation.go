// Package operation is the skeleton every API operation stands on: an
// operation is data (its name, the IAM action it is, the resources it
// acts on, read from its typed input, and its handler), registered once
// per service, and Invoke is the one path that authorizes and runs it.
// The HTTP protocols (query, ec2query, restxml) decode a request into
// the typed input and call Invoke; in-process callers (the console, tests)
// call Invoke with an input they built, as a principal in the context,
// and get the same decisions, errors and outputs.
package operation

import (
	"context"
	"reflect"

	"github.com/gureum/gureum/internal/request"
)

// Operation is one API operation.
type Operation struct {
	// Name is the operation's name, e.g. "RunInstances".
	Name string
	// Action is the IAM action it is authorized as, e.g.
	// "ec2:RunInstances"; empty means no authorization (GetCallerIdentity).
	Action string
	// NewInput returns a new, zero input for the protocol to decode into.
	NewInput func() any
	// Resources returns the ARNs the call acts on, each of which must be
	// allowed; nil means "*".
	Resources func(ctx context.Context, in any) []string
	// Handler runs the operation.
	Handler func(ctx context.Context, in any) (any, error)
}

// New makes an operation from a typed handler.
func New[I, O any](name, action string, fn func(context.Context, *I) (*O, error)) *Operation {
	return &Operation{Name: name, Action: action, NewInput: func() any { return new(I) },
		Handler: func(ctx context.Context, in any) (any, error) {
			out, err := fn(ctx, in.(*I))
			if out == nil {
				return nil, err // an untyped nil: the protocols write no body
			}
			return out, err
		}}
}

// Service is one service's operations and the rules every call of it
// passes through.
type Service struct {
	// Ops holds the operations by name.
	Ops map[string]*Operation
	// Authorize judges an action on one resource as the context's
	// principal (a pure function of principal, action, resource and the
	// condition keys the protocol put in the context).
	Authorize func(ctx context.Context, action, resource string) error
	// Unknown is the error for an operation the service does not have.
	Unknown func(name string) error
	// Check, when set, authorizes a call in place of Action on each of
	// Resources with Authorize: S3 judges a request by its bucket (its
	// policy, ACLs, Block Public Access), not by an action and ARN alone.
	// in may be a *Pending still to decode.
	Check func(ctx context.Context, op *Operation, in any) error
	// Before runs after authorization and before the handler (EC2: the
	// DryRun answer, the default VPC); an error ends the call.
	Before func(ctx context.Context, op *Operation, in any) error
	// After runs on the outcome of every call, denied or run, and may
	// change its error (EC2: kick the reconciler, mark the networks
	// changed; S3: whether a missing key may be told). in is still a
	// *Pending if the call ended before it was decoded.
	After func(ctx context.Context, op *Operation, in any, err error) error
}

// Pending is an input a protocol decodes only once the call is
// authorized: S3 judges a request by its target and headers before it
// reads the body, so a caller without permission learns nothing from how
// its request is malformed. Meta is what the service's Check reads
// instead of the input (S3: the bucket and key); Input decodes it.
type Pending struct {
	Meta  any
	Input Decoder
}

// Decoder decodes a pending input.
type Decoder interface {
	Decode() (any, error)
}

// DecodeFunc is a function as a Decoder.
type DecodeFunc func() (any, error)

// Decode implements Decoder.
func (f DecodeFunc) Decode() (any, error) { return f() }

// Lookup returns the named operation, or the service's error for an
// unknown one.
func (s *Service) Lookup(name string) (*Operation, error) {
	if op, ok := s.Ops[name]; ok {
		return op, nil
	}
	return nil, s.Unknown(name)
}

// Invoke authorizes and runs the named operation with in (a pointer of
// the type NewInput returns).
func (s *Service) Invoke(ctx context.Context, name string, in any) (any, error) {
	op, err := s.Lookup(name)
	if err != nil {
		return nil, err
	}
	return s.Call(ctx, op, in)
}

// Call authorizes and runs op; After sees the outcome either way.
func (s *Service) Call(ctx context.Context, op *Operation, in any) (any, error) {
	request.From(ctx).Operation = op.Name
	out, in, err := s.run(ctx, op, in)
	if s.After != nil {
		err = s.After(ctx, op, in, err)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// run authorizes, decodes a pending input, and runs Before and the
// handler; it returns the input as decoded.
func (s *Service) run(ctx context.Context, op *Operation, in any) (any, any, error) {
	if err := s.authorize(ctx, op, in); err != nil {
		return nil, in, err
	}
	if p, ok := in.(*Pending); ok {
		var err error
		if in, err = p.Input.Decode(); err != nil {
			return nil, p, err
		}
	}
	if s.Before != nil {
		if err := s.Before(ctx, op, in); err != nil {
			return nil, in, err
		}
	}
	out, err := op.Handler(ctx, in)
	return out, in, err
}

func (s *Service) authorize(ctx context.Context, op *Operation, in any) error {
	switch {
	case s.Check != nil:
		return s.Check(ctx, op, in)
	case op.Action == "" || s.Authorize == nil:
		return nil
	}
	resources := []string{"*"}
	if op.Resources != nil {
		if rs := op.Resources(ctx, in); len(rs) > 0 {
			resources = rs
		}
	}
	for _, r := range resources {
		if err := s.Authorize(ctx, op.Action, r); err != nil {
			return err
		}
	}
	return nil
}

// Field returns the string field called name of the struct in points to
// ("" when it has none), for resource functions that read an input by
// its member's name.
func Field(in any, name string) string {
	v := reflect.ValueOf(in)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	f := v.FieldByName(name)
	switch {
	case !f.IsValid():
		return ""
	case f.Kind() == reflect.String:
		return f.String()
	case f.Kind() == reflect.Pointer && f.Elem().Kind() == reflect.String:
		return f.Elem().String()
	}
	return ""
}
