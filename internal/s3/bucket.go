package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"github.com/gureum/gureum/internal/s3/acl"
	"net/http"
	"sort"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func ownerOf(account string) *owner { return &owner{ID: CanonicalID(account)} }

type ListBucketsInput struct {
	Prefix            string `loc:"query,prefix"`
	MaxBuckets        *int   `loc:"query,max-buckets"`
	ContinuationToken string `loc:"query,continuation-token"`
	BucketRegion      string `loc:"query,bucket-region"`
}

type listedBucket struct {
	Name         string            `xml:"Name"`
	CreationDate restxml.Timestamp `xml:"CreationDate"`
	BucketRegion string            `xml:"BucketRegion"`
	BucketArn    string            `xml:"BucketArn"`
}

type listBucketsResult struct {
	XMLName           xml.Name       `xml:"ListAllMyBucketsResult"`
	Buckets           []listedBucket `xml:"Buckets>Bucket"`
	Owner             *owner         `xml:"Owner"`
	ContinuationToken string         `xml:"ContinuationToken,omitempty"`
	Prefix            string         `xml:"Prefix,omitempty"`
}

type ListBucketsOutput struct {
	Body *listBucketsResult `loc:"body"`
}

// ListBuckets lists the caller's buckets, by name.
func (s *Service) ListBuckets(ctx context.Context, in *ListBucketsInput) (*ListBucketsOutput, error) {
	account := request.From(ctx).Account()
	max := 10000
	if in.MaxBuckets != nil {
		if *in.MaxBuckets < 1 || *in.MaxBuckets > 10000 {
			return nil, invalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", "")
		}
		max = *in.MaxBuckets
	}
	start := []byte(in.Prefix)
	if in.ContinuationToken != "" {
		tok, err := base64.RawURLEncoding.DecodeString(in.ContinuationToken)
		if err != nil {
			return nil, invalidArgument("The continuation token provided is incorrect", "continuation-token", in.ContinuationToken)
		}
		start = append(tok, 0)
	}
	out := &ListBucketsOutput{}
	out.Body = &listBucketsResult{Owner: ownerOf(account), Prefix: in.Prefix}
	err := s.store.View(ctx, func(tx store.Tx) error {
		return tx.Scan(tBuckets, []byte(in.Prefix), start, func(k, v []byte) (bool, error) {
			var b bucketRecord
			if err := json.Unmarshal(v, &b); err != nil {
				return false, err
			}
			if b.Account != account || (in.BucketRegion != "" && b.Region != in.BucketRegion) {
				return true, nil
			}
			if len(out.Body.Buckets) == max {
				last := out.Body.Buckets[len(out.Body.Buckets)-1].Name
				out.Body.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
				return false, nil
			}
			out.Body.Buckets = append(out.Body.Buckets, listedBucket{
				Name: b.Name, CreationDate: restxml.Timestamp(b.Created), BucketRegion: b.Region,
				BucketArn: "arn:aws:s3:::" + b.Name,
			})
			return true, nil
		})
	})
	return out, err
}

type CreateBucketInput struct {
	Bucket          string      `loc:"uri,Bucket"`
	ACL             string      `loc:"header,x-amz-acl"`
	ObjectOwnership string      `loc:"header,x-amz-object-ownership"`
	ObjectLock      *bool       `loc:"header,x-amz-bucket-object-lock-enabled"`
	Header          http.Header `loc:"allheaders"`
	Config          *struct {
		LocationConstraint string `xml:"LocationConstraint"`
	} `loc:"body"`
}

type CreateBucketOutput struct {
	Location  string `loc:"header,Location"`
	BucketArn string `loc:"header,x-amz-bucket-arn"`
}

