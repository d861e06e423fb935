package query

import (
	"net/http"
	"net/url"

	"github.com/gureum/gureum/internal/awsproto"
)

// Protocol is a query protocol (IAM and STS's query, EC2's ec2query) for
// awsproto.Dispatcher: the form's Action names the operation and the
// form is its input. The services differ only in these functions.
type Protocol struct {
	// Decode fills an input from the form (Decode or DecodeEC2).
	Decode func(url.Values, any) error
	// Encode writes an output; Fail an error.
	Encode func(w http.ResponseWriter, action, requestID string, out any) error
	Fail   func(w http.ResponseWriter, e *awsproto.Error, requestID string)
	// MissingAction is the error for a request without Action.
	MissingAction error
}

// Namespaced is the query protocol of IAM and STS: outputs in
// <ActionResponse xmlns=namespace>, errors in an ErrorResponse.
func Namespaced(namespace string) *Protocol {
	return &Protocol{Decode: Decode,
		Encode: func(w http.ResponseWriter, action, id string, out any) error {
			return Write(w, action, namespace, id, out)
		},
		Fail:          awsproto.WriteQueryError,
		MissingAction: awsproto.New(http.StatusBadRequest, "MissingAction", "Missing Action")}
}

// Read implements awsproto.Protocol.
func (p *Protocol) Read(r *http.Request) (string, func(any) error, error) {
	v, err := ReadForm(r)
	if err != nil {
		return "", nil, err
	}
	action := v.Get("Action")
	if action == "" {
		return "", nil, p.MissingAction
	}
	return action, func(in any) error { return p.Decode(v, in) }, nil
}

// Write implements awsproto.Protocol.
func (p *Protocol) Write(w http.ResponseWriter, action, requestID string, out any) error {
	return p.Encode(w, action, requestID, out)
}

// WriteError implements awsproto.Protocol.
func (p *Protocol) WriteError(w http.ResponseWriter, e *awsproto.Error, requestID string) {
	p.Fail(w, e, requestID)
}
