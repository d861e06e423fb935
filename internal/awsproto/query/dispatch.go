package query

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/request"
)

// Dispatcher serves an operation.Service over the query protocols (IAM
// and STS's query, EC2's ec2query): it reads the form, finds the
// operation named by Action, decodes the typed input, invokes it and
// writes the output or the error in the protocol's envelope. It is the
// one query dispatcher; the services differ only in these functions.
type Dispatcher struct {
	Service *operation.Service
	// Decode fills an input from the form (Decode or DecodeEC2).
	Decode func(url.Values, any) error
	// Write writes an output; WriteError an error.
	Write      func(w http.ResponseWriter, action, requestID string, out any) error
	WriteError func(w http.ResponseWriter, e *awsproto.Error, requestID string)
	// MissingAction is the error for a request without Action.
	MissingAction error
	Log           *slog.Logger
}

// ServeHTTP implements http.Handler.
func (d *Dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rc := request.From(ctx)
	fail := func(err error) {
		d.WriteError(w, awsproto.Logged(err, d.Log, rc.ID, rc.Operation), rc.ID)
	}
	v, err := ReadForm(r)
	if err != nil {
		fail(err)
		return
	}
	action := v.Get("Action")
	rc.Operation = action
	if action == "" {
		fail(d.MissingAction)
		return
	}
	op, err := d.Service.Lookup(action)
	if err != nil {
		fail(err)
		return
	}
	in := op.NewInput()
	if err := d.Decode(v, in); err != nil {
		fail(err)
		return
	}
	out, err := d.Service.Call(ctx, op, in)
	if err != nil {
		fail(err)
		return
	}
	if err := d.Write(w, action, rc.ID, out); err != nil {
		d.Log.Error("writing response", "request_id", rc.ID, "err", err)
	}
}
