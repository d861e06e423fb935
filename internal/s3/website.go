package s3

import (
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/request"
)

// Static website hosting
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteHosting.html).
// A bucket's website configuration is served on the website endpoint,
// told apart by its Host: <bucket>.s3-website-<region>.<domain>,
// <bucket>.s3-website.<region>.<domain> or <bucket>.s3-website.<domain>,
// where <domain> is one of gureum's S3 host names without its "s3."
// (localhost). Every website request is anonymous: it reads what Block
// Public Access, the bucket policy and the ACLs let anyone read, through
// the same authorization as an anonymous GetObject.

type websiteRedirectAll struct {
	HostName string `xml:"HostName" json:"host"`
	Protocol string `xml:"Protocol,omitempty" json:"proto,omitempty"`
}

type websiteIndex struct {
	Suffix string `xml:"Suffix" json:"suffix"`
}

type websiteErrorDocument struct {
	Key string `xml:"Key" json:"key"`
}

type websiteCondition struct {
	HttpErrorCodeReturnedEquals string `xml:"HttpErrorCodeReturnedEquals,omitempty" json:"code,omitempty"`
	KeyPrefixEquals             string `xml:"KeyPrefixEquals,omitempty" json:"prefix,omitempty"`
}

type websiteRedirect struct {
	HostName             string  `xml:"HostName,omitempty" json:"host,omitempty"`
	HttpRedirectCode     string  `xml:"HttpRedirectCode,omitempty" json:"code,omitempty"`
	Protocol             string  `xml:"Protocol,omitempty" json:"proto,omitempty"`
	ReplaceKeyPrefixWith *string `xml:"ReplaceKeyPrefixWith,omitempty" json:"prefix,omitempty"`
	ReplaceKeyWith       string  `xml:"ReplaceKeyWith,omitempty" json:"key,omitempty"`
}

type routingRule struct {
	Condition *websiteCondition `xml:"Condition,omitempty" json:"if,omitempty"`
	Redirect  *websiteRedirect  `xml:"Redirect" json:"then"`
}

// websiteConfiguration is a bucket's WebsiteConfiguration; its JSON form
// is how the bucket record keeps it.
type websiteConfiguration struct {
	XMLName               xml.Name              `xml:"WebsiteConfiguration" json:"-"`
	RedirectAllRequestsTo *websiteRedirectAll   `xml:"RedirectAllRequestsTo,omitempty" json:"all,omitempty"`
	IndexDocument         *websiteIndex         `xml:"IndexDocument,omitempty" json:"index,omitempty"`
	ErrorDocument         *websiteErrorDocument `xml:"ErrorDocument,omitempty" json:"error,omitempty"`
	RoutingRules          *routingRules         `xml:"RoutingRules,omitempty" json:"rules,omitempty"`
}

// routingRules wraps the list so that a configuration without rules has
// no RoutingRules element (encoding/xml writes "a>b" parents of empty
// lists) and one with an empty element can be told apart.
type routingRules struct {
	Rules []routingRule `xml:"RoutingRule" json:"r"`
}

// rules returns the routing rules, if any.
func (c *websiteConfiguration) rules() []routingRule {
	if c.RoutingRules == nil {
		return nil
	}
	return c.RoutingRules.Rules
}

type PutBucketWebsiteInput struct {
	Bucket string                `loc:"uri,Bucket"`
	Config *websiteConfiguration `loc:"body"`
}

type GetBucketWebsiteOutput struct {
	Body *websiteConfiguration `loc:"body"`
}

func errInvalidProtocol() error {
	return errInvalidRequest("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.")
}

