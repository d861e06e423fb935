package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/s3/acl"
	"github.com/gureum/gureum/internal/store"
)

// Access control of buckets: bucket policies, Block Public Access (on
// buckets and on accounts), Object Ownership and ACLs.

// publicAccessBlock is the four Block Public Access settings
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
type publicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration" json:"-"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls" json:"bpa"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls" json:"ipa"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy" json:"bpp"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets" json:"rpb"`
}

func (p publicAccessBlock) or(q publicAccessBlock) publicAccessBlock {
	return publicAccessBlock{
		BlockPublicAcls:       p.BlockPublicAcls || q.BlockPublicAcls,
		IgnorePublicAcls:      p.IgnorePublicAcls || q.IgnorePublicAcls,
		BlockPublicPolicy:     p.BlockPublicPolicy || q.BlockPublicPolicy,
		RestrictPublicBuckets: p.RestrictPublicBuckets || q.RestrictPublicBuckets,
	}
}

var allBlocked = publicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}

// compile prepares a loaded record's bucket policy for evaluation.
func (b *bucketRecord) compile() {
	if b.Policy == "" {
		return
	}
	p, err := policy.Parse([]byte(b.Policy))
	if err != nil {
		// Stored policies were validated; one that no longer parses
		// denies everything rather than allowing anything.
		p = &policy.Policy{}
	}
	b.policy = p
	b.policyPublic = p.IsPublic()
	b.policyDenies = p.Denies()
}

func (b *bucketRecord) owner() acl.Owner { return acl.Owner{ID: CanonicalID(b.Account)} }

// acl returns the bucket's ACL (the owner's FULL_CONTROL when none set).
func (b *bucketRecord) acl() acl.ACL {
	if b.ACL != nil {
		return *b.ACL
	}
	return acl.Private(b.owner())
}

// acl returns an object version's ACL.
func (v *versionRecord) acl(b *bucketRecord) acl.ACL {
	if v.ACL != nil {
		return *v.ACL
	}
	o := b.owner()
	if v.Owner != "" {
		o = acl.Owner{ID: CanonicalID(v.Owner)}
	}
	return acl.Private(o)
}

const tAccountPAB = "s3.account-pab"

// accountPAB returns an account's Block Public Access settings and
// whether any are set.
func (s *Service) accountPAB(ctx context.Context, account string) (publicAccessBlock, bool) {
	if v, ok := s.pabCache.Load(account); ok {
		e := v.(pabEntry)
		return e.pab, e.set
	}
	var e pabEntry
	_ = s.store.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(tAccountPAB, []byte(account))
		if err != nil {
			return nil
		}
		e.set = json.Unmarshal(v, &e.pab) == nil
		return nil
	})
	s.pabCache.Store(account, e)
	return e.pab, e.set
}

type pabEntry struct {
	pab publicAccessBlock
	set bool
}

// effectivePAB is the bucket's settings or'd with its account's.
func (s *Service) effectivePAB(ctx context.Context, b *bucketRecord) publicAccessBlock {
	var p publicAccessBlock
	if b.PAB != nil {
		p = *b.PAB
	}
	a, _ := s.accountPAB(ctx, b.Account)
	return p.or(a)
}

// Bucket policies.

type PutBucketPolicyInput struct {
	Bucket string `loc:"uri,Bucket"`
	Body   []byte `loc:"body"`
}

// principalChecker resolves the principals a bucket policy names
// (iam.Service implements it).
type principalChecker interface {
	UnknownPrincipal(ctx context.Context, acct string, arns []string) (string, error)
}

// checkPolicyPrincipals refuses a policy naming an IAM user or role that
// does not exist, as S3 does when it stores a policy: "Invalid principal
// in policy".
func (s *Service) checkPolicyPrincipals(ctx context.Context, b *bucketRecord, p *policy.Policy) error {
	pc, ok := s.ids.(principalChecker)
	if !ok {
		return nil
	}
	var arns []string
	for _, st := range p.Statements {
		for _, ps := range []*policy.Principals{st.Principal, st.NotPrincipal} {
			if ps != nil {
				arns = append(arns, ps.AWS...)
			}
		}
	}
	bad, err := pc.UnknownPrincipal(ctx, b.Account, arns)
	if err != nil {
		return err
	}
	if bad != "" {
		return errMalformedPolicy("Invalid principal in policy")
	}
	return nil
}

func errMalformedPolicy(msg string) error {
	return awsproto.New(http.StatusBadRequest, "MalformedPolicy", msg)
}

