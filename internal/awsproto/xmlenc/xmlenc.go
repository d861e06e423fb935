// Package xmlenc writes the XML that encoding/xml's Marshal writes, for
// the subset of struct tags the AWS protocol packages use, about ten
// times faster: each type's encoder is built once, by reflection, and
// then appends to a byte slice with no interface checks per value.
//
// The subset: element names (`xml:"name"`), parent chains
// (`xml:"a>b>item"`), `omitempty`, `-`; strings, booleans, integers,
// floats, []byte, pointers, slices, arrays and nested structs; and types
// implementing encoding.TextMarshaler with a value receiver (time.Time).
// Anything else (attributes, chardata, innerxml, XMLName fields,
// embedded structs, interfaces, xml.Marshaler, maps) makes AppendMembers
// report false, and the caller uses encoding/xml. The package's tests
// compare the two on random values of every type they are given.
package xmlenc

import (
	"encoding"
	"encoding/xml"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// AppendMembers appends what encoding/xml writes inside the element of
// v (a struct or a pointer to one): the elements of its fields. It
// reports false, appending nothing, when v's type is outside the subset.
func AppendMembers(b []byte, v any) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return b, true
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return b, false
	}
	st, err := structPlan(rv.Type())
	if err != nil {
		return b, false
	}
	return st.appendFields(b, rv), true
}

// encoder appends the element name holding v (or nothing, when omit is
// set and v is empty, or v is a nil pointer).
type encoder func(b []byte, v reflect.Value, name string, omit bool) []byte

type entry struct {
	enc   encoder
	plain encoder // for an Appender type: its encoder without the hook
	st    *structInfo
	err   error
}

// Appender is implemented (on the pointer) by a struct type that can
// append its own element, e.g. from a cache of rendered elements. It
// reports false to have the compiled encoder write it instead. Its output
// must be what encoding/xml writes; AppendPlain gives that.
type Appender interface {
	AppendXML(b []byte, name string) ([]byte, bool)
}

var appenderType = reflect.TypeFor[Appender]()

// AppendPlain appends the element name holding *v (v a pointer to a
// struct) as encoding/xml writes it, without calling v's AppendXML.
func AppendPlain(b []byte, v any, name string) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return b, false
	}
	if _, err := typeEncoder(rv.Elem().Type()); err != nil {
		return b, false
	}
	e, _ := cache.Load(rv.Elem().Type())
	enc := e.(*entry).plain
	if enc == nil {
		enc = e.(*entry).enc
	}
	return enc(b, rv.Elem(), name, false), true
}

var (
	cache sync.Map // reflect.Type → *entry
	mu    sync.Mutex
)

var errUnsupported = errors.New("xmlenc: type outside the supported subset")

