package xmlenc_test

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/awsproto/xmlenc"
	"github.com/gureum/gureum/internal/ec2"
)

// viaEncodingXML is the reference: encoding/xml under a throw-away
// element, with that element cut off.
func viaEncodingXML(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := xml.NewEncoder(&b).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	if !bytes.HasPrefix(out, []byte("<x>")) || !bytes.HasSuffix(out, []byte("</x>")) {
		t.Fatalf("reference output %q", out)
	}
	return out[3 : len(out)-4]
}

type leaf struct {
	S   string  `xml:"s"`
	P   *string `xml:"p,omitempty"`
	B   bool    `xml:"b"`
	I   int32   `xml:"i,omitempty"`
	U   uint64  `xml:"u"`
	F   float64 `xml:"f"`
	Raw []byte  `xml:"raw"`
}

type tricky struct {
	Plain     string              `xml:"plain"`
	NoTag     string              // named after the field
	Skipped   string              `xml:"-"`
	hidden    string              //nolint:unused // unexported: never written
	Set       []leaf              `xml:"set>item"`
	SetOmit   []leaf              `xml:"setOmit>item,omitempty"`
	Ptrs      []*leaf             `xml:"ptrs>item"`
	Strs      []string            `xml:"strs>item,omitempty"`
	Shared1   string              `xml:"a>b>one"`
	Shared2   *leaf               `xml:"a>b>two"`
	Shared3   int                 `xml:"a>three"`
	After     *leaf               `xml:"after>x,omitempty"`
	When      time.Time           `xml:"when"`
	WhenPtr   *time.Time          `xml:"whenPtr,omitempty"`
	Nested    *tricky             `xml:"nested,omitempty"`
	Matrix    [][]int             `xml:"matrix>item"`
	Arr       [2]string           `xml:"arr>item"`
	Named     namedString         `xml:"named"`
	Bools     []bool              `xml:"bools>item,omitempty"`
	Structs   map[string]struct{} `xml:"-"`
	EmptyLast string              `xml:"z>last,omitempty"`
}

type namedString string

// fill sets v (addressable) to a random value of its type.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	if r.IntN(5) == 0 && depth > 0 {
		return // leave zero: exercises omitempty and nil pointers
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randString(r))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.IntN(2000) - 1000))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(r.IntN(1000)))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(r.NormFloat64() * 1e3)
	case reflect.Pointer:
		if depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, r.IntN(8))
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			v.SetBytes(b)
			return
		}
		if depth > 4 {
			return
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(r, v.Index(i), depth+1)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC()))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i), depth+1)
			}
		}
	}
}

func randString(r *rand.Rand) string {
	pieces := []string{"", "a", "vpc-0123", " ", "&", "<", ">", "\"", "'", "\t", "\n", "\r", "é", "구름", "\x00", "\x7f", "\xff", "\uFFFD", "\U0001F600", "]]>", "\ud7ff"}
	var s string
	for n := r.IntN(4); n > 0; n-- {
		s += pieces[r.IntN(len(pieces))]
	}
	return s
}

func TestMatchesEncodingXML(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[tricky](), reflect.TypeFor[leaf](),
		reflect.TypeFor[ec2.Reservation](), reflect.TypeFor[ec2.Instance](), reflect.TypeFor[ec2.Vpc](),
		reflect.TypeFor[ec2.Subnet](), reflect.TypeFor[ec2.SecurityGroup](), reflect.TypeFor[ec2.SecurityGroupRule](),
		reflect.TypeFor[ec2.RouteTable](), reflect.TypeFor[ec2.InternetGateway](), reflect.TypeFor[ec2.NatGateway](),
		reflect.TypeFor[ec2.NetworkACL](), reflect.TypeFor[ec2.NetworkInterface](), reflect.TypeFor[ec2.Image](),
		reflect.TypeFor[ec2.KeyPair](), reflect.TypeFor[ec2.Address](), reflect.TypeFor[ec2.InstanceTypeInfo](),
		reflect.TypeFor[ec2.DhcpOptions](), reflect.TypeFor[ec2.TagDescription](), reflect.TypeFor[ec2.InstanceStatus](),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, typ := range types {
		t.Run(typ.Name(), func(t *testing.T) {
			for i := 0; i < 300; i++ {
				v := reflect.New(typ)
				fill(r, v.Elem(), 0)
				want := viaEncodingXML(t, v.Interface())
				got, ok := xmlenc.AppendMembers(nil, v.Interface())
				if !ok {
					t.Fatalf("%s: outside the subset", typ)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s differs from encoding/xml\ngot  %s\nwant %s", typ, got, want)
				}
			}
		})
	}
}

func TestOutsideSubset(t *testing.T) {
	type withAttr struct {
		A string `xml:"a,attr"`
	}
	type withName struct {
		XMLName xml.Name `xml:"n"`
	}
	type inner struct{ A string }
	type embeds struct{ inner }
	type withIface struct{ V any }
	type withMap struct{ M map[string]string }
	type deep struct{ L []withAttr }
	for _, v := range []any{&withAttr{}, &withName{}, &embeds{}, &withIface{}, &withMap{}, &deep{}, "string", 3} {
		if out, ok := xmlenc.AppendMembers([]byte("kept"), v); ok || string(out) != "kept" {
			t.Errorf("%T: ok=%v out=%q, want refusal", v, ok, out)
		}
	}
	if out, ok := xmlenc.AppendMembers(nil, (*leaf)(nil)); !ok || len(out) != 0 {
		t.Errorf("nil pointer: %q %v", out, ok)
	}
}

func BenchmarkReservation(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	out := struct {
		R []*ec2.Reservation `xml:"reservationSet>item"`
	}{}
	for i := 0; i < 100; i++ {
		v := new(ec2.Reservation)
		fill(r, reflect.ValueOf(v).Elem(), 1)
		out.R = append(out.R, v)
	}
	size := len(viaEncodingXML(b, &out))
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			var buf bytes.Buffer
			_ = xml.NewEncoder(&buf).EncodeElement(&out, xml.StartElement{Name: xml.Name{Local: "x"}})
		}
	})
	b.Run("xmlenc", func(b *testing.B) {
		b.SetBytes(int64(size))
		var buf []byte
		for b.Loop() {
			buf, _ = xmlenc.AppendMembers(buf[:0], &out)
		}
	})
}

// cached appends a fixed element when Use is set, else defers.
type cached struct {
	A   string `xml:"a"`
	Use bool   `xml:"-"`
}

func (c *cached) AppendXML(b []byte, name string) ([]byte, bool) {
	if !c.Use {
		return b, false
	}
	return append(b, "<"+name+"><a>from cache</a></"+name+">"...), true
}

func TestAppender(t *testing.T) {
	out := struct {
		L []*cached `xml:"list>item"`
	}{[]*cached{{A: "x", Use: true}, {A: "y"}}}
	got, ok := xmlenc.AppendMembers(nil, &out)
	want := "<list><item><a>from cache</a></item><item><a>y</a></item></list>"
	if !ok || string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	plain, ok := xmlenc.AppendPlain([]byte("<!---->"), out.L[0], "item")
	if !ok || string(plain) != "<!----><item><a>x</a></item>" {
		t.Fatalf("AppendPlain: %s", plain)
	}
}
