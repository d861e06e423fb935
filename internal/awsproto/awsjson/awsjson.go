// Package awsjson is the AWS JSON wire protocol (versions 1.0 and 1.1, as
// KMS, DynamoDB and most newer services speak it): a POST to / whose
// X-Amz-Target header names the operation ("TrentService.Encrypt"), a JSON
// object in, a JSON object out, and errors as {"__type": …, "message": …}.
//
// Inputs are plain structs. A member's name is its `json` tag's name (or
// the field name); an `aws` tag carries botocore's constraints, which
// Decode checks as AWS's front end does, with AWS's ValidationException
// wording:
//
//	KeyId     string            `json:"KeyId" aws:"required,min=1,max=2048"`
//	KeySpec   string            `json:"KeySpec" aws:"enum=AES_256|AES_128"`
//	Plaintext []byte            `json:"Plaintext" aws:"required,min=1,max=4096,sensitive"`
//
// Blobs are []byte (base64 on the wire); timestamps in outputs are Time
// (epoch seconds). Outputs are written by encoding/json.
//
// Decode does not use encoding/json's struct decoding: it parses the body
// into JSON values first, so it knows which members were sent (a member
// sent as "" is not a member left out, and AWS words the two differently)
// and reports a value of the wrong type as AWS's SerializationException
// rather than a Go error.
package awsjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gureum/gureum/internal/awsproto"
)

// MaxBody is the largest request body read. AWS's JSON services take a
// few hundred KB at most (KMS: a 128 KB key policy).
const MaxBody = 1 << 20

// Time is a timestamp as the JSON protocols write it: seconds since the
// epoch, with a fraction for milliseconds.
type Time time.Time

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// NewTime returns a pointer to t as a Time (outputs omit nil times).
func NewTime(t time.Time) *Time {
	v := Time(t)
	return &v
}

// SerializationException is AWS's answer to a body that is not the JSON
// the operation takes.
func SerializationException(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "SerializationException", msg)
}

// ValidationException is AWS's answer to members that break the model's
// constraints.
func ValidationException(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "ValidationException", msg)
}

// UnknownOperationException is the answer to a target the service does
// not have at all.
func UnknownOperationException() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "UnknownOperationException", "")
}

// Protocol is AWS JSON 1.0/1.1 for awsproto.Dispatcher: X-Amz-Target
// names the operation and the JSON body is its input.
type Protocol struct {
	// TargetPrefix is the part of X-Amz-Target before the dot
	// ("TrentService" for KMS).
	TargetPrefix string
	// Version is the protocol version, "1.0" or "1.1" (the Content-Type
	// is application/x-amz-json-<Version>).
	Version string
}

// Read implements awsproto.Protocol. The body is read once the
// operation is known.
func (p *Protocol) Read(r *http.Request) (string, func(any) error, error) {
	prefix, name, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if r.Method != http.MethodPost || prefix != p.TargetPrefix || name == "" {
		return "", nil, UnknownOperationException()
	}
	return name, func(in any) error {
		body, err := awsproto.ReadBody(r, MaxBody)
		if err != nil {
			return err
		}
		return Decode(body, in)
	}, nil
}