var (
	marshalerType     = reflect.TypeFor[xml.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func typeEncoder(t reflect.Type) (encoder, error) {
	if e, ok := cache.Load(t); ok {
		return e.(*entry).enc, e.(*entry).err
	}
	mu.Lock()
	defer mu.Unlock()
	c := &compiler{building: map[reflect.Type]*encoder{}, done: map[reflect.Type]*entry{}}
	enc, err := c.compile(t)
	if err != nil {
		// What was built along the way may refer to a type that failed
		// (a recursive one): keep none of it.
		cache.Store(t, &entry{err: err})
		return nil, err
	}
	for dt, e := range c.done {
		cache.Store(dt, e)
	}
	return enc, nil
}

func structPlan(t reflect.Type) (*structInfo, error) {
	if _, err := typeEncoder(t); err != nil {
		return nil, err
	}
	e, _ := cache.Load(t)
	if e.(*entry).st == nil {
		return nil, errUnsupported
	}
	return e.(*entry).st, nil
}

// compiler builds the encoders of one type and of the types it holds;
// building holds the types being built further up, so a recursive type
// refers to its own encoder lazily.
type compiler struct {
	building map[reflect.Type]*encoder
	done     map[reflect.Type]*entry
}

func (c *compiler) compile(t reflect.Type) (encoder, error) {
	if e, ok := cache.Load(t); ok {
		return e.(*entry).enc, e.(*entry).err
	}
	if e, ok := c.done[t]; ok {
		return e.enc, e.err
	}
	if p, ok := c.building[t]; ok {
		return func(b []byte, v reflect.Value, name string, omit bool) []byte { return (*p)(b, v, name, omit) }, nil
	}
	slot := new(encoder)
	c.building[t] = slot
	enc, st, err := c.build(t)
	delete(c.building, t)
	if err != nil {
		return nil, err
	}
	var plain encoder
	if t.Kind() == reflect.Struct && reflect.PointerTo(t).Implements(appenderType) {
		plain, enc = enc, hooked(enc)
	}
	*slot = enc
	c.done[t] = &entry{enc: enc, plain: plain, st: st}
	return enc, nil
}

// hooked wraps a struct encoder to let the value's AppendXML go first.
func hooked(plain encoder) encoder {
	return func(b []byte, v reflect.Value, name string, omit bool) []byte {
		if v.CanAddr() {
			if out, ok := v.Addr().Interface().(Appender).AppendXML(b, name); ok {
				return out
			}
		}
		return plain(b, v, name, omit)
	}
}

func (c *compiler) build(t reflect.Type) (encoder, *structInfo, error) {
	if t.Kind() == reflect.Pointer {
		// encoding/xml drills into pointers before it looks for marshalers.
		elem, err := c.compile(t.Elem())
		if err != nil {
			return nil, nil, err
		}
		return func(b []byte, v reflect.Value, name string, omit bool) []byte {
			if v.IsNil() {
				return b
			}
			return elem(b, v.Elem(), name, false)
		}, nil, nil
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return nil, nil, errUnsupported
	}
	if t.Implements(textMarshalerType) {
		if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
			return nil, nil, errUnsupported
		}
		return textEncoder, nil, nil
	}
	if reflect.PointerTo(t).Implements(textMarshalerType) {
		// Used only when addressable: keep that rule to encoding/xml.
		return nil, nil, errUnsupported
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			if t.Kind() == reflect.Array || t.Elem() != reflect.TypeFor[byte]() {
				return nil, nil, errUnsupported
			}
			return func(b []byte, v reflect.Value, name string, omit bool) []byte {
				if omit && v.Len() == 0 {
					return b
				}
				b = appendStart(b, name)
				b = appendEscaped(b, v.Bytes())
				return appendEnd(b, name)
			}, nil, nil
		}
		elem, err := c.compile(t.Elem())
		if err != nil {
			return nil, nil, err
		}
		return func(b []byte, v reflect.Value, name string, omit bool) []byte {
			n := v.Len()
			if omit && n == 0 {
				return b
			}
			for i := 0; i < n; i++ {
				b = elem(b, v.Index(i), name, omit)
			}
			return b
		}, nil, nil
	case reflect.Struct:
		st, err := c.buildStruct(t)
		if err != nil {
			return nil, nil, err
		}
		return func(b []byte, v reflect.Value, name string, omit bool) []byte {
			b = appendStart(b, name)
			b = st.appendFields(b, v)
			return appendEnd(b, name)
		}, st, nil
	case reflect.String:
		return scalar(func(v reflect.Value) bool { return v.Len() == 0 },
			func(b []byte, v reflect.Value) []byte { return appendEscaped(b, v.String()) }), nil, nil
	case reflect.Bool:
		return scalar(func(v reflect.Value) bool { return !v.Bool() },
			func(b []byte, v reflect.Value) []byte { return strconv.AppendBool(b, v.Bool()) }), nil, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalar(func(v reflect.Value) bool { return v.Int() == 0 },
			func(b []byte, v reflect.Value) []byte { return strconv.AppendInt(b, v.Int(), 10) }), nil, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return scalar(func(v reflect.Value) bool { return v.Uint() == 0 },
			func(b []byte, v reflect.Value) []byte { return strconv.AppendUint(b, v.Uint(), 10) }), nil, nil
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return scalar(reflect.Value.IsZero,
			func(b []byte, v reflect.Value) []byte { return strconv.AppendFloat(b, v.Float(), 'g', -1, bits) }), nil, nil
	}
	return nil, nil, errUnsupported
}

