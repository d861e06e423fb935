package s3

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/request"
)

// Cross-origin resource sharing
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html): a
// bucket's CORS rules answer browsers' preflight OPTIONS requests, which
// are never signed, and add Access-Control-* headers to the responses of
// requests that carry a matching Origin.

// corsRule is one CORSRule; its JSON form is how the bucket record keeps it.
type corsRule struct {
	ID             string   `xml:"ID,omitempty" json:"id,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader" json:"ah,omitempty"`
	AllowedMethods []string `xml:"AllowedMethod" json:"am"`
	AllowedOrigins []string `xml:"AllowedOrigin" json:"ao"`
	ExposeHeaders  []string `xml:"ExposeHeader" json:"eh,omitempty"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds,omitempty" json:"max,omitempty"`
}

type corsConfiguration struct {
	XMLName xml.Name   `xml:"CORSConfiguration" json:"-"`
	Rules   []corsRule `xml:"CORSRule" json:"rules"`
}

type PutBucketCorsInput struct {
	Bucket string             `loc:"uri,Bucket"`
	Config *corsConfiguration `loc:"body"`
}

type GetBucketCorsOutput struct {
	Body *corsConfiguration `loc:"body"`
}

// corsMethods are the methods a CORS rule may allow.
var corsMethods = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "HEAD": true}

// PutBucketCors replaces the bucket's CORS rules (1 to 100 rules, each
// with at least one method and one origin, at most one wildcard per
// origin and header).
func (s *Service) PutBucketCors(ctx context.Context, in *PutBucketCorsInput) (*struct{}, error) {
	if in.Config == nil || len(in.Config.Rules) == 0 || len(in.Config.Rules) > 100 {
		return nil, errMalformedXML()
	}
	for _, r := range in.Config.Rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 || len(r.ID) > 255 {
			return nil, errMalformedXML()
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return nil, errInvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, errInvalidRequest(fmt.Sprintf("AllowedOrigin %q can not have more than one wildcard.", o))
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return nil, errInvalidRequest(fmt.Sprintf("AllowedHeader %q can not have more than one wildcard.", h))
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return nil, errMalformedXML()
		}
	}
	c := *in.Config
	c.XMLName = xml.Name{}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.CORS = &c
		return nil
	})
}

func errNoSuchCORSConfiguration(bucket string) error {
	return awsproto.New(http.StatusNotFound, "NoSuchCORSConfiguration", "The CORS configuration does not exist").With("BucketName", bucket)
}

// GetBucketCors returns the bucket's CORS rules, or NoSuchCORSConfiguration.
func (s *Service) GetBucketCors(ctx context.Context, in *BucketInput) (*GetBucketCorsOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.CORS == nil {
		return nil, errNoSuchCORSConfiguration(b.Name)
	}
	c := *b.CORS
	return &GetBucketCorsOutput{Body: &c}, nil
}

// DeleteBucketCors removes the bucket's CORS rules (no error when there
// are none).
func (s *Service) DeleteBucketCors(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	return noContent, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.CORS = nil
		return nil
	})
}

// wildcardMatch reports whether s matches pattern, in which one "*"
// stands for any run of characters (CORS origins and headers allow at
// most one).
func wildcardMatch(pattern, s string) bool {
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// requestedHeaders splits Access-Control-Request-Headers into lower-case
// names.
func requestedHeaders(v string) []string {
	var out []string
	for _, h := range strings.Split(v, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// match reports whether the rule allows origin, method and every one of
// headers (lower case), as S3 evaluates a rule: the origin against
// AllowedOrigin, the method (the preflight's Access-Control-Request-Method)
// against AllowedMethod, each requested header against AllowedHeader
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html#cors-eval-criteria).
func (r *corsRule) match(origin, method string, headers []string) bool {
	ok := false
	for _, m := range r.AllowedMethods {
		if m == method {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	ok = false
	for _, o := range r.AllowedOrigins {
		if wildcardMatch(o, origin) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	for _, h := range headers {
		ok = false
		for _, a := range r.AllowedHeaders {
			if wildcardMatch(strings.ToLower(a), h) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchCORS returns the first rule of c that allows the request, or nil.
func (c *corsConfiguration) matchCORS(origin, method string, headers []string) *corsRule {
	if c == nil {
		return nil
	}
	for i := range c.Rules {
		if c.Rules[i].match(origin, method, headers) {
			return &c.Rules[i]
		}
	}
	return nil
}

// corsVary is the Vary header of every response a CORS rule shaped.
const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// setCORSHeaders writes the Access-Control-* headers of a matched rule:
// the origin (or "*" for a rule allowing any origin, which then allows no
// credentials), the rule's methods, the requested headers, the exposed
// headers and the preflight's lifetime.
func setCORSHeaders(h http.Header, rule *corsRule, origin string, headers []string) {
	anyOrigin := false
	for _, o := range rule.AllowedOrigins {
		if o == "*" {
			anyOrigin = true
		}
	}
	if anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	if len(rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*rule.MaxAgeSeconds))
	}
	h.Set("Vary", corsVary)
}

// applyCORS adds the Access-Control-* headers to the response of an
// ordinary (not preflight) request whose Origin a rule of the bucket
// allows for the request's method. Requests without Origin are not
// cross-origin and get none; neither do those no rule allows.
func (s *Service) applyCORS(ctx context.Context, w http.ResponseWriter, r *http.Request, bucket string) {
	origin := r.Header.Get("Origin")
	if origin == "" || bucket == "" {
		return
	}
	b, err := s.loadBucket(ctx, bucket)
	if err != nil || b.CORS == nil {
		return
	}
	if rule := b.CORS.matchCORS(origin, r.Method, nil); rule != nil {
		setCORSHeaders(w.Header(), rule, origin, nil)
	}
}

// errCORS is S3's refusal of a preflight request.
func errCORS(msg, method string, lv level) *awsproto.Error {
	return awsproto.New(http.StatusForbidden, "AccessForbidden", "CORSResponse: "+msg).
		With("Method", method).With("ResourceType", resourceType(lv))
}

// preflight answers a browser's CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method). It needs no signature: browsers never
// sign one, and S3 judges it by the bucket's CORS rules alone.
func (s *Service) preflight(ctx context.Context, w http.ResponseWriter, r *http.Request, t target) error {
	rc := request.From(ctx)
	rc.Operation = "PreflightRequest"
	origin := r.Header.Get("Origin")
	if origin == "" {
		return awsproto.New(http.StatusBadRequest, "BadRequest", "Insufficient information. Origin request header needed.")
	}
	method := r.Header.Get("Access-Control-Request-Method")
	if !corsMethods[method] {
		if method == "" {
			method = "null"
		}
		return awsproto.New(http.StatusBadRequest, "BadRequest", "Invalid Access-Control-Request-Method: "+method)
	}
	lv := levelObject
	if t.key == "" {
		lv = levelBucket
	}
	if t.bucket == "" {
		return errMethodNotAllowed(http.MethodOptions, "SERVICE")
	}
	b, err := s.loadBucket(ctx, t.bucket)
	if err != nil {
		if ae, ok := awsproto.As(err); ok && ae.Code == "NoSuchBucket" {
			return errCORS("Bucket not found", method, levelBucket)
		}
		return err
	}
	if b.CORS == nil {
		return errCORS("CORS is not enabled for this bucket.", method, lv)
	}
	headers := requestedHeaders(r.Header.Get("Access-Control-Request-Headers"))
	rule := b.CORS.matchCORS(origin, method, headers)
	if rule == nil {
		return errCORS("This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", method, lv)
	}
	setCORSHeaders(w.Header(), rule, origin, headers)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}
