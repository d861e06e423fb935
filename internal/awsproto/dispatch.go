package awsproto

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/request"
)

// Protocol is what a wire protocol adds to an operation.Service: how a
// request names its operation and carries its input, and how an output
// and an error are written. The query protocols (IAM's and STS's query,
// EC2's ec2query) and AWS JSON implement it; REST-XML (S3) routes by
// method and path instead.
type Protocol interface {
	// Read names the operation r calls and returns how to decode its
	// input; decode runs only once the operation is known.
	Read(r *http.Request) (name string, decode func(in any) error, err error)
	Write(w http.ResponseWriter, name, requestID string, out any) error
	WriteError(w http.ResponseWriter, e *Error, requestID string)
}

// Dispatcher serves an operation.Service over a Protocol: it finds the
// operation a request names, decodes the typed input, calls it (which
// authorizes it) and writes the output or the error. It is the one
// dispatcher of every service that is not REST.
type Dispatcher struct {
	Service  *operation.Service
	Protocol Protocol
	Log      *slog.Logger
}

// ServeHTTP implements http.Handler.
func (d *Dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rc := request.From(ctx)
	fail := func(err error) {
		d.Protocol.WriteError(w, Logged(err, d.Log, rc.ID, rc.Operation), rc.ID)
	}
	name, decode, err := d.Protocol.Read(r)
	if name != "" {
		rc.Operation = name
	}
	if err != nil {
		fail(err)
		return
	}
	op, err := d.Service.Lookup(name)
	if err != nil {
		fail(err)
		return
	}
	in := op.NewInput()
	if err := decode(in); err != nil {
		fail(err)
		return
	}
	out, err := d.Service.Call(ctx, op, in)
	if err != nil {
		fail(err)
		return
	}
	if err := d.Protocol.Write(w, name, rc.ID, out); err != nil {
		d.Log.Error("writing response", "request_id", rc.ID, "err", err)
	}
}

// ReadBody reads r's body up to max bytes; a longer one is
// RequestEntityTooLarge (413), any other read failure is returned as is.
func ReadBody(r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, max)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is too large.")
		}
		return nil, err
	}
	return buf.Bytes(), nil
}
