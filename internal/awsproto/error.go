// Package awsproto holds what every AWS wire protocol shares: the one error
// type that services return and each protocol renders in its own envelope.
// The protocol packages beneath it (restxml for S3, query for IAM and STS,
// ec2query for EC2) translate HTTP into typed inputs and typed outputs back
// into HTTP; they know nothing about any service's rules.
package awsproto

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is an AWS error: a code equal to AWS's, AWS's message, the HTTP
// status, whether the sender (client) or the receiver (server) is at fault,
// and extra elements some errors carry (S3's BucketName, Key, Resource,
// StringToSign …), rendered in order.
type Error struct {
	Code    string
	Message string
	Status  int
	// Receiver marks a server-side fault (query protocols render
	// <Type>Receiver</Type>); the zero value means Sender.
	Receiver bool
	Extra    [][2]string
	// Header holds response headers some errors carry (S3's
	// x-amz-bucket-region, Allow …).
	Header http.Header
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Field returns the value of the extra element name, or "" if e has none.
func (e *Error) Field(name string) string {
	for _, kv := range e.Extra {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// With returns a copy of e with one more extra element.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Extra = append(append([][2]string(nil), e.Extra...), [2]string{name, value})
	return &c
}

// WithHeader returns a copy of e that sets a response header.
func (e *Error) WithHeader(name, value string) *Error {
	c := *e
	c.Header = e.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(name, value)
	return &c
}

// Extra returns the value of an extra element, or "".
func (e *Error) ExtraValue(name string) string {
	for _, kv := range e.Extra {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// New returns an Error with AWS's message, taken as it is.
func New(status int, code, message string) *Error {
	return &Error{Code: code, Message: message, Status: status}
}

// Newf returns an Error with a formatted message.
func Newf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// As returns err as an *Error when it is one, or an InternalError that
// hides err's text (it may hold paths or secrets; the caller logs it).
func As(err error) (*Error, bool) {
	var ae *Error
	if errors.As(err, &ae) {
		return ae, true
	}
	return InternalError(), false
}

// InternalError is AWS's generic server fault.
func InternalError() *Error {
	return &Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError, Receiver: true}
}

// Logged returns err as the *Error to send. An error that is not an AWS
// error is a fault of ours: it is logged (with the request id and
// operation, never the request's content) and becomes InternalError.
func Logged(err error, log *slog.Logger, requestID, operation string) *Error {
	ae, ok := As(err)
	if !ok {
		log.Error("internal error", "request_id", requestID, "operation", operation, "err", err)
	}
	return ae
}