// validate applies PutBucketWebsite's checks, with S3's codes and words.
func (c *websiteConfiguration) validate() error {
	if ra := c.RedirectAllRequestsTo; ra != nil {
		if c.IndexDocument != nil || c.ErrorDocument != nil || c.RoutingRules != nil {
			return invalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", "RedirectAllRequestsTo", "not null")
		}
		if ra.HostName == "" {
			return errMalformedXML()
		}
		if ra.Protocol != "" && ra.Protocol != "http" && ra.Protocol != "https" {
			return errInvalidProtocol()
		}
		return nil
	}
	if c.IndexDocument == nil {
		return invalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument", "null")
	}
	if sfx := c.IndexDocument.Suffix; sfx == "" || strings.Contains(sfx, "/") {
		return invalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", sfx)
	}
	if c.ErrorDocument != nil && c.ErrorDocument.Key == "" {
		return errMalformedXML()
	}
	if c.RoutingRules != nil && len(c.RoutingRules.Rules) == 0 {
		return errMalformedXML()
	}
	if n := len(c.rules()); n > 50 {
		return errInvalidRequest(fmt.Sprintf("%d routing rules provided, the number of routing rules in a website configuration is limited to 50.", n))
	}
	for _, r := range c.rules() {
		rd := r.Redirect
		if rd == nil {
			return errMalformedXML()
		}
		if rd.ReplaceKeyWith != "" && rd.ReplaceKeyPrefixWith != nil {
			return errInvalidRequest("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
		}
		if cond := r.Condition; cond != nil {
			if cond.HttpErrorCodeReturnedEquals == "" && cond.KeyPrefixEquals == "" {
				return errInvalidRequest("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.")
			}
			if code := cond.HttpErrorCodeReturnedEquals; code != "" {
				if n, err := strconv.Atoi(code); err != nil || n < 400 || n > 599 {
					return errInvalidRequest("The provided HTTP error code (" + code + ") is not valid. Valid codes are 4XX or 5XX.")
				}
			}
		}
		if rd.Protocol != "" && rd.Protocol != "http" && rd.Protocol != "https" {
			return errInvalidProtocol()
		}
		if code := rd.HttpRedirectCode; code != "" {
			if n, err := strconv.Atoi(code); err != nil || n <= 300 || n > 399 {
				return errInvalidRequest("The provided HTTP redirect code (" + code + ") is not valid. Valid codes are 3XX except 300.")
			}
		}
	}
	return nil
}

// PutBucketWebsite sets the bucket's website configuration, replacing any.
func (s *Service) PutBucketWebsite(ctx context.Context, in *PutBucketWebsiteInput) (*struct{}, error) {
	if in.Config == nil {
		return nil, errMalformedXML()
	}
	if err := in.Config.validate(); err != nil {
		return nil, err
	}
	c := *in.Config
	c.XMLName = xml.Name{}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Website = &c
		return nil
	})
}

func errNoSuchWebsiteConfiguration(bucket string) *awsproto.Error {
	return awsproto.New(http.StatusNotFound, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration").With("BucketName", bucket)
}

// GetBucketWebsite returns the website configuration as it was put.
func (s *Service) GetBucketWebsite(ctx context.Context, in *BucketInput) (*GetBucketWebsiteOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Website == nil {
		return nil, errNoSuchWebsiteConfiguration(b.Name)
	}
	c := *b.Website
	return &GetBucketWebsiteOutput{Body: &c}, nil
}

// DeleteBucketWebsite removes the website configuration (no error when
// there is none).
func (s *Service) DeleteBucketWebsite(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	return noContent, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Website = nil
		return nil
	})
}

// websiteHost returns the bucket a website endpoint's Host names.
func (s *Service) websiteHost(host string) (string, bool) {
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasSuffix(host, "]") {
		host = h
	}
	host = strings.ToLower(host)
	i := strings.LastIndex(host, ".s3-website")
	if i <= 0 {
		return "", false
	}
	bucket, rest := host[:i], host[i+len(".s3-website"):]
	switch {
	case strings.HasPrefix(rest, "-"): // -<region>.<domain>
		_, domain, ok := strings.Cut(rest, ".")
		if !ok {
			return "", false
		}
		rest = domain
	case strings.HasPrefix(rest, "."): // .<domain> or .<region>.<domain>
		rest = rest[1:]
		if !s.websiteDomain(rest) {
			_, domain, ok := strings.Cut(rest, ".")
			if !ok {
				return "", false
			}
			rest = domain
		}
	default:
		return "", false
	}
	return bucket, s.websiteDomain(rest)
}

// websiteDomain reports whether d is one of gureum's S3 host names, or
// one without its "s3." ("localhost" for "s3.localhost").
func (s *Service) websiteDomain(d string) bool {
	if d == "" {
		return false
	}
	for _, suf := range s.cfg.VirtualHostSuffixes {
		if suf == d || (strings.HasPrefix(suf, "s3.") && strings.HasSuffix(suf, "."+d)) {
			return true
		}
	}
	return false
}

