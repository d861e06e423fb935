package s3

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/s3/acl"
	"github.com/gureum/gureum/internal/store"
)

// SetIdentities gives the service IAM's view of principals (their
// identity policies, boundaries and session policies).
func (s *Service) SetIdentities(ids authz.Identities) { s.ids = ids }

// authorize is the one place an S3 request is allowed or denied. It turns
// the request into (principal, action, resource, condition keys) and asks
// policy.Evaluate with every policy that applies: the principal's
// identity policies (from IAM), the bucket policy, and the bucket's or
// object's ACL, as Block Public Access and Object Ownership shape them.
//
// A missing bucket is NoSuchBucket before any permission is judged, as
// S3 answers it.
func (s *Service) authorize(ctx context.Context, rt *route, t target) error {
	rc := request.From(ctx)
	p := rc.Principal
	switch rt.name {
	case "ListBuckets":
		if p.IsAnonymous() {
			return errAccessDenied()
		}
		return s.check(ctx, nil, "s3:ListAllMyBuckets", "*", nil)
	case "CreateBucket":
		if p.IsAnonymous() {
			return errAccessDenied()
		}
		return s.check(ctx, nil, "s3:CreateBucket", "arn:aws:s3:::"+t.bucket, nil)
	}
	b, err := s.loadBucket(ctx, t.bucket)
	if err != nil {
		return err
	}
	src := rc.Sources
	if err := checkExpectedOwner(src.Header.Get("X-Amz-Expected-Bucket-Owner"), b); err != nil {
		return err
	}
	a := actions[rt.name]
	action := a.action
	if a.versioned != "" && src.Query.Get("versionId") != "" {
		action = a.versioned
	}
	if rt.name == "DeleteObjects" {
		// Each key is judged by itself; the handler asks allowed().
		return nil
	}
	resource := "arn:aws:s3:::" + b.Name
	var key *string
	if rt.level == levelObject {
		resource += "/" + t.key
		key = &t.key
	}
	return s.check(ctx, b, action, resource, key)
}

// keyExistence is S3's rule that a read tells whether a key exists only
// to a caller who may list the bucket (s3:ListBucket, with the key as
// s3:prefix): it runs on the outcome of a GetObject or HeadObject without
// a version id, denied or run, and makes a missing key NoSuchKey to such
// a caller and AccessDenied to everyone else, even to one allowed
// s3:GetObject (the familiar 403 of a public website's missing page)
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax).
func (s *Service) keyExistence(ctx context.Context, rt *route, t target, err error) error {
	ae, ok := awsproto.As(err)
	if err == nil || !ok || (ae.Code != "AccessDenied" && ae.Code != "NoSuchKey") ||
		(rt.name != "GetObject" && rt.name != "HeadObject") || request.From(ctx).Sources.Query.Get("versionId") != "" {
		return err
	}
	b, lerr := s.loadBucket(ctx, t.bucket)
	if lerr != nil {
		return err
	}
	missing := ae.Code == "NoSuchKey" || s.peekObject(ctx, b, t.key) == nil
	if missing && s.listAllows(ctx, b, t.key) {
		return errNoSuchKey(t.key)
	}
	if ae.Code == "NoSuchKey" {
		return errAccessDenied()
	}
	return err
}

// checkExpectedOwner applies x-amz-expected-bucket-owner (and
// x-amz-source-expected-bucket-owner): a bucket another account owns is
// AccessDenied, so a request never lands in a bucket that changed hands.
func checkExpectedOwner(want string, b *bucketRecord) error {
	if want != "" && want != b.Account {
		return errAccessDenied()
	}
	return nil
}

// listAllows reports whether the caller may list the bucket with the
// given prefix.
func (s *Service) listAllows(ctx context.Context, b *bucketRecord, prefix string) bool {
	rc := request.From(ctx)
	op, src := rc.Operation, rc.Sources
	rc.Operation, rc.Sources.Query = "ListObjects", url.Values{"prefix": {prefix}}
	defer func() { rc.Operation, rc.Sources = op, src }()
	return s.check(ctx, b, "s3:ListBucket", "arn:aws:s3:::"+b.Name, nil) == nil
}

// allowed judges one more action on a bucket or key within a request
// (each key of DeleteObjects, the source of a copy): the request's own
// headers and query are not that action's, so none of its keys are.
func (s *Service) allowed(ctx context.Context, b *bucketRecord, action string, key *string) error {
	resource := "arn:aws:s3:::" + b.Name
	if key != nil {
		resource += "/" + *key
	}
	rc := request.From(ctx)
	src := rc.Sources
	rc.Sources = request.Sources{}
	defer func() { rc.Sources = src }()
	return s.check(ctx, b, action, resource, key)
}

// isOwnerRoot reports whether p is the root user of account acct acting
// with its own long-term keys.
func isOwnerRoot(p request.Principal, acct string) bool {
	return p.Type == request.Root && p.Account == acct
}

// bucketPolicyAction is an action the bucket owner's root may always do,
// even when its bucket policy denies it, so it can never lock itself out.
func bucketPolicyAction(action string) bool {
	switch action {
	case "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy":
		return true
	}
	return false
}