// CreateBucket creates a bucket in the request's region. Bucket names are
// one namespace across every account and region.
func (s *Service) CreateBucket(ctx context.Context, in *CreateBucketInput) (*CreateBucketOutput, error) {
	rc := request.From(ctx)
	if !validBucketName(in.Bucket) {
		return nil, errInvalidBucketName(in.Bucket)
	}
	region := rc.Region
	if region == "" {
		region = s.cfg.Region
	}
	constraint := ""
	if in.Config != nil {
		constraint = in.Config.LocationConstraint
	}
	switch {
	case constraint == "" && region != "us-east-1":
		return nil, awsproto.New(http.StatusBadRequest, "IllegalLocationConstraintException",
			"The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case constraint == "us-east-1" || (constraint != "" && !regions[constraint] && constraint != region):
		return nil, awsproto.New(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid").
			With("LocationConstraint", constraint)
	case constraint != "" && constraint != region && !(constraint == "EU" && region == "eu-west-1"):
		return nil, awsproto.New(http.StatusBadRequest, "IllegalLocationConstraintException",
			"The "+constraint+" location constraint is incompatible for the region specific endpoint this request was sent to.")
	}
	switch in.ObjectOwnership {
	case "", "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter":
	default:
		return nil, invalidArgument("Invalid x-amz-object-ownership header: "+in.ObjectOwnership, "x-amz-object-ownership", in.ObjectOwnership)
	}
	// New buckets since April 2023: ACLs disabled (BucketOwnerEnforced)
	// and all four Block Public Access settings on
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-faq.html).
	ownership := in.ObjectOwnership
	var pab *publicAccessBlock
	if !s.cfg.LegacyBucketDefaults {
		if ownership == "" {
			ownership = "BucketOwnerEnforced"
		}
		p := allBlocked
		pab = &p
	}
	rec := bucketRecord{Name: in.Bucket, Account: rc.Account(), Region: region, Created: s.now().UTC(), Ownership: ownership, PAB: pab}
	if in.ObjectLock != nil && *in.ObjectLock {
		// Object Lock turns versioning on, for good.
		rec.Versioning, rec.ObjectLock = "Enabled", &objectLockConfig{}
	}
	if acl.HasCanned(in.Header) || acl.HasGrants(in.Header) {
		a, err := acl.ForCreate(in.Header, rec.owner(), rec.owner(), s.resolver())
		if err != nil {
			return nil, err
		}
		if ownership == "BucketOwnerEnforced" && !ownerOnly(a, rec.owner()) {
			return nil, errInvalidBucketAclWithObjectOwnership()
		}
		if a.IsPublic() && pab != nil && pab.BlockPublicAcls {
			return nil, awsproto.New(http.StatusBadRequest, "InvalidBucketAclWithBlockPublicAccessError", "Bucket cannot have public ACLs set with BlockPublicAccess enabled")
		}
		if !ownerOnly(a, rec.owner()) {
			rec.ACL = &a
		}
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		old, err := getBucket(tx, in.Bucket)
		if err == nil {
			if old.Account != rec.Account {
				return errBucketAlreadyExists(in.Bucket)
			}
			if old.Region == "us-east-1" && region == "us-east-1" {
				// S3's legacy answer in us-east-1: 200 OK, and the
				// bucket's ACL is reset (to what this request sets)
				// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html).
				old.ACL = rec.ACL
				return tx.Put(tBuckets, []byte(in.Bucket), marshal(old))
			}
			return errBucketAlreadyOwnedByYou(in.Bucket)
		}
		if _, ok := err.(*awsproto.Error); !ok {
			return err
		}
		return tx.Put(tBuckets, []byte(in.Bucket), marshal(rec))
	})
	s.forgetBucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	return &CreateBucketOutput{Location: "/" + in.Bucket, BucketArn: "arn:aws:s3:::" + in.Bucket}, nil
}

type BucketInput struct {
	Bucket string `loc:"uri,Bucket"`
}

type HeadBucketOutput struct {
	Region    string `loc:"header,x-amz-bucket-region"`
	Alias     string `loc:"header,x-amz-access-point-alias"`
	BucketArn string `loc:"header,x-amz-bucket-arn"`
}

