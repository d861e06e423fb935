// Package restxml is the REST-XML wire protocol (S3): it binds an HTTP
// request to a typed input struct and writes a typed output struct back.
//
// Where each field lives on the wire is declared once, in a struct tag, the
// way the botocore models declare it:
//
//	Bucket   string            `loc:"uri,Bucket"`
//	ACL      string            `loc:"header,x-amz-acl"`
//	Prefix   *string           `loc:"query,prefix"`
//	Metadata map[string]string `loc:"headers,x-amz-meta-"`
//	Body     io.ReadCloser     `loc:"body"`      // a stream
//	Config   *VersioningConfig `loc:"body"`      // an XML document
//	Status   int               `loc:"status"`    // outputs only
//	Header   http.Header       `loc:"allheaders"` // inputs only: every header, read-only
//
// Handlers then never touch http.Request or http.ResponseWriter.
package restxml

import (
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
)

// Namespace is S3's XML namespace, set on every response document.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// TimeFormat is the format of timestamps in S3's XML documents.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Timestamp is a time rendered as S3 renders times in XML.
type Timestamp time.Time

// MarshalText implements encoding.TextMarshaler.
func (t Timestamp) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format(TimeFormat)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Timestamp) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return err
	}
	*t = Timestamp(v)
	return nil
}

type location int

const (
	locURI location = iota + 1
	locHeader
	locHeaders
	locQuery
	locBody
	locStatus
	locAllHeaders
)

type field struct {
	index []int
	loc   location
	name  string // header (canonical), query key, uri name, or header prefix (lower case)
	typ   reflect.Type
}

var plans sync.Map // reflect.Type → []field

func plan(t reflect.Type) []field {
	if p, ok := plans.Load(t); ok {
		return p.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("loc")
		if !ok {
			continue
		}
		kind, name, _ := strings.Cut(tag, ",")
		f := field{index: sf.Index, typ: sf.Type, name: name}
		switch kind {
		case "uri":
			f.loc = locURI
		case "header":
			f.loc = locHeader
			f.name = http.CanonicalHeaderKey(name)
		case "headers":
			f.loc = locHeaders
			f.name = strings.ToLower(name)
		case "query":
			f.loc = locQuery
		case "body":
			f.loc = locBody
		case "status":
			f.loc = locStatus
		case "allheaders":
			f.loc = locAllHeaders
		default:
			panic("restxml: bad loc tag " + tag + " on " + t.String())
		}
		fs = append(fs, f)
	}
	plans.Store(t, fs)
	return fs
}

// MaxXMLBody bounds XML request documents (S3 allows up to a few MiB for
// DeleteObjects and CompleteMultipartUpload).
const MaxXMLBody = 8 << 20

// Decode fills in, a pointer to an input struct, from r. uri returns the
// value of a path parameter (Bucket, Key). Malformed values become S3's
// InvalidArgument; malformed XML becomes MalformedXML.
func Decode(r *http.Request, uri func(string) string, in any) error {
	v := reflect.ValueOf(in).Elem()
	q := r.URL.Query()
	for _, f := range plan(v.Type()) {
		fv := v.FieldByIndex(f.index)
		switch f.loc {
		case locURI:
			fv.SetString(uri(f.name))
		case locHeader:
			vals, ok := r.Header[f.name]
			if f.name == "Content-Length" {
				// r.ContentLength is authoritative (SigV4's aws-chunked
				// decoder sets the decoded length there), but a request
				// that sent no Content-Length at all must read as missing.
				if r.ContentLength < 0 || (!ok && r.ContentLength == 0) {
					continue
				}
				vals, ok = []string{strconv.FormatInt(r.ContentLength, 10)}, true
			}
			if !ok {
				continue
			}
			if err := setScalar(fv, strings.Join(vals, ","), true, f.name); err != nil {
				return err
			}
		case locQuery:
			vals, ok := q[f.name]
			if !ok {
				continue
			}
			if err := setScalar(fv, vals[0], false, f.name); err != nil {
				return err
			}
		case locHeaders:
			m := map[string]string{}
			for k, vals := range r.Header {
				lk := strings.ToLower(k)
				if strings.HasPrefix(lk, f.name) {
					m[lk[len(f.name):]] = strings.Join(vals, ",")
				}
			}
			if len(m) > 0 {
				fv.Set(reflect.ValueOf(m))
			}
		case locAllHeaders:
			fv.Set(reflect.ValueOf(r.Header))
		case locBody:
			if err := decodeBody(r, fv); err != nil {
				return err
			}
		}
	}
	return nil
}

var readCloserType = reflect.TypeOf((*io.ReadCloser)(nil)).Elem()

func decodeBody(r *http.Request, fv reflect.Value) error {
	switch {
	case fv.Type() == readCloserType:
		if r.Body != nil {
			fv.Set(reflect.ValueOf(r.Body))
		}
		return nil
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Uint8:
		b, err := ReadAllLimited(r.Body, MaxXMLBody)
		if err != nil {
			return err
		}
		fv.SetBytes(b)
		return nil
	case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct:
		if r.Body == nil {
			return nil
		}
		b, err := ReadAllLimited(r.Body, MaxXMLBody)
		if err != nil {
			return err
		}
		if len(strings.TrimSpace(string(b))) == 0 {
			return nil
		}
		doc := reflect.New(fv.Type().Elem())
		if err := xml.Unmarshal(b, doc.Interface()); err != nil {
			return MalformedXML()
		}
		fv.Set(doc)
		return nil
	}
	panic("restxml: unsupported body field type " + fv.Type().String())
}

