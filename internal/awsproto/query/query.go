// Package query is the AWS query wire protocol (IAM, STS): a form of
// Action=…&Version=…&Name=value parameters in, an XML document out.
//
// Inputs are plain structs; each field's parameter name is the Go field
// name unless a `query:"Name"` tag gives another, and `query:",required"`
// marks a member botocore's model requires. Lists are `Name.member.N`
// (N from 1), structures inside them `Name.member.N.Field`, as the
// protocol flattens them. Outputs are structs with encoding/xml tags,
// wrapped in <ActionResponse><ActionResult>…</ActionResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>.
package query

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gureum/gureum/internal/awsproto"
)

// MaxBody is the largest form body read.
const MaxBody = 1 << 20

// Time is a timestamp rendered as the query protocols render them
// (ISO 8601, UTC, seconds).
type Time time.Time

// MarshalText implements encoding.TextMarshaler.
func (t Time) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05Z")), nil
}

// ReadForm returns the request's parameters: the URL query merged with a
// form-encoded body (POST, as the SDKs send them).
func ReadForm(r *http.Request) (url.Values, error) {
	v := r.URL.Query()
	if r.Method == http.MethodPost {
		b, err := awsproto.ReadBody(r, MaxBody)
		if err != nil {
			return nil, err
		}
		if len(b) > 0 {
			body, err := url.ParseQuery(string(b))
			if err != nil {
				return nil, awsproto.New(http.StatusBadRequest, "MalformedQueryString", "The request's form body could not be parsed.")
			}
			for k, vs := range body {
				v[k] = append(v[k], vs...)
			}
		}
	}
	return v, nil
}

type field struct {
	index    int
	name     string
	required bool
}

var plans sync.Map // reflect.Type → []field

func plan(t reflect.Type) []field {
	if p, ok := plans.Load(t); ok {
		return p.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := field{index: i, name: sf.Name}
		if tag, ok := sf.Tag.Lookup("query"); ok {
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name != "" {
				f.name = name
			}
			f.required = opts == "required"
		}
		fs = append(fs, f)
	}
	plans.Store(t, fs)
	return fs
}

// Decode fills the struct in points to from v. A missing required member
// or a malformed value is AWS's ValidationError.
func Decode(v url.Values, in any) error {
	return decode(v, in, ".member.")
}

// DecodeEC2 is Decode for the ec2query protocol, whose lists are
// flattened as Name.N (and whose parameter names are the members'
// locationName, capitalised, as the field names or tags give them).
func DecodeEC2(v url.Values, in any) error {
	return decode(v, in, ".")
}

func decode(v url.Values, in any, listInfix string) error {
	rv := reflect.ValueOf(in).Elem()
	var errs []string
	d := decoder{v: v, infix: listInfix, errs: &errs}
	d.decodeStruct("", rv)
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return ValidationError("1 validation error detected: " + errs[0])
	}
	return ValidationError(fmt.Sprintf("%d validation errors detected: %s", len(errs), strings.Join(errs, "; ")))
}

// ValidationError is the query protocols' error for bad parameters.
func ValidationError(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "ValidationError", msg)
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

type decoder struct {
	v     url.Values
	infix string // between a list's name and its index: ".member." or "."
	errs  *[]string
}

func (d decoder) decodeStruct(prefix string, rv reflect.Value) {
	for _, f := range plan(rv.Type()) {
		fv := rv.Field(f.index)
		key := prefix + f.name
		if !d.decodeValue(key, fv) && f.required {
			*d.errs = append(*d.errs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(f.name)))
		}
	}
}

// decodeValue sets fv from the parameters under key and reports whether
// any were present.
func (d decoder) decodeValue(key string, fv reflect.Value) bool {
	v, errs := d.v, d.errs
	switch fv.Kind() {
	case reflect.Pointer:
		if fv.Type().Elem().Kind() == reflect.Struct && fv.Type().Elem() != timeType {
			nv := reflect.New(fv.Type().Elem())
			if d.decodeStructPresent(key+".", nv.Elem()) {
				fv.Set(nv)
				return true
			}
			return false
		}
		s, ok := first(v, key)
		if !ok {
			return false
		}
		nv := reflect.New(fv.Type().Elem())
		setScalar(nv.Elem(), key, s, errs)
		fv.Set(nv)
		return true
	case reflect.Slice:
		present := false
		if _, ok := v[key]; ok {
			// An empty list is sent as "Name=" by the SDKs.
			present = true
		}
		for i := 1; ; i++ {
			ek := key + d.infix + strconv.Itoa(i)
			ev := reflect.New(fv.Type().Elem()).Elem()
			var ok bool
			if ev.Kind() == reflect.Struct {
				ok = d.decodeStructPresent(ek+".", ev)
			} else {
				ok = d.decodeValue(ek, ev)
			}
			if !ok {
				break
			}
			present = true
			fv.Set(reflect.Append(fv, ev))
		}
		return present
	case reflect.Struct:
		if fv.Type() != timeType {
			return d.decodeStructPresent(key+".", fv)
		}
	}
	s, ok := first(v, key)
	if !ok {
		return false
	}
	setScalar(fv, key, s, errs)
	return true
}

// decodeStructPresent decodes a nested structure if any parameter starts
// with its prefix.
func (d decoder) decodeStructPresent(prefix string, rv reflect.Value) bool {
	found := false
	for k := range d.v {
		if strings.HasPrefix(k, prefix) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	d.decodeStruct(prefix, rv)
	return true
}

func first(v url.Values, key string) (string, bool) {
	vs, ok := v[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

var timeType = reflect.TypeFor[time.Time]()

func setScalar(fv reflect.Value, key, s string, errs *[]string) {
	if fv.Type() == timeType {
		// ISO 8601, as the SDKs send timestamps in the query protocols.
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t, err = time.Parse("2006-01-02T15:04:05", s)
		}
		if err != nil {
			*errs = append(*errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must be a timestamp", s, lowerFirst(key)))
			return
		}
		fv.Set(reflect.ValueOf(t))
		return
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			*errs = append(*errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean", s, lowerFirst(key)))
			return
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || fv.OverflowInt(n) {
			*errs = append(*errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must be a number", s, lowerFirst(key)))
			return
		}
		fv.SetInt(n)
	default:
		panic("query: unsupported field kind " + fv.Kind().String())
	}
}

// Write renders out as the response to action. A nil out gives a response
// with ResponseMetadata only, as AWS answers actions without a result.
func Write(w http.ResponseWriter, action, xmlns, requestID string, out any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<" + action + `Response xmlns="` + xmlns + `">`)
	if out != nil && !(reflect.ValueOf(out).Kind() == reflect.Pointer && reflect.ValueOf(out).IsNil()) {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return err
		}
		if err := enc.Flush(); err != nil {
			return err
		}
	}
	b.WriteString("<ResponseMetadata><RequestId>")
	_ = xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestId></ResponseMetadata></" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, err := w.Write(b.Bytes())
	return err
}