// PutBucketPolicy validates and sets a bucket policy.
func (s *Service) PutBucketPolicy(ctx context.Context, in *PutBucketPolicyInput) (*NoContentOutput, error) {
	doc := bytes.TrimSpace(in.Body)
	if len(doc) == 0 || doc[0] != '{' {
		return nil, errMalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
	}
	if len(doc) > 20*1024 {
		return nil, errMalformedPolicy("Policies must be less than 20 KB in size.")
	}
	p, err := policy.ParseAs(doc, policy.Resource)
	if err != nil {
		return nil, errMalformedPolicy(policyReason(err))
	}
	for _, st := range p.Statements {
		for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
			if r != "*" && r != "arn:aws:s3:::"+in.Bucket && !strings.HasPrefix(r, "arn:aws:s3:::"+in.Bucket+"/") {
				return nil, errMalformedPolicy("Policy has invalid resource")
			}
		}
		for _, a := range append(append([]string(nil), st.Action...), st.NotAction...) {
			if !validS3Action(a) {
				return nil, errMalformedPolicy("Policy has invalid action")
			}
		}
	}
	rc := request.From(ctx)
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := ownerAccountOnly(ctx, b, "PUT"); err != nil {
		return nil, err
	}
	if err := s.checkPolicyPrincipals(ctx, b, p); err != nil {
		return nil, err
	}
	if s.effectivePAB(ctx, b).BlockPublicPolicy && p.IsPublic() {
		return nil, errBlockedPublicPolicy(rc.Principal, in.Bucket)
	}
	err = s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Policy = string(doc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return noContent, nil
}

func policyReason(err error) string {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return "This policy contains invalid Json"
}

func errNoSuchBucketPolicy(bucket string) error {
	return awsproto.New(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist").With("BucketName", bucket)
}

type GetBucketPolicyOutput struct {
	ContentType string        `loc:"header,Content-Type"`
	Body        io.ReadCloser `loc:"body"`
}

// GetBucketPolicy returns the policy as it was written.
func (s *Service) GetBucketPolicy(ctx context.Context, in *BucketInput) (*GetBucketPolicyOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := ownerAccountOnly(ctx, b, "GET"); err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, errNoSuchBucketPolicy(b.Name)
	}
	return &GetBucketPolicyOutput{ContentType: "application/json", Body: io.NopCloser(strings.NewReader(b.Policy))}, nil
}

// ownerAccountOnly refuses a bucket-policy operation from outside the
// bucket owner's account even when a policy allows it: "If you have the
// correct permissions, but you're not using an identity that belongs to
// the bucket owner's account, Amazon S3 returns a 405 Method Not Allowed
// error" (Get/Put/DeleteBucketPolicy, S3 API Reference).
func ownerAccountOnly(ctx context.Context, b *bucketRecord, method string) error {
	if request.From(ctx).Principal.Account != b.Account {
		return errMethodNotAllowed(method, "BUCKET")
	}
	return nil
}

// DeleteBucketPolicy removes the policy (no error when there is none).
func (s *Service) DeleteBucketPolicy(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	if b, err := s.loadBucket(ctx, in.Bucket); err != nil {
		return nil, err
	} else if err := ownerAccountOnly(ctx, b, "DELETE"); err != nil {
		return nil, err
	}
	err := s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Policy = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return noContent, nil
}

type policyStatus struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	IsPublic bool     `xml:"IsPublic"`
}

type GetBucketPolicyStatusOutput struct {
	Body *policyStatus `loc:"body"`
}

// GetBucketPolicyStatus says whether the bucket policy is public, by S3's
// definition (policy.IsPublic).
func (s *Service) GetBucketPolicyStatus(ctx context.Context, in *BucketInput) (*GetBucketPolicyStatusOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, errNoSuchBucketPolicy(b.Name)
	}
	return &GetBucketPolicyStatusOutput{&policyStatus{IsPublic: b.policyPublic}}, nil
}

// Block Public Access on buckets.

type PutPublicAccessBlockInput struct {
	Bucket string             `loc:"uri,Bucket"`
	Config *publicAccessBlock `loc:"body"`
}

// PutPublicAccessBlock sets a bucket's Block Public Access settings.
func (s *Service) PutPublicAccessBlock(ctx context.Context, in *PutPublicAccessBlockInput) (*struct{}, error) {
	if in.Config == nil {
		return nil, errMalformedXML()
	}
	c := *in.Config
	c.XMLName = xml.Name{}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.PAB = &c
		return nil
	})
}

type GetPublicAccessBlockOutput struct {
	Body *publicAccessBlock `loc:"body"`
}

