// Package s3 is gureum's S3: buckets, objects, listing, multipart uploads
// and versioning over the store (metadata) and blob (bytes) engines.
//
// Requests arrive authenticated (the edge verified SigV4 and put the
// principal in the request context). The service finds the operation from
// the table of every S3 operation (routes_gen.go, from botocore's model),
// authorizes it centrally, binds the typed input with restxml, runs the
// handler and writes the typed output.
//
// Two kinds of request never reach the table: those to a bucket's website
// endpoint (told apart by Host, website.go), which are anonymous reads
// with the website's index, error documents and redirects, and CORS
// preflights (OPTIONS, cors.go), which browsers never sign and which the
// bucket's CORS rules alone decide.
package s3

import (
	"context"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/blob"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/sigv4"
	"github.com/gureum/gureum/internal/store"
)

// Config wires the service's engines and settings.
type Config struct {
	Store store.Store
	Blobs *blob.Store
	// Region is the default region of requests that name none (unsigned).
	Region string
	// VirtualHostSuffixes are the host names under which "<bucket>.<suffix>"
	// addresses a bucket virtual-hosted-style, e.g. "s3.localhost".
	VirtualHostSuffixes []string
	// Verifier and Resolve authenticate browser-form POST uploads, whose
	// signature is in the form rather than the request.
	Verifier *sigv4.Verifier
	Resolve  func(ctx context.Context, accessKeyID string) (request.Principal, error)
	Logger   *slog.Logger
	Now      func() time.Time
	// Accounts are the ids of every account (ACL grantees must be one).
	Accounts []string
	// LegacyBucketDefaults creates buckets as S3 did before April 2023:
	// ACLs enabled (ObjectWriter) and no Block Public Access, for test
	// suites written against those defaults (ceph/s3-tests).
	LegacyBucketDefaults bool
	// InlineMax is the largest object kept inside the metadata store
	// instead of a blob file.
	InlineMax int64
	// Reconciler runs background work: the buckets' lifecycle rules (nil:
	// rules are kept but never executed).
	Reconciler *reconcile.Engine
	// LifecycleDay is how long a lifecycle rule's day lasts (default
	// 24 h); tests scale it down, e.g. to a second.
	LifecycleDay time.Duration
}

// Service serves S3.
type Service struct {
	cfg    Config
	store  store.Store
	blobs  *blob.Store
	log    *slog.Logger
	now    func() time.Time
	seq    seqClock
	routes []route
	// routeByName finds an operation's route; ops are the operations
	// (PostObject, driven by its form, is served apart).
	routeByName map[string]*route
	ops         *operation.Service

	bucketCache sync.Map // name → *bucketRecord
	bucketGen   atomic.Uint64

	ids      authz.Identities
	pabCache sync.Map   // account → pabEntry
	kms      KeyService // SSE-KMS's data keys (nil: refused)
}

type level int

const (
	levelService level = iota
	levelBucket
	levelObject
)

// route says how one operation looks on the wire and what serves it.
type route struct {
	name   string
	method string
	level  level
	query  []string // required query keys, or key=value
	header string   // a required header
}

// target is the bucket and key a request addresses.
type target struct {
	bucket, key string
	// pathStyle is a request on gureum's own host (which also serves the
	// console), not on a bucket's virtual host.
	pathStyle bool
}

func (t target) uri(name string) string {
	switch name {
	case "Bucket":
		return t.bucket
	case "Key":
		return t.key
	}
	return ""
}

// handle makes an operation of a typed handler; New names it.
func handle[I, O any](fn func(context.Context, *I) (*O, error)) *operation.Operation {
	return operation.New("", "", fn)
}

