package acl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
)

// The XML namespaces of an AccessControlPolicy.
const (
	S3Namespace  = "http://s3.amazonaws.com/doc/2006-03-01/"
	XSINamespace = "http://www.w3.org/2001/XMLSchema-instance"
)

type xmlPolicy struct {
	XMLName xml.Name  `xml:"AccessControlPolicy"`
	Owner   *xmlOwner `xml:"Owner"`
	List    *struct {
		Grants []xmlGrant `xml:"Grant"`
	} `xml:"AccessControlList"`
}

type xmlOwner struct {
	ID          *string `xml:"ID"`
	DisplayName string  `xml:"DisplayName"`
}

type xmlGrant struct {
	Grantee    *xmlGrantee `xml:"Grantee"`
	Permission string      `xml:"Permission"`
}

type xmlGrantee struct {
	Attrs        []xml.Attr `xml:",any,attr"`
	ID           string     `xml:"ID"`
	DisplayName  string     `xml:"DisplayName"`
	URI          string     `xml:"URI"`
	EmailAddress string     `xml:"EmailAddress"`
}

// xsiType returns the grantee's xsi:type attribute. The prefix must be
// bound to the XML Schema instance namespace, or (leniently) left unbound.
func (g *xmlGrantee) xsiType() string {
	for _, a := range g.Attrs {
		if a.Name.Local == "type" && (a.Name.Space == XSINamespace || a.Name.Space == "xsi") {
			return a.Value
		}
	}
	return ""
}

// ParseXML parses an AccessControlPolicy document, the body of PutBucketAcl
// and PutObjectAcl. It checks the form only: the root element (in S3's
// namespace or none), an Owner with an ID, and grants whose Grantee has an
// xsi:type and the element that type needs (CanonicalUser ID, Group URI,
// AmazonCustomerByEmail EmailAddress) and whose Permission is one of the
// five. Anything else is MalformedACLError, except a Group URI that is not
// one of S3's groups, which is InvalidArgument "Invalid group uri". Whether
// the ids and e-mail addresses exist is Resolve's business.
func ParseXML(body []byte) (ACL, error) {
	var p xmlPolicy
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		return ACL{}, ErrMalformedACL()
	}
	if !onlyTrailer(dec) {
		return ACL{}, ErrMalformedACL()
	}
	if p.XMLName.Space != "" && p.XMLName.Space != S3Namespace {
		return ACL{}, ErrMalformedACL()
	}
	if p.Owner == nil || p.Owner.ID == nil || *p.Owner.ID == "" {
		return ACL{}, ErrMalformedACL()
	}
	a := ACL{Owner: Owner{ID: *p.Owner.ID, DisplayName: p.Owner.DisplayName}}
	if p.List == nil {
		return a, nil
	}
	for _, xg := range p.List.Grants {
		perm := Permission(xg.Permission)
		if xg.Grantee == nil || !perm.Valid() {
			return ACL{}, ErrMalformedACL()
		}
		xe := xg.Grantee
		var g Grantee
		switch t := xe.xsiType(); t {
		case TypeCanonicalUser:
			if xe.ID == "" {
				return ACL{}, ErrMalformedACL()
			}
			g = Grantee{Type: t, ID: xe.ID, DisplayName: xe.DisplayName}
		case TypeGroup:
			if xe.URI == "" {
				return ACL{}, ErrMalformedACL()
			}
			if !KnownGroup(xe.URI) {
				return ACL{}, errInvalidGroup("Group/URI", xe.URI)
			}
			g = Group(xe.URI)
		case TypeEmail:
			if xe.EmailAddress == "" {
				return ACL{}, ErrMalformedACL()
			}
			g = Grantee{Type: t, Email: xe.EmailAddress}
		default:
			return ACL{}, ErrMalformedACL()
		}
		a.Grants = append(a.Grants, Grant{g, perm})
	}
	return a, nil
}

// onlyTrailer reports whether what follows the root element is at most
// white space, comments and processing instructions.
func onlyTrailer(dec *xml.Decoder) bool {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return false
			}
		case xml.Comment, xml.ProcInst:
		default:
			return false
		}
	}
}

// XML returns a as the AccessControlPolicy document GetBucketAcl and
// GetObjectAcl answer, with the XML declaration:
//
//	<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
//	  <Owner><ID>…</ID><DisplayName>…</DisplayName></Owner>
//	  <AccessControlList><Grant>
//	    <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>…</ID><DisplayName>…</DisplayName></Grantee>
//	    <Permission>FULL_CONTROL</Permission>
//	  </Grant></AccessControlList>
//	</AccessControlPolicy>
//
// without the white space. Empty DisplayNames are left out, as are the
// elements a grantee's type does not use.
func (a ACL) XML() []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	// Encoding tokens into a buffer cannot fail.
	_ = a.MarshalXML(enc, xml.StartElement{Name: xml.Name{Local: "AccessControlPolicy"}})
	_ = enc.Flush()
	return b.Bytes()
}

// MarshalXML writes a as an AccessControlPolicy element named by start (or
// the start's name, for an output struct that embeds it), with S3's
// namespace, so an ACL can be a field of a restxml output.
func (a ACL) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Name = xml.Name{Local: start.Name.Local}
	start.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: S3Namespace}}
	w := tokenWriter{e: e}
	w.start(start)
	w.start(el("Owner"))
	w.text("ID", a.Owner.ID)
	if a.Owner.DisplayName != "" {
		w.text("DisplayName", a.Owner.DisplayName)
	}
	w.end("Owner")
	w.start(el("AccessControlList"))
	for _, g := range a.Grants {
		w.start(el("Grant"))
		ge := el("Grantee")
		ge.Attr = []xml.Attr{
			{Name: xml.Name{Local: "xmlns:xsi"}, Value: XSINamespace},
			{Name: xml.Name{Local: "xsi:type"}, Value: g.Grantee.Type},
		}
		w.start(ge)
		switch g.Grantee.Type {
		case TypeGroup:
			w.text("URI", g.Grantee.URI)
		case TypeEmail:
			w.text("EmailAddress", g.Grantee.Email)
		default:
			w.text("ID", g.Grantee.ID)
			if g.Grantee.DisplayName != "" {
				w.text("DisplayName", g.Grantee.DisplayName)
			}
		}
		w.end("Grantee")
		w.text("Permission", string(g.Permission))
		w.end("Grant")
	}
	w.end("AccessControlList")
	w.end(start.Name.Local)
	return w.err
}

func el(name string) xml.StartElement { return xml.StartElement{Name: xml.Name{Local: name}} }

// tokenWriter encodes tokens and keeps the first error.
type tokenWriter struct {
	e   *xml.Encoder
	err error
}

func (w *tokenWriter) tok(t xml.Token) {
	if w.err == nil {
		w.err = w.e.EncodeToken(t)
	}
}

func (w *tokenWriter) start(s xml.StartElement) { w.tok(s) }
func (w *tokenWriter) end(name string)          { w.tok(xml.EndElement{Name: xml.Name{Local: name}}) }

func (w *tokenWriter) text(name, value string) {
	w.start(el(name))
	w.tok(xml.CharData(value))
	w.end(name)
}