// serveWebsite serves one request to a bucket's website endpoint: GET and
// HEAD of objects with the index document, the error document, the
// redirects of the configuration and of objects
// (x-amz-website-redirect-location); CORS preflights; anything else is
// 405. Errors are the HTML pages S3's website endpoint shows.
func (s *Service) serveWebsite(ctx context.Context, w http.ResponseWriter, r *http.Request, bucket string) error {
	rc := request.From(ctx)
	// The website endpoint serves anonymous requests only.
	rc.Principal = request.Principal{}
	rc.Presigned, rc.SignatureVersion, rc.AuthType = false, "", ""
	rc.Operation = "WebsiteGetObject"
	path := r.URL.Path
	if r.URL.RawPath != "" {
		if p, err := unescapePath(r.URL.RawPath); err == nil {
			path = p
		}
	}
	key := strings.TrimPrefix(path, "/")
	switch r.Method {
	case http.MethodOptions:
		return s.preflight(ctx, w, r, target{bucket: bucket, key: key})
	case http.MethodGet:
	case http.MethodHead:
		rc.Operation = "WebsiteHeadObject"
	default:
		websiteError(w, r, errMethodNotAllowed(r.Method, "OBJECT"), nil)
		return nil
	}
	b, err := s.loadBucket(ctx, bucket)
	if err != nil {
		if ae, ok := awsproto.As(err); ok {
			websiteError(w, r, ae, nil)
			return nil
		}
		return err
	}
	s.applyCORS(ctx, w, r, bucket)
	cfg := b.Website
	if cfg == nil {
		websiteError(w, r, errNoSuchWebsiteConfiguration(bucket), nil)
		return nil
	}
	if ra := cfg.RedirectAllRequestsTo; ra != nil {
		websiteRedirectTo(w, websiteScheme(r, ra.Protocol)+"://"+ra.HostName+r.URL.EscapedPath(), http.StatusMovedPermanently)
		return nil
	}
	if rule := cfg.matchRule(key, 0); rule != nil {
		loc, code := routingLocation(r, rule, key)
		websiteRedirectTo(w, loc, code)
		return nil
	}
	suffix := cfg.IndexDocument.Suffix
	objKey := key
	if key == "" || strings.HasSuffix(key, "/") {
		objKey = key + suffix
	}
	err = s.websiteObject(ctx, w, r, b, objKey, 0)
	if err == nil {
		return nil
	}
	ae, ok := awsproto.As(err)
	if !ok {
		return err
	}
	if (ae.Code == "NoSuchKey" || ae.Code == "AccessDenied") && objKey == key && s.websiteReadable(ctx, r, b, key+"/"+suffix) {
		// A "folder" asked for without its slash.
		websiteRedirectTo(w, (&url.URL{Path: "/" + key + "/"}).EscapedPath(), http.StatusFound)
		return nil
	}
	if rule := cfg.matchRule(key, ae.Status); rule != nil {
		loc, code := routingLocation(r, rule, key)
		websiteRedirectTo(w, loc, code)
		return nil
	}
	if cfg.ErrorDocument != nil && (ae.Status == http.StatusNotFound || ae.Status == http.StatusForbidden) {
		derr := s.websiteObject(ctx, w, r, b, cfg.ErrorDocument.Key, ae.Status)
		if derr == nil {
			return nil
		}
		dae, ok := awsproto.As(derr)
		if !ok {
			return derr
		}
		websiteError(w, r, ae, dae)
		return nil
	}
	websiteError(w, r, ae, nil)
	return nil
}

// websiteObject answers with an object as an anonymous GetObject (or
// HeadObject) would read it. status, when not zero, is the status to
// answer it with (the error document's), and the request's conditions
// and range are not applied.
func (s *Service) websiteObject(ctx context.Context, w http.ResponseWriter, r *http.Request, b *bucketRecord, key string, status int) error {
	r2 := r.Clone(ctx)
	u := *r.URL
	u.RawQuery = ""
	r2.URL = &u
	if status != 0 {
		for _, h := range []string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
			r2.Header.Del(h)
		}
	}
	rt := &route{name: "GetObject", method: http.MethodGet, level: levelObject}
	if r.Method == http.MethodHead {
		rt = &route{name: "HeadObject", method: http.MethodHead, level: levelObject}
	}
	t := target{bucket: b.Name, key: key}
	out, err := s.websiteRead(ctx, r2, rt, t, r.Method == http.MethodGet)
	if err = s.keyExistence(ctx, rt, t, err); err != nil {
		return err
	}
	if loc := out.Headers["X-Amz-Website-Redirect-Location"]; loc != "" {
		if out.Body != nil {
			out.Body.Close()
		}
		websiteRedirectTo(w, loc, http.StatusMovedPermanently)
		return nil
	}
	if status != 0 {
		out.Status = status
	}
	return restxml.Encode(w, r, out)
}