// HeadBucket tells whether the bucket exists and the caller may use it.
func (s *Service) HeadBucket(ctx context.Context, in *BucketInput) (*HeadBucketOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return &HeadBucketOutput{Region: b.Region, Alias: "false", BucketArn: "arn:aws:s3:::" + b.Name}, nil
}

type NoContentOutput struct {
	Status int `loc:"status"`
}

var noContent = &NoContentOutput{Status: http.StatusNoContent}

// DeleteBucket deletes an empty bucket. Versions and delete markers count
// as content; unfinished multipart uploads are aborted with it.
func (s *Service) DeleteBucket(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	var blobs []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		blobs = blobs[:0]
		b, err := getBucket(tx, in.Bucket)
		if err != nil {
			return err
		}
		empty := true
		if err := tx.Scan(tVersions, bucketPrefix(in.Bucket), nil, func(k, v []byte) (bool, error) {
			empty = false
			return false, nil
		}); err != nil {
			return err
		}
		if !empty {
			return errBucketNotEmpty(in.Bucket, b.Versioning != "")
		}
		var uploads [][]byte
		if err := tx.Scan(tUploads, bucketPrefix(in.Bucket), nil, func(k, v []byte) (bool, error) {
			uploads = append(uploads, bytes.Clone(k))
			var u uploadRecord
			if err := json.Unmarshal(v, &u); err == nil {
				parts, err := deleteParts(tx, u.UploadID)
				if err != nil {
					return false, err
				}
				blobs = append(blobs, parts...)
			}
			return true, nil
		}); err != nil {
			return err
		}
		for _, k := range uploads {
			if err := tx.Delete(tUploads, k); err != nil {
				return err
			}
		}
		return tx.Delete(tBuckets, []byte(in.Bucket))
	})
	s.forgetBucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	s.removeBlobs(blobs)
	return noContent, nil
}

type GetBucketLocationOutput struct {
	Body *struct {
		XMLName  xml.Name `xml:"LocationConstraint"`
		Location string   `xml:",chardata"`
	} `loc:"body"`
}

// GetBucketLocation returns the bucket's region; us-east-1 is empty, as S3
// answers for legacy reasons.
func (s *Service) GetBucketLocation(ctx context.Context, in *BucketInput) (*GetBucketLocationOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	out := &GetBucketLocationOutput{}
	out.Body = &struct {
		XMLName  xml.Name `xml:"LocationConstraint"`
		Location string   `xml:",chardata"`
	}{}
	if b.Region != "us-east-1" {
		out.Body.Location = b.Region
	}
	return out, nil
}

// tagging is S3's tag document, for buckets and objects.
type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  []tag    `xml:"TagSet>Tag"`
}

type PutBucketTaggingInput struct {
	Bucket  string   `loc:"uri,Bucket"`
	Tagging *tagging `loc:"body"`
}

// validateTags applies S3's tag rules; max is 50 for buckets, 10 for objects.
func validateTags(tags []tag, max int) error {
	if len(tags) > max {
		if max == 10 {
			return errInvalidTag("Object tags cannot be greater than 10")
		}
		return errInvalidTag("Bucket tag count cannot be greater than 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t.Key] {
			return errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
		if len([]rune(t.Key)) == 0 || len([]rune(t.Key)) > 128 {
			return errInvalidTag("The TagKey you have provided is invalid")
		}
		if len([]rune(t.Value)) > 256 {
			return errInvalidTag("The TagValue you have provided is invalid")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errInvalidTag("System tags cannot be added/updated by requester")
		}
	}
	return nil
}

// PutBucketTagging replaces the bucket's tags.
func (s *Service) PutBucketTagging(ctx context.Context, in *PutBucketTaggingInput) (*NoContentOutput, error) {
	if in.Tagging == nil {
		return nil, errMalformedXML()
	}
	if err := validateTags(in.Tagging.TagSet, 50); err != nil {
		return nil, err
	}
	return noContent, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Tags = in.Tagging.TagSet
		return nil
	})
}

