// Package ec2query is the EC2 flavour of the query protocol: the request
// is a form like the query protocol's (lists flattened as Name.N; see
// query.DecodeEC2), the response is <ActionResponse> holding <requestId>
// and the output's members directly (lower-camel names, lists of <item>),
// and errors are <Response><Errors><Error>…</Error></Errors><RequestID>.
package ec2query

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"reflect"
	"strconv"

	"github.com/gureum/gureum/internal/awsproto"
)

// Namespace is EC2's XML namespace (API version 2016-11-15).
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Write renders out (a pointer to a struct with encoding/xml tags, or
// nil) as the response to action.
func Write(w http.ResponseWriter, action, requestID string, out any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<" + action + `Response xmlns="` + Namespace + `"><requestId>`)
	_ = xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</requestId>")
	if out != nil && !(reflect.ValueOf(out).Kind() == reflect.Pointer && reflect.ValueOf(out).IsNil()) {
		// Encode the members without a wrapper: marshal under a
		// throw-away element and keep its inside.
		var inner bytes.Buffer
		enc := xml.NewEncoder(&inner)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
			return err
		}
		if err := enc.Flush(); err != nil {
			return err
		}
		in := inner.Bytes()
		if len(in) >= len("<x></x>") && bytes.HasPrefix(in, []byte("<x>")) {
			b.Write(in[3 : len(in)-4])
		}
	}
	b.WriteString("</" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, err := w.Write(b.Bytes())
	return err
}

// WriteError renders e in EC2's error envelope.
func WriteError(w http.ResponseWriter, e *awsproto.Error, requestID string) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Response><Errors><Error><Code>")
	_ = xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message></Error></Errors><RequestID>")
	_ = xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestID></Response>")
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(e.Status)
	_, _ = w.Write(b.Bytes())
}