func errNoSuchPAB(bucket string) error {
	return awsproto.New(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found").With("BucketName", bucket)
}

// GetPublicAccessBlock returns a bucket's settings.
func (s *Service) GetPublicAccessBlock(ctx context.Context, in *BucketInput) (*GetPublicAccessBlockOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.PAB == nil {
		return nil, errNoSuchPAB(b.Name)
	}
	c := *b.PAB
	return &GetPublicAccessBlockOutput{&c}, nil
}

// DeletePublicAccessBlock removes a bucket's settings.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	err := s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.PAB = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return noContent, nil
}

// Object Ownership.

type ownershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

type PutBucketOwnershipControlsInput struct {
	Bucket string             `loc:"uri,Bucket"`
	Config *ownershipControls `loc:"body"`
}

func errInvalidBucketAclWithObjectOwnership() error {
	return awsproto.New(http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
}

// PutBucketOwnershipControls sets Object Ownership. Enforcing bucket
// ownership is refused while the bucket's ACL grants anyone but the owner.
func (s *Service) PutBucketOwnershipControls(ctx context.Context, in *PutBucketOwnershipControlsInput) (*struct{}, error) {
	if in.Config == nil || len(in.Config.Rules) != 1 {
		return nil, errMalformedXML()
	}
	o := in.Config.Rules[0].ObjectOwnership
	switch o {
	case "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter":
	default:
		return nil, errMalformedXML()
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		if o == "BucketOwnerEnforced" && b.ACL != nil && !ownerOnly(*b.ACL, b.owner()) {
			return errInvalidBucketAclWithObjectOwnership()
		}
		b.Ownership = o
		return nil
	})
}

// ownerOnly reports whether an ACL grants nothing to anyone but the
// owner (what BucketOwnerEnforced permits).
func ownerOnly(a acl.ACL, owner acl.Owner) bool {
	for _, g := range a.Grants {
		if g.Grantee.Type != acl.TypeCanonicalUser || g.Grantee.ID != owner.ID {
			return false
		}
	}
	return true
}

// ownerFullControl reports whether an ACL is "bucket owner full control":
// at least one grant, and every grant FULL_CONTROL to the owner.
func ownerFullControl(a acl.ACL, owner acl.Owner) bool {
	for _, g := range a.Grants {
		if g.Permission != acl.FullControl {
			return false
		}
	}
	return len(a.Grants) > 0 && ownerOnly(a, owner)
}

type GetBucketOwnershipControlsOutput struct {
	Body *ownershipControls `loc:"body"`
}

// GetBucketOwnershipControls returns Object Ownership.
func (s *Service) GetBucketOwnershipControls(ctx context.Context, in *BucketInput) (*GetBucketOwnershipControlsOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Ownership == "" {
		return nil, awsproto.New(http.StatusNotFound, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found").With("BucketName", b.Name)
	}
	out := &ownershipControls{}
	out.Rules = append(out.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{b.Ownership})
	return &GetBucketOwnershipControlsOutput{out}, nil
}

// DeleteBucketOwnershipControls removes Object Ownership (ACLs then apply
// as for ObjectWriter).
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	err := s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Ownership = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return noContent, nil
}

// ACLs.

// resolver knows the canonical ids of gureum's accounts.
func (s *Service) resolver() acl.Resolver {
	return acl.Resolver{ID: func(id string) (string, bool) {
		for _, a := range s.cfg.Accounts {
			if CanonicalID(a) == id {
				return "", true
			}
		}
		return "", false
	}}
}

// checkNewACL applies Object Ownership and Block Public Access to an ACL a
// request sets on a bucket or object: set is true for PutBucketAcl and
// PutObjectAcl, false for an ACL that comes with a new object.
//
// With BucketOwnerEnforced, S3 "only accepts PUT requests that don't
// specify an ACL or specify bucket owner full control ACLs (such as the
// predefined bucket-owner-full-control canned ACL or a custom ACL in XML
// format that grants the same permissions)" (OwnershipControlsRule, S3 API
// Reference). What counts as the same, from what AWS answers:
//   - a new object's canned `private` is accepted from the bucket owner's
//     account, for whom it is the same ACL, and refused from any other
//     account (rclone/rclone#6413: rclone's `private` failed only across
//     accounts);
//   - PutBucketAcl and PutObjectAcl refuse canned `private` even from the
//     owner (hashicorp/terraform-provider-aws#34079), and canned
//     `bucket-owner-full-control` too: "requests to set ACLs or update
//     ACLs fail" (Object Ownership troubleshooting); only a write of an
//     object may carry that canned ACL;
//   - grants, in headers or XML, must be FULL_CONTROL to the bucket
//     owner and nothing else.
func (s *Service) checkNewACL(ctx context.Context, b *bucketRecord, a acl.ACL, h http.Header, set bool) error {
	if b.Ownership == "BucketOwnerEnforced" {
		switch canned := h.Get(acl.CannedHeader); {
		case canned == "bucket-owner-full-control" && !set:
		case canned == "private" && !set && request.From(ctx).Account() == b.Account:
		case canned != "":
			return acl.ErrACLNotSupported()
		case !ownerFullControl(a, b.owner()):
			return acl.ErrACLNotSupported()
		}
	}
	if a.IsPublic() && s.effectivePAB(ctx, b).BlockPublicAcls {
		return errAccessDenied()
	}
	return nil
}