// scalar is the encoder of a simple value: empty says when omitempty
// leaves it out, text appends its escaped text.
func scalar(empty func(reflect.Value) bool, text func([]byte, reflect.Value) []byte) encoder {
	return func(b []byte, v reflect.Value, name string, omit bool) []byte {
		if omit && empty(v) {
			return b
		}
		b = appendStart(b, name)
		b = text(b, v)
		return appendEnd(b, name)
	}
}

func textEncoder(b []byte, v reflect.Value, name string, omit bool) []byte {
	if omit && isEmptyValue(v) {
		return b
	}
	text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		// encoding/xml would fail the whole document; an AWS response
		// never holds such a value (time.Time fails only past year 9999).
		text = nil
	}
	b = appendStart(b, name)
	b = appendEscaped(b, text)
	return appendEnd(b, name)
}

// isEmptyValue is encoding/xml's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type structInfo struct {
	fields []field
}

type field struct {
	index   int
	parents []string
	name    string
	omit    bool
	nilable bool // a pointer: its parents are written only when it is set
	enc     encoder
}

func (c *compiler) buildStruct(t reflect.Type) (*structInfo, error) {
	st := &structInfo{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("xml")
		if f.Anonymous || f.Name == "XMLName" {
			return nil, errUnsupported
		}
		if f.PkgPath != "" || tag == "-" {
			continue
		}
		fi := field{index: i, nilable: f.Type.Kind() == reflect.Pointer}
		name, flags, _ := strings.Cut(tag, ",")
		for _, fl := range strings.Split(flags, ",") {
			switch fl {
			case "":
			case "omitempty":
				fi.omit = true
			default:
				return nil, errUnsupported
			}
		}
		if strings.ContainsAny(name, " \t\n") {
			return nil, errUnsupported
		}
		if name == "" {
			name = f.Name
		}
		parts := strings.Split(name, ">")
		for _, p := range parts {
			if p == "" {
				return nil, errUnsupported
			}
		}
		fi.parents, fi.name = parts[:len(parts)-1], parts[len(parts)-1]
		if f.Type.Kind() == reflect.Interface {
			return nil, errUnsupported
		}
		enc, err := c.compile(f.Type)
		if err != nil {
			return nil, err
		}
		fi.enc = enc
		st.fields = append(st.fields, fi)
	}
	// encoding/xml rejects two fields with one name; so does this.
	seen := map[string]bool{}
	for _, f := range st.fields {
		key := strings.Join(append(append([]string(nil), f.parents...), f.name), ">")
		if seen[key] {
			return nil, errUnsupported
		}
		seen[key] = true
	}
	return st, nil
}

// appendFields writes the fields of v as encoding/xml's marshalStruct
// does, keeping a parent element open across consecutive fields that
// share it.
func (st *structInfo) appendFields(b []byte, v reflect.Value) []byte {
	var stack []string
	for i := range st.fields {
		f := &st.fields[i]
		fv := v.Field(f.index)
		if len(f.parents) > 0 || len(stack) > 0 {
			// trim to the common prefix
			n := 0
			for n < len(f.parents) && n < len(stack) && f.parents[n] == stack[n] {
				n++
			}
			for j := len(stack) - 1; j >= n; j-- {
				b = appendEnd(b, stack[j])
			}
			stack = stack[:n]
			if len(f.parents) > len(stack) && (!f.nilable || !fv.IsNil()) {
				for _, p := range f.parents[len(stack):] {
					b = appendStart(b, p)
					stack = append(stack, p)
				}
			}
		}
		b = f.enc(b, fv, f.name, f.omit)
	}
	for j := len(stack) - 1; j >= 0; j-- {
		b = appendEnd(b, stack[j])
	}
	return b
}

func appendStart(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	return append(b, '>')
}

func appendEnd(b []byte, name string) []byte {
	b = append(b, '<', '/')
	b = append(b, name...)
	return append(b, '>')
}

// appendEscaped is encoding/xml's EscapeText, appending.
func appendEscaped[S string | []byte](b []byte, s S) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, width := rune(c), 1
		if c >= utf8.RuneSelf {
			r, width = utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		}
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !inCharacterRange(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			i += width
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}

func inCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