// check evaluates one action. b is nil for actions on no bucket.
func (s *Service) check(ctx context.Context, b *bucketRecord, action, resource string, key *string) error {
	rc := request.From(ctx)
	p := rc.Principal
	// The bucket owner's root is judged by nothing but an explicit deny
	// in its bucket policy (and not even that for the bucket policy
	// itself). Without a bucket, a root acts in its own account.
	if p.Type == request.Root && (b == nil || b.Account == p.Account) {
		// … unless the object belongs to another account (ACLs enabled,
		// ObjectWriter): then the object's ACL speaks for its owner.
		objectACL := b != nil && key != nil && needsObjectACL(b, action)
		if !objectACL && (b == nil || b.policy == nil || bucketPolicyAction(action)) {
			return nil
		}
	}
	var in policy.Input
	if s.ids != nil {
		id, err := s.ids.Identity(ctx, p)
		if err != nil {
			return err
		}
		in = *id
	} else if p.Type == request.Root {
		in.IdentityAllowsAll = true
	}
	var pab publicAccessBlock
	if b != nil {
		in.ResourceAccount = b.Account
		pab = s.effectivePAB(ctx, b)
		if b.policy != nil {
			pol := b.policy
			if pab.RestrictPublicBuckets && b.policyPublic && p.Account != b.Account {
				// Only principals of the owner's account (and AWS
				// services) may use a public policy's grants.
				pol = b.policyDenies
			}
			in.Resource = &policy.Source{Kind: policy.Resource, Name: "bucket policy of " + b.Name, Policy: pol}
		}
	}
	var obj *versionRecord
	if b != nil && key != nil && (needsObjectACL(b, action) || mentionsExistingTag(&in)) {
		obj = s.peekObject(ctx, b, *key)
	}
	foreignObject := obj != nil && obj.Owner != "" && obj.Owner != b.Account && needsObjectACL(b, action)
	if foreignObject {
		// Another account owns the object: it is that account's
		// resource, granted through the object's ACL.
		in.ResourceAccount = obj.Owner
	}
	if b != nil && b.Ownership != "BucketOwnerEnforced" {
		in.ExtraAllow = aclAllows(b, obj, p, action, pab.IgnorePublicAcls)
	}
	req := &policy.Request{Principal: authz.Principal(p, CanonicalID(p.Account)), Action: action, Resource: resource, Keys: s3Keys(rc, b, obj)}
	res := policy.Evaluate(&in, req)
	authz.Log(ctx, s.log, req, res)
	if res.Decision == policy.Allow {
		return nil
	}
	if isOwnerRoot(p, accountOf(b)) && res.Decision != policy.ExplicitDeny && !foreignObject {
		return nil
	}
	if p.IsAnonymous() {
		return errAccessDenied()
	}
	return authz.Denied(p, action, resource, res, true)
}

func accountOf(b *bucketRecord) string {
	if b == nil {
		return ""
	}
	return b.Account
}

func needsObjectACL(b *bucketRecord, action string) bool {
	if b.Ownership == "BucketOwnerEnforced" {
		return false
	}
	ap, ok := aclPermission[action]
	return ok && ap.object
}

// mentionsExistingTag reports whether any policy has a condition on
// s3:ExistingObjectTag, the one key that needs the object read first.
func mentionsExistingTag(in *policy.Input) bool {
	const family = "s3:existingobjecttag"
	if in.UsedKeys != nil {
		return in.UsedKeys[family] || (in.Resource != nil && in.Resource.Policy != nil && in.Resource.Policy.UsesKey(family))
	}
	check := func(src *policy.Source) bool {
		return src != nil && src.Policy != nil && src.Policy.UsesKey(family)
	}
	for i := range in.Identity {
		if check(&in.Identity[i]) {
			return true
		}
	}
	return check(in.Resource) || check(in.Boundary)
}

// peekObject reads the version a request addresses, or nil.
func (s *Service) peekObject(ctx context.Context, b *bucketRecord, key string) *versionRecord {
	vid := request.From(ctx).Sources.Query.Get("versionId")
	var v *versionRecord
	_ = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = lookupObject(tx, b.Name, key, vid)
		return err
	})
	if v != nil && v.DeleteMarker {
		return nil
	}
	return v
}

// aclAllows reports whether the bucket's or object's ACL grants the
// action to the principal. Within the owner's account an ACL grant to the
// account speaks for its root only: IAM users need identity policies.
func aclAllows(b *bucketRecord, obj *versionRecord, p request.Principal, action string, ignorePublic bool) bool {
	owner := b.Account
	if obj != nil && obj.Owner != "" {
		owner = obj.Owner
	}
	ap, ok := aclPermission[action]
	if !ok {
		return false
	}
	var a acl.ACL
	switch {
	case !ap.object:
		a = b.acl()
	case obj != nil:
		a = obj.acl(b)
	default:
		return false
	}
	if ignorePublic {
		a = a.WithoutPublic()
	}
	id := ""
	if !p.IsAnonymous() && (p.Type == request.Root || p.Account != owner) {
		id = CanonicalID(p.Account)
	}
	return a.Allows(id, !p.IsAnonymous(), acl.Permission(ap.perm))
}