// objectACL reads the ACL a write request sets on a new object, or nil
// for the default. Ownership decides the object's owner.
func (s *Service) objectACL(ctx context.Context, b *bucketRecord, h http.Header) (*acl.ACL, string, error) {
	writer := request.From(ctx).Account()
	owner := writer
	switch b.Ownership {
	case "BucketOwnerEnforced":
		owner = b.Account
	case "BucketOwnerPreferred":
		if h.Get(acl.CannedHeader) == "bucket-owner-full-control" {
			owner = b.Account
		}
	}
	if owner == "" {
		owner = b.Account // anonymous writers: the bucket owner owns it
	}
	if !acl.HasCanned(h) && !acl.HasGrants(h) {
		return nil, owner, nil
	}
	a, err := acl.ForCreate(h, acl.Owner{ID: CanonicalID(owner)}, b.owner(), s.resolver())
	if err != nil {
		return nil, "", err
	}
	if err := s.checkNewACL(ctx, b, a, h, false); err != nil {
		return nil, "", err
	}
	if b.Ownership == "BucketOwnerEnforced" {
		return nil, owner, nil
	}
	return &a, owner, nil
}

type GetACLOutput struct {
	Body io.ReadCloser `loc:"body"`
	Type string        `loc:"header,Content-Type"`
}

// GetBucketAcl returns the bucket's ACL.
func (s *Service) GetBucketAcl(ctx context.Context, in *BucketInput) (*GetACLOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return &GetACLOutput{Body: io.NopCloser(bytes.NewReader(b.acl().XML())), Type: "application/xml"}, nil
}

type PutACLInput struct {
	Bucket    string      `loc:"uri,Bucket"`
	Key       string      `loc:"uri,Key"`
	VersionID string      `loc:"query,versionId"`
	Header    http.Header `loc:"allheaders"`
	Body      []byte      `loc:"body"`
}

// PutBucketAcl sets the bucket's ACL.
func (s *Service) PutBucketAcl(ctx context.Context, in *PutACLInput) (*struct{}, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	a, err := acl.ForRequest(in.Header, in.Body, b.owner(), b.owner(), s.resolver())
	if err != nil {
		return nil, err
	}
	if err := s.checkNewACL(ctx, b, a, in.Header, true); err != nil {
		return nil, err
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.ACL = &a
		return nil
	})
}

// GetObjectAcl returns an object version's ACL.
func (s *Service) GetObjectAcl(ctx context.Context, in *PutACLInput) (*GetACLOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	var v *versionRecord
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = lookupObject(tx, b.Name, in.Key, in.VersionID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &GetACLOutput{Body: io.NopCloser(bytes.NewReader(v.acl(b).XML())), Type: "application/xml"}
	return out, nil
}

// PutObjectAcl sets an object version's ACL.
func (s *Service) PutObjectAcl(ctx context.Context, in *PutACLInput) (*struct{}, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return &struct{}{}, s.store.Update(ctx, func(tx store.Tx) error {
		v, err := lookupObject(tx, b.Name, in.Key, in.VersionID)
		if err != nil {
			return err
		}
		cur := v.acl(b)
		a, err := acl.ForRequest(in.Header, in.Body, cur.Owner, b.owner(), s.resolver())
		if err != nil {
			return err
		}
		if err := s.checkNewACL(ctx, b, a, in.Header, true); err != nil {
			return err
		}
		if b.Ownership == "BucketOwnerEnforced" {
			return nil // accepted, and meaningless: ACLs are disabled
		}
		v.ACL = &a
		return tx.Put(tVersions, versionKey(b.Name, v.Key, v.Seq), marshal(v))
	})
}