// ReadAllLimited reads r to EOF, failing with S3's error when more than max
// bytes arrive.
func ReadAllLimited(r io.Reader, max int64) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		if ae, ok := err.(*awsproto.Error); ok {
			return nil, ae
		}
		return nil, awsproto.New(http.StatusBadRequest, "IncompleteBody", "The request body terminated unexpectedly")
	}
	if int64(len(b)) > max {
		return nil, awsproto.New(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	return b, nil
}

// MalformedXML is S3's error for a request document that does not parse.
func MalformedXML() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func invalidArgument(name, value string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidArgument", "Invalid Argument").
		With("ArgumentName", name).With("ArgumentValue", value)
}

func setScalar(fv reflect.Value, s string, header bool, name string) error {
	ptr := fv.Kind() == reflect.Pointer
	t := fv.Type()
	if ptr {
		t = t.Elem()
	}
	nv := reflect.New(t).Elem()
	switch {
	case t.Kind() == reflect.String:
		nv.SetString(s)
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64 || t.Kind() == reflect.Int32:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return invalidArgument(name, s)
		}
		nv.SetInt(n)
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return invalidArgument(name, s)
		}
		nv.SetBool(b)
	case t == reflect.TypeOf(time.Time{}):
		tm, err := ParseHTTPTime(s)
		if err != nil {
			// S3 ignores unparseable conditional dates rather than failing.
			return nil
		}
		nv.Set(reflect.ValueOf(tm))
	default:
		panic("restxml: unsupported field type " + t.String())
	}
	if ptr {
		p := reflect.New(t)
		p.Elem().Set(nv)
		fv.Set(p)
	} else {
		fv.Set(nv)
	}
	return nil
}

// ParseHTTPTime parses the date formats HTTP allows (and ISO 8601, which
// some clients send in x-amz headers).
func ParseHTTPTime(s string) (time.Time, error) {
	if t, err := http.ParseTime(s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// Encode writes out, a pointer to an output struct, as the response. The
// status is the struct's status field when set, else 200. A body that is an
// io.ReadCloser is streamed (and closed); one that is a struct is rendered
// as an XML document in S3's namespace.
func Encode(w http.ResponseWriter, r *http.Request, out any) error {
	v := reflect.ValueOf(out).Elem()
	h := w.Header()
	status := http.StatusOK
	var body reflect.Value
	for _, f := range plan(v.Type()) {
		fv := v.FieldByIndex(f.index)
		switch f.loc {
		case locStatus:
			if n := fv.Int(); n != 0 {
				status = int(n)
			}
		case locHeader:
			if s, ok := formatScalar(fv); ok {
				h[f.name] = []string{s}
			}
		case locHeaders:
			// Set as given, not canonicalised: S3 sends user metadata
			// as x-amz-meta-<lower-case name>, and clients keep the case
			// they receive.
			m := fv.Interface().(map[string]string)
			vals := make([]string, 0, len(m)) // one array for all of them
			for k, val := range m {
				vals = append(vals, val)
				h[f.name+k] = vals[len(vals)-1 : len(vals) : len(vals)]
			}
		case locBody:
			body = fv
		}
	}
	if !body.IsValid() || isNil(body) || r.Method == http.MethodHead {
		if body.IsValid() && !isNil(body) && body.Type() == readCloserType {
			_ = body.Interface().(io.ReadCloser).Close()
		}
		if h.Get("Content-Length") == "" && status != http.StatusNoContent && status != http.StatusNotModified {
			h.Set("Content-Length", "0")
		}
		w.WriteHeader(status)
		return nil
	}
	if body.Type() == readCloserType {
		rc := body.Interface().(io.ReadCloser)
		defer rc.Close()
		w.WriteHeader(status)
		_, err := copyBody(w, rc)
		return err
	}
	b, err := MarshalDocument(body.Interface())
	if err != nil {
		return err
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// MarshalDocument renders v as an XML document with S3's namespace.
func MarshalDocument(v any) ([]byte, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	// Add the namespace to the root element.
	if i := indexRootEnd(b); i > 0 {
		b = append(b[:i], append([]byte(` xmlns="`+Namespace+`"`), b[i:]...)...)
	}
	return append([]byte(xml.Header), b...), nil
}

func indexRootEnd(b []byte) int {
	for i := 1; i < len(b); i++ {
		if b[i] == '>' || b[i] == ' ' || b[i] == '/' {
			return i
		}
	}
	return -1
}

// copyBody streams rc to w. Sources that know how to hand themselves to the
// socket (a file region) do so, so large GETs use sendfile.
func copyBody(w http.ResponseWriter, rc io.Reader) (int64, error) {
	if wt, ok := rc.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	if rf, ok := w.(io.ReaderFrom); ok {
		return rf.ReadFrom(rc)
	}
	return io.Copy(w, rc)
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return v.IsNil()
	}
	return false
}

func formatScalar(fv reflect.Value) (string, bool) {
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return "", false
		}
		fv = fv.Elem()
	} else if fv.IsZero() {
		return "", false
	}
	switch fv.Kind() {
	case reflect.String:
		return fv.String(), true
	case reflect.Int, reflect.Int64, reflect.Int32:
		return strconv.FormatInt(fv.Int(), 10), true
	case reflect.Bool:
		return strconv.FormatBool(fv.Bool()), true
	}
	if t, ok := fv.Interface().(time.Time); ok {
		return t.UTC().Format(http.TimeFormat), true
	}
	panic("restxml: unsupported output field type " + fv.Type().String())
}