// Write implements awsproto.Protocol.
func (p *Protocol) Write(w http.ResponseWriter, _, requestID string, out any) error {
	b := []byte("{}")
	if out != nil {
		var err error
		if b, err = json.Marshal(out); err != nil {
			return err
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-"+p.Version)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// WriteError implements awsproto.Protocol.
func (p *Protocol) WriteError(w http.ResponseWriter, e *awsproto.Error, requestID string) {
	WriteError(w, e, requestID, p.Version)
}

// WriteError renders e as the JSON protocols do: the code in the body's
// __type (and x-amzn-ErrorType), AWS's message, the status.
func WriteError(w http.ResponseWriter, e *awsproto.Error, requestID, version string) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{e.Code, e.Message})
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("Content-Type", "application/x-amz-json-"+version)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("x-amzn-RequestId", requestID)
	h.Set("x-amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// Decode fills the struct in points to from a JSON request body and checks
// the members' constraints. An empty body is an empty object. A body that
// is not JSON, or a member of the wrong type, is a SerializationException;
// broken constraints are one ValidationException listing them all.
func Decode(body []byte, in any) error {
	rv := reflect.ValueOf(in)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("awsjson: Decode needs a pointer to a struct, got %T", in)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return SerializationException("Malformed JSON in the request body.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return SerializationException("Malformed JSON in the request body: more than one value.")
	}
	obj, ok := v.(map[string]any)
	if !ok && v != nil {
		return SerializationException("The request body must be a JSON object.")
	}
	d := decoder{}
	if err := d.structure("", obj, rv.Elem()); err != nil {
		return err
	}
	switch len(d.errs) {
	case 0:
		return nil
	case 1:
		return ValidationException("1 validation error detected: " + d.errs[0])
	}
	return ValidationException(fmt.Sprintf("%d validation errors detected: %s", len(d.errs), strings.Join(d.errs, "; ")))
}

// field is one member of an input structure.
type field struct {
	index     int
	name      string // on the wire
	path      string // in messages: the name, first letter lower-cased
	required  bool
	sensitive bool // its value is never echoed in a message
	min, max  int64
	hasMin    bool
	hasMax    bool
	enum      []string
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
		if tag, ok := sf.Tag.Lookup("json"); ok {
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			if name != "" {
				f.name = name
			}
		}
		f.path = lowerFirst(f.name)
		for _, opt := range strings.Split(sf.Tag.Get("aws"), ",") {
			k, val, _ := strings.Cut(opt, "=")
			switch k {
			case "required":
				f.required = true
			case "sensitive":
				f.sensitive = true
			case "min":
				f.min, _ = strconv.ParseInt(val, 10, 64)
				f.hasMin = true
			case "max":
				f.max, _ = strconv.ParseInt(val, 10, 64)
				f.hasMax = true
			case "enum":
				f.enum = strings.Split(val, "|")
			}
		}
		fs = append(fs, f)
	}
	plans.Store(t, fs)
	return fs
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

var timeType = reflect.TypeOf(Time{})

type decoder struct {
	errs []string
}

func (d *decoder) violate(f *field, path, value string, shown bool, constraint string) {
	if shown && !f.sensitive {
		d.errs = append(d.errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, path, constraint))
		return
	}
	d.errs = append(d.errs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, constraint))
}

// structure fills rv from obj (nil: an absent or null object). prefix is
// the message path of rv ("" at the top, "tags.1.member." in a list).
func (d *decoder) structure(prefix string, obj map[string]any, rv reflect.Value) error {
	for _, f := range plan(rv.Type()) {
		path := prefix + f.path
		raw, present := obj[f.name]
		if !present || raw == nil {
			if f.required {
				d.errs = append(d.errs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", path))
			}
			continue
		}
		if err := d.value(&f, path, raw, rv.Field(f.index)); err != nil {
			return err
		}
	}
	return nil
}

// value sets fv from raw and checks f's constraints on it.
func (d *decoder) value(f *field, path string, raw any, fv reflect.Value) error {
	wrong := func(what string) error {
		return SerializationException(fmt.Sprintf("Unexpected value at '%s': expected %s.", path, what))
	}
	t := fv.Type()
	if t.Kind() == reflect.Pointer {
		nv := reflect.New(t.Elem())
		if err := d.value(f, path, raw, nv.Elem()); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	}
	switch {
	case t.Kind() == reflect.String:
		s, ok := raw.(string)
		if !ok {
			return wrong("a string")
		}
		fv.SetString(s)
		d.checkLength(f, path, s, int64(utf8.RuneCountInString(s)))
		if len(f.enum) > 0 && !slices.Contains(f.enum, s) {
			d.violate(f, path, s, true, "Member must satisfy enum value set: ["+strings.Join(f.enum, ", ")+"]")
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s, ok := raw.(string)
		if !ok {
			return wrong("a base64-encoded blob")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return SerializationException(fmt.Sprintf("Value at '%s' is not valid base64.", path))
		}
		fv.SetBytes(b)
		if f.hasMin && int64(len(b)) < f.min {
			d.violate(f, path, "", false, fmt.Sprintf("Member must have length greater than or equal to %d", f.min))
		}
		if f.hasMax && int64(len(b)) > f.max {
			d.violate(f, path, "", false, fmt.Sprintf("Member must have length less than or equal to %d", f.max))
		}
	case t.Kind() == reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			return wrong("a boolean")
		}
		fv.SetBool(b)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		n, ok := raw.(json.Number)
		if !ok {
			return wrong("an integer")
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || fv.OverflowInt(i) {
			return wrong("an integer")
		}
		fv.SetInt(i)
		if f.hasMin && i < f.min {
			d.violate(f, path, string(n), true, fmt.Sprintf("Member must have value greater than or equal to %d", f.min))
		}
		if f.hasMax && i > f.max {
			d.violate(f, path, string(n), true, fmt.Sprintf("Member must have value less than or equal to %d", f.max))
		}
	case t.Kind() == reflect.Float64:
		n, ok := raw.(json.Number)
		if !ok {
			return wrong("a number")
		}
		x, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(x, 0) {
			return wrong("a number")
		}
		fv.SetFloat(x)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String:
		return d.mapValue(f, path, raw, fv, wrong)
	case t.Kind() == reflect.Slice:
		return d.listValue(f, path, raw, fv, wrong)
	case t.Kind() == reflect.Struct && t != timeType:
		m, ok := raw.(map[string]any)
		if !ok {
			return wrong("a structure")
		}
		return d.structure(path+".", m, fv)
	default:
		return fmt.Errorf("awsjson: unsupported input type %s", t)
	}
	return nil
}

// mapValue sets fv, a map of strings, from raw.
func (d *decoder) mapValue(f *field, path string, raw any, fv reflect.Value, wrong func(string) error) error {
	t := fv.Type()
	m, ok := raw.(map[string]any)
	if !ok {
		return wrong("a map")
	}
	out := reflect.MakeMapWithSize(t, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return wrong("a map of strings")
		}
		out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), reflect.ValueOf(s).Convert(t.Elem()))
	}
	fv.Set(out)
	if f.hasMin && int64(len(m)) < f.min {
		d.violate(f, path, "", false, fmt.Sprintf("Member must have length greater than or equal to %d", f.min))
	}
	if f.hasMax && int64(len(m)) > f.max {
		d.violate(f, path, "", false, fmt.Sprintf("Member must have length less than or equal to %d", f.max))
	}
	return nil
}