type GetTaggingOutput struct {
	VersionID string   `loc:"header,x-amz-version-id"`
	Body      *tagging `loc:"body"`
}

// GetBucketTagging returns the bucket's tags, or NoSuchTagSet.
func (s *Service) GetBucketTagging(ctx context.Context, in *BucketInput) (*GetTaggingOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, awsproto.New(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist").With("BucketName", in.Bucket)
	}
	return &GetTaggingOutput{Body: &tagging{TagSet: b.Tags}}, nil
}

// DeleteBucketTagging removes the bucket's tags.
func (s *Service) DeleteBucketTagging(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	return noContent, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.Tags = nil
		return nil
	})
}

type versioningConfiguration struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Status    string   `xml:"Status,omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

type PutBucketVersioningInput struct {
	Bucket string                   `loc:"uri,Bucket"`
	Config *versioningConfiguration `loc:"body"`
}

// PutBucketVersioning enables or suspends versioning. A bucket that has
// had versioning enabled can never return to unversioned.
func (s *Service) PutBucketVersioning(ctx context.Context, in *PutBucketVersioningInput) (*struct{}, error) {
	if in.Config == nil {
		return nil, errMalformedXML()
	}
	if in.Config.Status != "Enabled" && in.Config.Status != "Suspended" {
		return nil, errMalformedXML()
	}
	if in.Config.MfaDelete == "Enabled" {
		return nil, errInvalidRequest("DevPay and Mfa are mutually exclusive authorization methods.")
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		if b.ObjectLock != nil && in.Config.Status != "Enabled" {
			return awsproto.New(http.StatusConflict, "InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		b.Versioning = in.Config.Status
		return nil
	})
}

type GetBucketVersioningOutput struct {
	Body *versioningConfiguration `loc:"body"`
}

// GetBucketVersioning returns the versioning state; empty when never set.
func (s *Service) GetBucketVersioning(ctx context.Context, in *BucketInput) (*GetBucketVersioningOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	return &GetBucketVersioningOutput{Body: &versioningConfiguration{Status: b.Versioning}}, nil
}

func (s *Service) updateBucket(ctx context.Context, name string, fn func(*bucketRecord) error) error {
	defer s.forgetBucket(name)
	return s.store.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, name)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		return tx.Put(tBuckets, []byte(name), marshal(b))
	})
}

// removeBlobs deletes blob files that a committed transaction stopped
// referencing. A failure leaves an orphan, which the start-up sweep removes.
func (s *Service) removeBlobs(ids []string) {
	for _, id := range ids {
		if err := s.blobs.Remove(id); err != nil {
			s.log.Warn("removing blob", "blob", id, "err", err)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// anyElement is an element a document should not have.
type anyElement struct{ XMLName xml.Name }

// UnmarshalXML reads a Tagging document strictly: an element S3 does not
// know there is MalformedXML, as S3 answers it, not an empty tag set.
func (t *tagging) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var raw struct {
		TagSet []struct {
			Tags []struct {
				Key   *string      `xml:"Key"`
				Value *string      `xml:"Value"`
				Other []anyElement `xml:",any"`
			} `xml:"Tag"`
			Other []anyElement `xml:",any"`
		} `xml:"TagSet"`
		Other []anyElement `xml:",any"`
	}
	if start.Name.Local != "Tagging" {
		return errors.New("s3: not a Tagging document")
	}
	if err := d.DecodeElement(&raw, &start); err != nil {
		return err
	}
	if len(raw.Other) > 0 || len(raw.TagSet) != 1 || len(raw.TagSet[0].Other) > 0 {
		return errors.New("s3: unexpected elements in Tagging")
	}
	t.XMLName, t.TagSet = start.Name, []tag{}
	for _, rt := range raw.TagSet[0].Tags {
		if len(rt.Other) > 0 || rt.Key == nil || rt.Value == nil {
			return errors.New("s3: malformed Tag")
		}
		t.TagSet = append(t.TagSet, tag{Key: *rt.Key, Value: *rt.Value})
	}
	return nil
}