// New returns the S3 service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.InlineMax == 0 {
		cfg.InlineMax = 128 << 10
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.LifecycleDay <= 0 {
		cfg.LifecycleDay = 24 * time.Hour
	}
	s := &Service{cfg: cfg, store: cfg.Store, blobs: cfg.Blobs, log: cfg.Logger, now: cfg.Now}
	ops := map[string]*operation.Operation{
		"ListBuckets":                   handle(s.ListBuckets),
		"CreateBucket":                  handle(s.CreateBucket),
		"HeadBucket":                    handle(s.HeadBucket),
		"DeleteBucket":                  handle(s.DeleteBucket),
		"GetBucketLocation":             handle(s.GetBucketLocation),
		"PutBucketTagging":              handle(s.PutBucketTagging),
		"PutBucketEncryption":           handle(s.PutBucketEncryption),
		"GetBucketEncryption":           handle(s.GetBucketEncryption),
		"DeleteBucketEncryption":        handle(s.DeleteBucketEncryption),
		"GetBucketTagging":              handle(s.GetBucketTagging),
		"DeleteBucketTagging":           handle(s.DeleteBucketTagging),
		"PutBucketVersioning":           handle(s.PutBucketVersioning),
		"GetBucketVersioning":           handle(s.GetBucketVersioning),
		"PutObject":                     handle(s.PutObject),
		"GetObject":                     handle(s.GetObject),
		"HeadObject":                    handle(s.HeadObject),
		"DeleteObject":                  handle(s.DeleteObject),
		"DeleteObjects":                 handle(s.DeleteObjects),
		"CopyObject":                    handle(s.CopyObject),
		"PutObjectTagging":              handle(s.PutObjectTagging),
		"GetObjectTagging":              handle(s.GetObjectTagging),
		"DeleteObjectTagging":           handle(s.DeleteObjectTagging),
		"GetObjectAttributes":           handle(s.GetObjectAttributes),
		"ListObjects":                   handle(s.ListObjects),
		"ListObjectsV2":                 handle(s.ListObjectsV2),
		"ListObjectVersions":            handle(s.ListObjectVersions),
		"CreateMultipartUpload":         handle(s.CreateMultipartUpload),
		"UploadPart":                    handle(s.UploadPart),
		"UploadPartCopy":                handle(s.UploadPartCopy),
		"CompleteMultipartUpload":       handle(s.CompleteMultipartUpload),
		"AbortMultipartUpload":          handle(s.AbortMultipartUpload),
		"ListParts":                     handle(s.ListParts),
		"ListMultipartUploads":          handle(s.ListMultipartUploads),
		"PutBucketPolicy":               handle(s.PutBucketPolicy),
		"GetBucketPolicy":               handle(s.GetBucketPolicy),
		"DeleteBucketPolicy":            handle(s.DeleteBucketPolicy),
		"GetBucketPolicyStatus":         handle(s.GetBucketPolicyStatus),
		"PutPublicAccessBlock":          handle(s.PutPublicAccessBlock),
		"GetPublicAccessBlock":          handle(s.GetPublicAccessBlock),
		"DeletePublicAccessBlock":       handle(s.DeletePublicAccessBlock),
		"PutBucketOwnershipControls":    handle(s.PutBucketOwnershipControls),
		"GetBucketOwnershipControls":    handle(s.GetBucketOwnershipControls),
		"DeleteBucketOwnershipControls": handle(s.DeleteBucketOwnershipControls),
		"GetBucketAcl":                  handle(s.GetBucketAcl),
		"PutBucketAcl":                  handle(s.PutBucketAcl),
		"GetObjectAcl":                  handle(s.GetObjectAcl),
		"PutObjectAcl":                  handle(s.PutObjectAcl),

		"PutBucketCors":                      handle(s.PutBucketCors),
		"GetBucketCors":                      handle(s.GetBucketCors),
		"DeleteBucketCors":                   handle(s.DeleteBucketCors),
		"PutBucketWebsite":                   handle(s.PutBucketWebsite),
		"GetBucketWebsite":                   handle(s.GetBucketWebsite),
		"DeleteBucketWebsite":                handle(s.DeleteBucketWebsite),
		"PutBucketLogging":                   handle(s.PutBucketLogging),
		"GetBucketLogging":                   handle(s.GetBucketLogging),
		"PutBucketAccelerateConfiguration":   handle(s.PutBucketAccelerateConfiguration),
		"GetBucketAccelerateConfiguration":   handle(s.GetBucketAccelerateConfiguration),
		"PutBucketRequestPayment":            handle(s.PutBucketRequestPayment),
		"GetBucketRequestPayment":            handle(s.GetBucketRequestPayment),
		"PutBucketReplication":               handle(s.PutBucketReplication),
		"GetBucketReplication":               handle(s.GetBucketReplication),
		"DeleteBucketReplication":            handle(s.DeleteBucketReplication),
		"PutBucketNotification":              handle(s.PutBucketNotificationConfiguration),
		"PutBucketNotificationConfiguration": handle(s.PutBucketNotificationConfiguration),
		"GetBucketNotification":              handle(s.GetBucketNotificationConfiguration),
		"GetBucketNotificationConfiguration": handle(s.GetBucketNotificationConfiguration),
		"GetObjectLockConfiguration":         handle(s.GetObjectLockConfiguration),
		"PutObjectLockConfiguration":         handle(s.PutObjectLockConfiguration),
		"PutObjectRetention":                 handle(s.PutObjectRetention),
		"GetObjectRetention":                 handle(s.GetObjectRetention),
		"PutObjectLegalHold":                 handle(s.PutObjectLegalHold),
		"GetObjectLegalHold":                 handle(s.GetObjectLegalHold),
		"PutBucketLifecycle":                 handle(s.PutBucketLifecycleConfiguration),
		"PutBucketLifecycleConfiguration":    handle(s.PutBucketLifecycleConfiguration),
		"GetBucketLifecycle":                 handle(s.GetBucketLifecycleConfiguration),
		"GetBucketLifecycleConfiguration":    handle(s.GetBucketLifecycleConfiguration),
		"DeleteBucketLifecycle":              handle(s.DeleteBucketLifecycle),
	}
	s.routes = append(s.routes, route{name: "PostObject", method: "POST", level: levelBucket})
	s.routes = append(s.routes, allRoutes...)
	s.routeByName = map[string]*route{}
	for i := range s.routes {
		s.routeByName[s.routes[i].name] = &s.routes[i]
	}
	for name, op := range ops {
		op.Name, op.Action = name, actions[name].action
	}
	s.ops = &operation.Service{Ops: ops, Check: s.checkOp, After: s.afterOp, Unknown: func(name string) error { return errNotImplemented(name) }}
	if cfg.Reconciler != nil {
		s.registerLifecycle(cfg.Reconciler)
	}
	return s
}