// s3Keys resolves the condition keys of an S3 request
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys)
// and the global ones, as policy.Evaluate asks for them (key lower-cased):
// a key no condition reads is never computed.
func s3Keys(rc *request.Context, b *bucketRecord, obj *versionRecord) func(string) ([]string, bool) {
	src := rc.Sources
	query := func() url.Values { return src.Query }
	one := func(v string) ([]string, bool) { return []string{v}, true }
	now := authz.Now(rc)
	return func(key string) ([]string, bool) {
		if strings.HasPrefix(key, "aws:") {
			if rest, ok := strings.CutPrefix(key, "aws:resourcetag/"); ok {
				if b != nil {
					return lastTag(b.Tags, rest)
				}
				return nil, false
			}
			return authz.GlobalKey(rc, now, key)
		}
		switch key {
		case "s3:signatureversion":
			if rc.SignatureVersion != "" {
				return one(rc.SignatureVersion)
			}
			return nil, false
		case "s3:authtype":
			if rc.SignatureVersion != "" {
				return one(rc.AuthType)
			}
			return nil, false
		case "s3:resourceaccount":
			if b != nil {
				return one(b.Account)
			}
			return nil, false
		}
		if rest, ok := strings.CutPrefix(key, "s3:existingobjecttag/"); ok {
			if obj != nil {
				return lastTag(obj.Tags, rest)
			}
			return nil, false
		}
		if src.Header == nil && src.Query == nil {
			return nil, false
		}
		switch key {
		case "s3:prefix", "s3:delimiter", "s3:max-keys":
			switch rc.Operation {
			case "ListObjects", "ListObjectsV2", "ListObjectVersions", "HeadBucket":
				name := key[len("s3:"):]
				if key == "s3:prefix" || query().Has(name) {
					return one(query().Get(name))
				}
			}
			return nil, false
		case "s3:versionid":
			if v := query().Get("versionId"); v != "" {
				return one(v)
			}
			return nil, false
		case "s3:requestobjecttagkeys":
			tags, ok := requestTags(src.Header)
			if !ok {
				return nil, false
			}
			keys := make([]string, 0, len(tags))
			for _, t := range tags {
				keys = append(keys, t.Key)
			}
			return keys, true
		}
		if rest, ok := strings.CutPrefix(key, "s3:requestobjecttag/"); ok {
			if tags, ok := requestTags(src.Header); ok {
				return lastTag(tags, rest)
			}
			return nil, false
		}
		if strings.HasPrefix(key, "s3:x-amz-") {
			for _, h := range s3HeaderKeys {
				if h.key == key {
					if vs := src.Header[h.header]; len(vs) > 0 {
						return one(vs[0])
					}
				}
			}
		}
		return nil, false
	}
}

// lastTag returns the value of the tag whose key, lower-cased, is key
// (condition keys compare case-insensitively; the last such tag wins).
func lastTag(tags []tag, key string) ([]string, bool) {
	var v []string
	for _, t := range tags {
		if strings.ToLower(t.Key) == key {
			v = []string{t.Value}
		}
	}
	return v, v != nil
}

// requestTags parses the x-amz-tagging header of a request (a URL query:
// Key1=Value1&Key2=Value2), in order, if it has a valid one.
func requestTags(h http.Header) ([]tag, bool) {
	tagging := h.Get("X-Amz-Tagging")
	if tagging == "" {
		return nil, false
	}
	var tags []tag
	for _, kv := range strings.Split(tagging, "&") {
		if kv == "" {
			continue
		}
		if strings.Contains(kv, ";") { // as url.ParseQuery: not a separator, an error
			return nil, false
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		tags = append(tags, tag{k, v})
	}
	return tags, true
}

// s3HeaderKeys are the request headers S3 offers as condition keys: the
// key (lower case) and the header's canonical name.
var s3HeaderKeys = func() []struct{ key, header string } {
	var out []struct{ key, header string }
	for _, h := range []string{"x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
		"x-amz-grant-write-acp", "x-amz-grant-full-control", "x-amz-copy-source",
		"x-amz-metadata-directive", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
		"x-amz-storage-class", "x-amz-content-sha256", "x-amz-object-ownership",
		"x-amz-website-redirect-location", "x-amz-server-side-encryption-customer-algorithm"} {
		out = append(out, struct{ key, header string }{"s3:" + h, http.CanonicalHeaderKey(h)})
	}
	return out
}()

// errBlockedPublicPolicy is S3's answer to a public bucket policy under
// BlockPublicPolicy.
func errBlockedPublicPolicy(p request.Principal, bucket string) error {
	who := p.ARN
	return awsproto.Newf(http.StatusForbidden, "AccessDenied",
		"User: %s is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::%s\" because public policies are blocked by the BlockPublicPolicy block public access setting.", who, bucket)
}