// listValue sets fv, a list, from raw and checks f's constraints on it.
func (d *decoder) listValue(f *field, path string, raw any, fv reflect.Value, wrong func(string) error) error {
	t := fv.Type()
	a, ok := raw.([]any)
	if !ok {
		return wrong("a list")
	}
	out := reflect.MakeSlice(t, 0, len(a))
	elem := field{name: f.name}
	var shown []string
	for i, v := range a {
		ev := reflect.New(t.Elem()).Elem()
		epath := fmt.Sprintf("%s.%d.member", path, i+1)
		if v == nil {
			return wrong("a list without nulls")
		}
		if t.Elem().Kind() == reflect.Struct && t.Elem() != timeType {
			m, ok := v.(map[string]any)
			if !ok {
				return SerializationException(fmt.Sprintf("Unexpected value at '%s': expected a structure.", epath))
			}
			if err := d.structure(epath+".", m, ev); err != nil {
				return err
			}
		} else {
			if err := d.value(&elem, epath, v, ev); err != nil {
				return err
			}
			if s, ok := v.(string); ok {
				shown = append(shown, s)
			}
		}
		out = reflect.Append(out, ev)
	}
	fv.Set(out)
	value := "[" + strings.Join(shown, ", ") + "]"
	if f.hasMin && int64(len(a)) < f.min {
		d.violate(f, path, value, true, fmt.Sprintf("Member must have length greater than or equal to %d", f.min))
	}
	if f.hasMax && int64(len(a)) > f.max {
		d.violate(f, path, value, true, fmt.Sprintf("Member must have length less than or equal to %d", f.max))
	}
	if len(f.enum) > 0 {
		for _, s := range shown {
			if !slices.Contains(f.enum, s) {
				d.violate(f, path, value, true, "Member must satisfy constraint: [Member must satisfy enum value set: ["+strings.Join(f.enum, ", ")+"]]")
				break
			}
		}
	}
	return nil
}

func (d *decoder) checkLength(f *field, path, s string, n int64) {
	if f.hasMin && n < f.min {
		d.violate(f, path, s, true, fmt.Sprintf("Member must have length greater than or equal to %d", f.min))
	}
	if f.hasMax && n > f.max {
		d.violate(f, path, s, !f.sensitive && n <= 256, fmt.Sprintf("Member must have length less than or equal to %d", f.max))
	}
}