// ServeHTTP serves one S3 request. The edge has put the request context
// (id, principal, region) into r's context.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rc := request.From(ctx)
	w.Header().Set("x-amz-request-id", rc.ID)
	w.Header().Set("x-amz-id-2", rc.HostID)
	rc.Sources = request.SourcesOf(r)
	if isControl(r) {
		if err := s.serveControl(ctx, w, r); err != nil {
			s.WriteError(w, r, err)
		}
		return
	}
	if bucket, ok := s.websiteHost(r.Host); ok {
		if err := s.serveWebsite(ctx, w, r, bucket); err != nil && !headersSent(w) {
			s.WriteError(w, r, err)
		}
		return
	}
	t, err := s.parseTarget(r)
	if err == nil && r.Method == http.MethodOptions {
		// A CORS preflight: unsigned, judged by the CORS rules alone.
		if err = s.preflight(ctx, w, r, t); err != nil {
			s.WriteError(w, r, err)
		}
		return
	}
	if err == nil {
		s.applyCORS(ctx, w, r, t.bucket)
		if t.pathStyle && (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.Header.Get("Authorization") == "" {
			// gureum's own origin also serves the web console: an object
			// opened there (an HTML page, a script) runs sandboxed, in an
			// origin of its own, so it cannot act in the console as whoever
			// opened it. Its bucket's virtual host and website endpoint are
			// other origins and are not sandboxed. Only a navigation
			// renders a page, and a browser's navigation never carries a
			// SigV4 Authorization header: an anonymous or presigned GET
			// gets the sandbox, an SDK's signed GET (which would ignore
			// it) is spared the header.
			w.Header().Set("Content-Security-Policy", "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads")
		}
	}
	if err == nil && r.Method == http.MethodPut && r.ContentLength < 0 && len(r.TransferEncoding) > 0 && r.Header.Get("X-Amz-Decoded-Content-Length") == "" {
		// S3 takes no chunked transfer encoding (aws-chunked bodies say
		// their decoded length).
		err = errNotImplementedHeader("Transfer-Encoding")
	}
	if err == nil {
		err = checkSSEC(rc, func(yield func(string) bool) {
			for k := range r.Header {
				if !yield(k) {
					return
				}
			}
		})
	}
	if err == nil {
		var rt *route
		rt, err = s.match(r, t)
		if err == nil {
			rc.Operation = rt.name
			switch op := s.ops.Ops[rt.name]; {
			case rt.name == "PostObject":
				// The signature is in the form: postObject authorizes
				// once it has read it.
				err = s.postObject(ctx, w, r, t)
			case op == nil:
				err = errNotImplemented(rt.name)
			default:
				err = s.call(ctx, w, r, op, t)
			}
			if err != nil && rt.name == "HeadBucket" {
				err = s.withBucketRegion(ctx, t.bucket, err)
			}
		}
	}
	if err != nil {
		if headersSent(w) {
			// The client went away mid-body (or a blob read failed after
			// the status was sent): nothing more can be said to it.
			s.log.Debug("response cut short", "request_id", rc.ID, "operation", rc.Operation, "err", err)
			return
		}
		s.WriteError(w, r, err)
	}
}