// websiteReadable reports whether an anonymous caller may read key.
func (s *Service) websiteReadable(ctx context.Context, r *http.Request, b *bucketRecord, key string) bool {
	rt := &route{name: "HeadObject", method: http.MethodHead, level: levelObject}
	rc := request.From(ctx)
	src := rc.Sources
	rc.Sources = request.Sources{Header: r.Header, Query: url.Values{}}
	defer func() { rc.Sources = src }()
	return s.authorize(ctx, rt, target{bucket: b.Name, key: key}) == nil && s.peekObject(ctx, b, key) != nil
}

// matchRule returns the first routing rule that applies to key: before
// the object is read (status 0), a rule without a condition or with a
// key prefix alone; after an error, a rule for that error's status (and
// its key prefix, if it has one).
func (c *websiteConfiguration) matchRule(key string, status int) *routingRule {
	rules := c.rules()
	for i := range rules {
		rule := &rules[i]
		cond := rule.Condition
		switch {
		case cond == nil:
			if status == 0 {
				return rule
			}
		case status == 0:
			if cond.HttpErrorCodeReturnedEquals == "" && strings.HasPrefix(key, cond.KeyPrefixEquals) {
				return rule
			}
		default:
			if cond.HttpErrorCodeReturnedEquals == strconv.Itoa(status) && strings.HasPrefix(key, cond.KeyPrefixEquals) {
				return rule
			}
		}
	}
	return nil
}

// websiteScheme is the protocol of a redirect: the configured one, else
// the request's.
func websiteScheme(r *http.Request, configured string) string {
	if configured != "" {
		return configured
	}
	if request.From(r.Context()).Secure {
		return "https"
	}
	return "http"
}

// routingLocation is where a routing rule sends a request for key, and
// with which status (301 unless the rule says otherwise).
func routingLocation(r *http.Request, rule *routingRule, key string) (string, int) {
	rd := rule.Redirect
	host := rd.HostName
	if host == "" {
		host = r.Host
	}
	switch {
	case rd.ReplaceKeyWith != "":
		key = rd.ReplaceKeyWith
	case rd.ReplaceKeyPrefixWith != nil:
		prefix := ""
		if rule.Condition != nil {
			prefix = rule.Condition.KeyPrefixEquals
		}
		key = *rd.ReplaceKeyPrefixWith + strings.TrimPrefix(key, prefix)
	}
	code := http.StatusMovedPermanently
	if n, err := strconv.Atoi(rd.HttpRedirectCode); err == nil {
		code = n
	}
	return websiteScheme(r, rd.Protocol) + "://" + host + (&url.URL{Path: "/" + key}).EscapedPath(), code
}

func websiteRedirectTo(w http.ResponseWriter, location string, code int) {
	w.Header().Set("Location", location)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(code)
}

// websiteError writes the HTML page S3's website endpoint shows for an
// error, with the error met fetching the error document, if any, below
// it. A HEAD gets the status alone.
func websiteError(w http.ResponseWriter, r *http.Request, e, docErr *awsproto.Error) {
	rc := request.From(r.Context())
	title := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	var b strings.Builder
	b.WriteString("<html>\n<head><title>" + title + "</title></head>\n<body>\n<h1>" + title + "</h1>\n<ul>\n")
	item := func(name, value string) {
		b.WriteString("<li>" + name + ": " + html.EscapeString(value) + "</li>\n")
	}
	item("Code", e.Code)
	item("Message", e.Message)
	for _, kv := range e.Extra {
		item(kv[0], kv[1])
	}
	item("RequestId", rc.ID)
	item("HostId", rc.HostID)
	b.WriteString("</ul>\n")
	if docErr != nil {
		b.WriteString("<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n")
		item("Code", docErr.Code)
		item("Message", docErr.Message)
		for _, kv := range docErr.Extra {
			item(kv[0], kv[1])
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("<hr/>\n</body>\n</html>\n")
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(b.String()))
}

// websiteRead authorizes and reads a website's object as GetObject or
// HeadObject.
func (s *Service) websiteRead(ctx context.Context, r *http.Request, rt *route, t target, body bool) (*GetObjectOutput, error) {
	request.From(ctx).Sources = request.SourcesOf(r)
	if err := s.authorize(ctx, rt, t); err != nil {
		return nil, err
	}
	in := &GetObjectInput{}
	if err := restxml.Decode(r, t.uri, in); err != nil {
		return nil, err
	}
	return s.readObject(ctx, in, body)
}
