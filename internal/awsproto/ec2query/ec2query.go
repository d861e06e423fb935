// Package ec2query is the EC2 flavour of the query protocol: the request
// is a form like the query protocol's (lists flattened as Name.N; see
// query.DecodeEC2), the response is <ActionResponse> holding <requestId>
// and the output's members directly (lower-camel names, lists of <item>),
// and errors are <Response><Errors><Error>…</Error></Errors><RequestID>.
package ec2query

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/xmlenc"
)

// Namespace is EC2's XML namespace (API version 2016-11-15).
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Write renders out (a pointer to a struct with encoding/xml tags, or
// nil) as the response to action.
func Write(w http.ResponseWriter, action, requestID string, out any) error {
	bp := bufPool.Get().(*[]byte)
	defer putBuf(bp)
	b := (*bp)[:0]
	if h, ok := sizeHint.Load(action); ok && cap(b) < h.(int) {
		// Grown by append, a response of megabytes was copied over and
		// over into fresh memory; this was most of its cost.
		b = make([]byte, 0, h.(int)+h.(int)/8)
	}
	b = append(b, xml.Header...)
	b = append(b, "<"+action+`Response xmlns="`+Namespace+`"><requestId>`...)
	b = appendEscaped(b, requestID)
	b = append(b, "</requestId>"...)
	if out != nil && !(reflect.ValueOf(out).Kind() == reflect.Pointer && reflect.ValueOf(out).IsNil()) {
		at := len(b)
		var ok bool
		if b, ok = xmlenc.AppendMembers(b, out); !ok || Verify {
			ref, err := viaEncodingXML(out)
			if err != nil {
				return err
			}
			if ok && !bytes.Equal(b[at:], ref) {
				return fmt.Errorf("ec2query: xmlenc and encoding/xml differ for %T:\n%s\n%s", out, b[at:], ref)
			}
			b = append(b[:at], ref...)
		}
	}
	b = append(b, "</"+action+"Response>"...)
	*bp = b
	if h, ok := sizeHint.Load(action); len(b) > 64<<10 || ok && h.(int) > 64<<10 {
		// The last size, large or small: one large listing must not make
		// every later small answer start with megabytes.
		sizeHint.Store(action, len(b))
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err := w.Write(b)
	return err
}

// Verify makes Write encode every response both ways and fail when the
// fast encoder and encoding/xml disagree. Tests set it.
var Verify bool

// viaEncodingXML marshals out's members with encoding/xml: under a
// throw-away element <x>, cut off afterwards.
func viaEncodingXML(out any) ([]byte, error) {
	var inner bytes.Buffer
	enc := xml.NewEncoder(&inner)
	if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	in := inner.Bytes()
	if len(in) < len("<x></x>") || !bytes.HasPrefix(in, []byte("<x>")) {
		return nil, nil
	}
	return in[3 : len(in)-4], nil
}

func appendEscaped(b []byte, s string) []byte {
	var e bytes.Buffer
	_ = xml.EscapeText(&e, []byte(s))
	return append(b, e.Bytes()...)
}

// sizeHint is the size of each action's last response, kept once one was
// large.
var sizeHint sync.Map // action → int

// bufPool keeps response buffers: a large Describe renders megabytes.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

func putBuf(b *[]byte) {
	if cap(*b) > 16<<20 {
		return
	}
	bufPool.Put(b)
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