// call runs one operation over HTTP: authorized by its target and the
// request's headers, then decoded (its body read), run and written.
func (s *Service) call(ctx context.Context, w http.ResponseWriter, r *http.Request, op *operation.Operation, t target) error {
	c := &httpCall{t: t, r: r, op: op}
	c.pending = operation.Pending{Meta: &c.t, Input: c}
	out, err := s.ops.Call(ctx, op, &c.pending)
	if err != nil {
		return err
	}
	return restxml.Encode(w, r, out)
}

// httpCall is an S3 request's input until it is authorized, in one
// allocation: the pending input, its target and how to decode it.
type httpCall struct {
	pending operation.Pending
	t       target
	r       *http.Request
	op      *operation.Operation
}

// Decode implements operation.Decoder: the body is read only now.
func (c *httpCall) Decode() (any, error) {
	in := c.op.NewInput()
	return in, restxml.Decode(c.r, c.t.uri, in)
}

// Operations is S3's operations (all but PostObject), for in-process
// callers: Invoke with a typed input and a principal in the context.
func (s *Service) Operations() *operation.Service { return s.ops }

// targetOf is the bucket and key a call addresses. An in-process call
// has no request: the headers and query its typed input stands for are
// its condition keys' sources.
func targetOf(ctx context.Context, in any) target {
	if p, ok := in.(*operation.Pending); ok {
		return *p.Meta.(*target)
	}
	if rc := request.From(ctx); rc.Sources.Header == nil && rc.Sources.Query == nil {
		rc.Sources.Header, rc.Sources.Query = restxml.Sources(in)
	}
	return target{bucket: operation.Field(in, "Bucket"), key: operation.Field(in, "Key")}
}

// checkOp authorizes a call (authorize, the one authorization point).
func (s *Service) checkOp(ctx context.Context, op *operation.Operation, in any) error {
	return s.authorize(ctx, s.routeByName[op.Name], targetOf(ctx, in))
}

// afterOp applies the key-existence rule to a read's outcome.
func (s *Service) afterOp(ctx context.Context, op *operation.Operation, in any, err error) error {
	if err == nil {
		return nil
	}
	return s.keyExistence(ctx, s.routeByName[op.Name], targetOf(ctx, in), err)
}

// checkSSEC refuses requests with customer-provided keys (SSE-C) over
// plain HTTP, as S3 does: a key must not cross the network in the clear.
// Over HTTPS (gureum's --tls-listen, or behind a TLS proxy) sse.go does
// the rest.
func checkSSEC(rc *request.Context, names iter.Seq[string]) error {
	for k := range names {
		if hasPrefixFold(k, sseCPrefix) || hasPrefixFold(k, copySSECPrefix) {
			if !rc.Secure {
				return awsproto.New(http.StatusBadRequest, "InvalidRequest", "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
			}
		}
	}
	return nil
}

// hasPrefixFold is strings.HasPrefix ignoring case, without allocating
// (this runs over every header of every request).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// withBucketRegion adds the bucket's region to a HeadBucket's error when
// the bucket exists: S3 tells anyone, even an anonymous caller denied
// access (403), where a bucket is, which is how clients such as
// Terraform find a bucket's region.
func (s *Service) withBucketRegion(ctx context.Context, bucket string, err error) error {
	ae, ok := awsproto.As(err)
	if !ok || ae.Code == "NoSuchBucket" {
		return err
	}
	b, lerr := s.loadBucket(ctx, bucket)
	if lerr != nil {
		return err
	}
	return ae.WithHeader("x-amz-bucket-region", b.Region)
}

// headersSent reports whether the response status has gone out.
func headersSent(w http.ResponseWriter) bool {
	hs, ok := w.(interface{ HeadersSent() bool })
	return ok && hs.HeadersSent()
}

// WriteError renders err in S3's envelope, logging faults that are not
// AWS errors (their text stays out of the response).
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	rc := request.From(r.Context())
	awsproto.WriteS3Error(w, r, awsproto.Logged(err, s.log, rc.ID, rc.Operation), rc.ID, rc.HostID)
}

// parseTarget finds the bucket and key, virtual-hosted-style from the Host
// header or else path-style. The key is the path as decoded, so "a/../b",
// "%2F", "+" and "//" reach the handlers exactly as the client meant them.
func (s *Service) parseTarget(r *http.Request) (target, error) {
	path := r.URL.Path
	if r.URL.RawPath != "" {
		// Go collapses nothing, but keep the exact decoding of the raw path.
		if p, err := unescapePath(r.URL.RawPath); err == nil {
			path = p
		}
	}
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasSuffix(host, "]") {
		host = h
	}
	host = strings.ToLower(host)
	for _, suf := range s.cfg.VirtualHostSuffixes {
		if strings.HasSuffix(host, "."+suf) {
			bucket := strings.TrimSuffix(host, "."+suf)
			key := strings.TrimPrefix(path, "/")
			return target{bucket: bucket, key: key}, nil
		}
	}
	p := strings.TrimPrefix(path, "/")
	if p == "" {
		return target{}, nil
	}
	bucket, key, _ := strings.Cut(p, "/")
	return target{bucket: bucket, key: key, pathStyle: true}, nil
}

func unescapePath(raw string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' && i+2 < len(raw) {
			h, ok1 := unhex(raw[i+1])
			l, ok2 := unhex(raw[i+2])
			if ok1 && ok2 {
				b.WriteByte(h<<4 | l)
				i += 2
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// match picks the most specific route: right method and level, every
// required query key and header present, the most requirements met.
func (s *Service) match(r *http.Request, t target) (*route, error) {
	lv := levelService
	if t.bucket != "" {
		lv = levelBucket
		if t.key != "" {
			lv = levelObject
		}
	}
	q := r.URL.Query()
	var best *route
	bestScore := -1
	for i := range s.routes {
		rt := &s.routes[i]
		if rt.method != r.Method || rt.level != lv {
			continue
		}
		score := 0
		ok := true
		for _, k := range rt.query {
			name, val, hasVal := strings.Cut(k, "=")
			vs, present := q[name]
			if !present || (hasVal && (len(vs) == 0 || vs[0] != val)) {
				ok = false
				break
			}
			score++
		}
		if ok && rt.header != "" {
			if r.Header.Get(rt.header) == "" {
				ok = false
			} else {
				score++
			}
		}
		if ok && rt.name == "PostObject" {
			ok = strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data")
			score = 1
		}
		if ok && score > bestScore {
			best, bestScore = rt, score
		}
	}
	if best == nil {
		if lv == levelObject && r.Method == http.MethodPost {
			return nil, errInvalidRequest("A key must not be specified for this POST request.")
		}
		return nil, errMethodNotAllowed(r.Method, resourceType(lv))
	}
	return best, nil
}

func resourceType(lv level) string {
	switch lv {
	case levelBucket:
		return "BUCKET"
	case levelObject:
		return "OBJECT"
	}
	return "SERVICE"
}

// SetAuth gives the service what it needs to verify browser-form POST
// uploads, whose signature travels in the form; the edge owns both.
func (s *Service) SetAuth(v *sigv4.Verifier, resolve func(ctx context.Context, accessKeyID, token string) (request.Principal, error)) {
	s.cfg.Verifier = v
	s.cfg.Resolve = func(ctx context.Context, ak string) (request.Principal, error) { return resolve(ctx, ak, "") }
}
