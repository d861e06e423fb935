package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// Lifecycle configuration
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html):
// rules that expire current versions, remove noncurrent versions and
// expired object delete markers, and abort incomplete multipart uploads,
// each after a number of days. lifecycle_worker.go carries them out.
//
// Transitions are validated, stored and returned, but gureum simulates no
// storage classes: an object never changes class because of a rule.
//
// Days are Config.LifecycleDay long (24 h unless a test scales them down),
// and, as S3 does, an action is due at the first day boundary (midnight
// UTC for real days) after creation + N days.

// lifecycleConfiguration is a LifecycleConfiguration document, as both
// PutBucketLifecycleConfiguration and the deprecated PutBucketLifecycle
// send it (the older form puts Prefix on the rule and has one Transition;
// both are the same XML). The bucket record keeps it as JSON.
type lifecycleConfiguration struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration" json:"-"`
	Rules   []lifecycleRule `xml:"Rule" json:"rules"`
}

type lifecycleRule struct {
	Expiration                     *lifecycleExpiration    `xml:"Expiration,omitempty" json:"exp,omitempty"`
	ID                             string                  `xml:"ID" json:"id"`
	Prefix                         *string                 `xml:"Prefix" json:"prefix,omitempty"` // the deprecated rule-level prefix
	Filter                         *lifecycleFilter        `xml:"Filter" json:"filter,omitempty"`
	Status                         string                  `xml:"Status" json:"status"`
	Transitions                    []lifecycleTransition   `xml:"Transition" json:"tr,omitempty"`
	NoncurrentVersionTransitions   []noncurrentTransition  `xml:"NoncurrentVersionTransition" json:"nctr,omitempty"`
	NoncurrentVersionExpiration    *noncurrentExpiration   `xml:"NoncurrentVersionExpiration" json:"ncexp,omitempty"`
	AbortIncompleteMultipartUpload *abortIncompleteUploads `xml:"AbortIncompleteMultipartUpload" json:"abort,omitempty"`
}

type lifecycleFilter struct {
	Prefix *string       `xml:"Prefix" json:"prefix,omitempty"`
	Tag    *tag          `xml:"Tag" json:"tag,omitempty"`
	SizeGT *int64        `xml:"ObjectSizeGreaterThan" json:"gt,omitempty"`
	SizeLT *int64        `xml:"ObjectSizeLessThan" json:"lt,omitempty"`
	And    *lifecycleAnd `xml:"And" json:"and,omitempty"`
}

type lifecycleAnd struct {
	Prefix *string `xml:"Prefix" json:"prefix,omitempty"`
	Tags   []tag   `xml:"Tag" json:"tags,omitempty"`
	SizeGT *int64  `xml:"ObjectSizeGreaterThan" json:"gt,omitempty"`
	SizeLT *int64  `xml:"ObjectSizeLessThan" json:"lt,omitempty"`
}

type lifecycleExpiration struct {
	Date                      *string `xml:"Date" json:"date,omitempty"`
	Days                      *int    `xml:"Days" json:"days,omitempty"`
	ExpiredObjectDeleteMarker *bool   `xml:"ExpiredObjectDeleteMarker" json:"eodm,omitempty"`
}

type lifecycleTransition struct {
	Date         *string `xml:"Date" json:"date,omitempty"`
	Days         *int    `xml:"Days" json:"days,omitempty"`
	StorageClass string  `xml:"StorageClass" json:"sc"`
}

type noncurrentTransition struct {
	NoncurrentDays          *int   `xml:"NoncurrentDays" json:"days,omitempty"`
	StorageClass            string `xml:"StorageClass" json:"sc"`
	NewerNoncurrentVersions *int   `xml:"NewerNoncurrentVersions" json:"newer,omitempty"`
}

type noncurrentExpiration struct {
	NoncurrentDays          *int `xml:"NoncurrentDays" json:"days,omitempty"`
	NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions" json:"newer,omitempty"`
}

type abortIncompleteUploads struct {
	DaysAfterInitiation *int `xml:"DaysAfterInitiation" json:"days,omitempty"`
}

// lifecycleKind is the reconcile kind that executes a bucket's rules; the
// item's id is the bucket name.
const lifecycleKind = "s3.lifecycle"

// transitionClasses are the storage classes a transition may name.
var transitionClasses = map[string]bool{
	"GLACIER": true, "STANDARD_IA": true, "ONEZONE_IA": true, "INTELLIGENT_TIERING": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
}

// lifecycleDateLayout is how S3 writes a rule's Date.
const lifecycleDateLayout = "2006-01-02T15:04:05.000Z"

// prefix is the key prefix the rule selects ("" for every key).
func (r *lifecycleRule) prefix() string {
	switch {
	case r.Prefix != nil:
		return *r.Prefix
	case r.Filter == nil:
		return ""
	case r.Filter.Prefix != nil:
		return *r.Filter.Prefix
	case r.Filter.And != nil && r.Filter.And.Prefix != nil:
		return *r.Filter.And.Prefix
	}
	return ""
}

// tags are the tags an object must all carry to be selected.
func (r *lifecycleRule) tags() []tag {
	switch {
	case r.Filter == nil:
		return nil
	case r.Filter.Tag != nil:
		return []tag{*r.Filter.Tag}
	case r.Filter.And != nil:
		return r.Filter.And.Tags
	}
	return nil
}

// sizes are the rule's ObjectSizeGreaterThan and ObjectSizeLessThan (nil:
// none).
func (r *lifecycleRule) sizes() (gt, lt *int64) {
	if f := r.Filter; f != nil {
		if f.And != nil {
			return f.And.SizeGT, f.And.SizeLT
		}
		return f.SizeGT, f.SizeLT
	}
	return nil, nil
}

// matches reports whether the rule's filter selects an object (or a
// version, or a delete marker: no tags, size 0) with this key, tags and
// size.
func (r *lifecycleRule) matches(key string, tags []tag, size int64) bool {
	if !strings.HasPrefix(key, r.prefix()) {
		return false
	}
	for _, want := range r.tags() {
		found := false
		for _, t := range tags {
			if t.Key == want.Key && t.Value == want.Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	gt, lt := r.sizes()
	if gt != nil && size <= *gt {
		return false
	}
	if lt != nil && size >= *lt {
		return false
	}
	return true
}

// expirationDue returns when the rule expires a current version made at
// created, if it has a Days or Date expiration.
func (r *lifecycleRule) expirationDue(created time.Time, day time.Duration) (time.Time, bool) {
	e := r.Expiration
	if e == nil {
		return time.Time{}, false
	}
	if e.Days != nil {
		return dueAfter(created, *e.Days, day), true
	}
	if e.Date != nil {
		if t, err := parseLifecycleDate(*e.Date); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dueAfter is when an action N days after t is due: S3 adds the days and
// rounds up to the next midnight UTC. With a scaled day the boundaries
// are multiples of day since the zero time (which, for 24 h, are UTC
// midnights); a time exactly on a boundary goes to the next one.
func dueAfter(t time.Time, days int, day time.Duration) time.Time {
	return t.Add(time.Duration(days) * day).Truncate(day).Add(day).UTC()
}

// nextBoundary is the first day boundary after t.
func nextBoundary(t time.Time, day time.Duration) time.Time {
	return t.Truncate(day).Add(day).UTC()
}

func parseLifecycleDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	return t.UTC(), err
}

func errNoSuchLifecycleConfiguration(bucket string) error {
	return awsproto.New(http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist").With("BucketName", bucket)
}

// minimumObjectSizes are the values of x-amz-transition-default-minimum-object-size.
var minimumObjectSizes = map[string]bool{"all_storage_classes_128K": true, "varies_by_storage_class": true}

const defaultMinimumObjectSize = "all_storage_classes_128K"

type PutBucketLifecycleInput struct {
	Bucket         string `loc:"uri,Bucket"`
	MinimumObjSize string `loc:"header,x-amz-transition-default-minimum-object-size"`
	Body           []byte `loc:"body"`
}

type PutBucketLifecycleOutput struct {
	MinimumObjSize string `loc:"header,x-amz-transition-default-minimum-object-size"`
}

type GetBucketLifecycleOutput struct {
	MinimumObjSize string                  `loc:"header,x-amz-transition-default-minimum-object-size"`
	Body           *lifecycleConfiguration `loc:"body"`
}

// PutBucketLifecycleConfiguration replaces the bucket's lifecycle rules
// (it also serves the deprecated PutBucketLifecycle, whose document is
// the same XML with the prefix on the rule) and schedules their first
// run.
func (s *Service) PutBucketLifecycleConfiguration(ctx context.Context, in *PutBucketLifecycleInput) (*PutBucketLifecycleOutput, error) {
	var doc lifecycleConfiguration
	if err := xml.Unmarshal(in.Body, &doc); err != nil {
		return nil, errMalformedXML()
	}
	minSize := in.MinimumObjSize
	if minSize == "" {
		minSize = defaultMinimumObjectSize
	}
	if !minimumObjectSizes[minSize] {
		return nil, invalidArgument("Invalid value for x-amz-transition-default-minimum-object-size", "x-amz-transition-default-minimum-object-size", minSize)
	}
	if err := validateLifecycle(&doc); err != nil {
		return nil, err
	}
	doc.XMLName = xml.Name{}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, in.Bucket)
		if err != nil {
			return err
		}
		b.Lifecycle, b.LifecycleMinSize = &doc, minSize
		if err := tx.Put(tBuckets, []byte(b.Name), marshal(b)); err != nil {
			return err
		}
		if s.cfg.Reconciler == nil {
			return nil
		}
		return reconcile.Add(tx, lifecycleKind, b.Name, s.now())
	})
	s.forgetBucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	if s.cfg.Reconciler != nil {
		s.cfg.Reconciler.Kick()
	}
	return &PutBucketLifecycleOutput{MinimumObjSize: minSize}, nil
}

// GetBucketLifecycleConfiguration returns the rules as stored (generated
// IDs filled in, dates in S3's form), or NoSuchLifecycleConfiguration. It
// also serves the deprecated GetBucketLifecycle.
func (s *Service) GetBucketLifecycleConfiguration(ctx context.Context, in *BucketInput) (*GetBucketLifecycleOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.Lifecycle == nil {
		return nil, errNoSuchLifecycleConfiguration(b.Name)
	}
	c := *b.Lifecycle
	return &GetBucketLifecycleOutput{MinimumObjSize: cmpOr(b.LifecycleMinSize, defaultMinimumObjectSize), Body: &c}, nil
}

// DeleteBucketLifecycle removes the rules (no error when there are none);
// the bucket's pending run is unscheduled.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, in.Bucket)
		if err != nil {
			return err
		}
		b.Lifecycle, b.LifecycleMinSize = nil, ""
		if err := tx.Put(tBuckets, []byte(b.Name), marshal(b)); err != nil {
			return err
		}
		return reconcile.Remove(tx, lifecycleKind, b.Name)
	})
	s.forgetBucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	return noContent, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// newRuleID makes the ID S3 gives a rule that has none: base64 of a
// random UUID's text, 48 characters.
func newRuleID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	uuid := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	return base64.StdEncoding.EncodeToString([]byte(uuid))
}

// validateLifecycle checks a configuration as S3 does, in its order,
// fills in missing rule IDs and normalizes dates.
func validateLifecycle(doc *lifecycleConfiguration) error {
	if len(doc.Rules) == 0 || len(doc.Rules) > 1000 {
		return errMalformedXML()
	}
	ids := map[string]bool{}
	for i := range doc.Rules {
		r := &doc.Rules[i]
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return errMalformedXML()
		}
		if len(r.ID) > 255 {
			return invalidArgument("ID length should not exceed allowed limit of 255", "ID", r.ID)
		}
		if r.ID == "" {
			r.ID = newRuleID()
		}
		if ids[r.ID] {
			return invalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", r.ID)
		}
		ids[r.ID] = true
		if err := validateFilter(r); err != nil {
			return err
		}
		if err := validateActions(r); err != nil {
			return err
		}
	}
	return nil
}

// validateFilter: exactly one of the rule-level Prefix and Filter; a
// Filter holds at most one of Prefix, Tag, the two sizes and And.
func validateFilter(r *lifecycleRule) error {
	if (r.Prefix == nil) == (r.Filter == nil) {
		return errMalformedXML()
	}
	var prefix *string
	var tags []tag
	var gt, lt *int64
	if f := r.Filter; f != nil {
		n := 0
		for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.SizeGT != nil, f.SizeLT != nil, f.And != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return errMalformedXML()
		}
		prefix, gt, lt = f.Prefix, f.SizeGT, f.SizeLT
		if f.Tag != nil {
			tags = []tag{*f.Tag}
		}
		if a := f.And; a != nil {
			if a.Prefix == nil && len(a.Tags) == 0 && a.SizeGT == nil && a.SizeLT == nil {
				return errMalformedXML()
			}
			prefix, tags, gt, lt = a.Prefix, a.Tags, a.SizeGT, a.SizeLT
			seen := map[string]bool{}
			for _, t := range a.Tags {
				if seen[t.Key] {
					return errInvalidRequest("Duplicate Tag Keys are not allowed.")
				}
				seen[t.Key] = true
			}
		}
	} else {
		prefix = r.Prefix
	}
	if prefix != nil && len(*prefix) > MaxKeyLength {
		return errInvalidRequest("The maximum size of a prefix is 1024.")
	}
	for _, t := range tags {
		if t.Key == "" || len([]rune(t.Key)) > 128 || len([]rune(t.Value)) > 256 {
			return errInvalidTag("The TagKey you have provided is invalid")
		}
	}
	if (gt != nil && *gt < 0) || (lt != nil && *lt <= 0) {
		return errMalformedXML()
	}
	if gt != nil && lt != nil && *gt >= *lt {
		return invalidArgument("ObjectSizeGreaterThan must be less than ObjectSizeLessThan", "ObjectSizeGreaterThan", strconv.FormatInt(*gt, 10))
	}
	return nil
}

func validateActions(r *lifecycleRule) error {
	if r.Expiration == nil && len(r.Transitions) == 0 && len(r.NoncurrentVersionTransitions) == 0 &&
		r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil {
		return errInvalidRequest("At least one action needs to be specified in a rule")
	}
	hasTags := len(r.tags()) > 0
	gt, lt := r.sizes()
	hasSize := gt != nil || lt != nil
	if e := r.Expiration; e != nil {
		n := 0
		for _, set := range []bool{e.Date != nil, e.Days != nil, e.ExpiredObjectDeleteMarker != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			// ExpiredObjectDeleteMarker cannot be specified with Days
			// or Date; Days and Date exclude each other.
			return errMalformedXML()
		}
		if e.Days != nil && *e.Days <= 0 {
			return invalidArgument("'Days' for Expiration action must be a positive integer", "Days", strconv.Itoa(*e.Days))
		}
		if e.Date != nil {
			d, err := checkMidnight(*e.Date)
			if err != nil {
				return err
			}
			e.Date = &d
		}
		if e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker {
			if hasTags {
				return errInvalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.")
			}
			if hasSize {
				return errMalformedXML()
			}
		}
	}
	if ne := r.NoncurrentVersionExpiration; ne != nil {
		if ne.NoncurrentDays == nil {
			return errMalformedXML()
		}
		if *ne.NoncurrentDays <= 0 {
			return invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer", "NoncurrentDays", strconv.Itoa(*ne.NoncurrentDays))
		}
		if n := ne.NewerNoncurrentVersions; n != nil && (*n < 1 || *n > 100) {
			return invalidArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100", "NewerNoncurrentVersions", strconv.Itoa(*n))
		}
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		if a.DaysAfterInitiation == nil {
			return errMalformedXML()
		}
		if *a.DaysAfterInitiation <= 0 {
			return invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer", "DaysAfterInitiation", strconv.Itoa(*a.DaysAfterInitiation))
		}
		if hasTags {
			return errInvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
		}
		if hasSize {
			return errInvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Object Size.")
		}
	}
	for i := range r.Transitions {
		t := &r.Transitions[i]
		if !transitionClasses[t.StorageClass] || (t.Days == nil) == (t.Date == nil) {
			return errMalformedXML()
		}
		if t.Days != nil {
			if *t.Days < 0 {
				return invalidArgument("'Days' in Transition action must be nonnegative", "Days", strconv.Itoa(*t.Days))
			}
			if (t.StorageClass == "STANDARD_IA" || t.StorageClass == "ONEZONE_IA") && *t.Days < 30 {
				return invalidArgument("'Days' in Transition action must be greater than or equal to 30 for storageClass '"+t.StorageClass+"'", "Days", strconv.Itoa(*t.Days))
			}
		}
		if t.Date != nil {
			d, err := checkMidnight(*t.Date)
			if err != nil {
				return err
			}
			t.Date = &d
		}
	}
	for _, t := range r.NoncurrentVersionTransitions {
		if !transitionClasses[t.StorageClass] || t.NoncurrentDays == nil {
			return errMalformedXML()
		}
		if *t.NoncurrentDays < 0 {
			return invalidArgument("'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative", "NoncurrentDays", strconv.Itoa(*t.NoncurrentDays))
		}
		if (t.StorageClass == "STANDARD_IA" || t.StorageClass == "ONEZONE_IA") && *t.NoncurrentDays < 30 {
			return invalidArgument("'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass '"+t.StorageClass+"'", "NoncurrentDays", strconv.Itoa(*t.NoncurrentDays))
		}
	}
	return nil
}

// checkMidnight parses a rule's Date, which S3 wants at midnight GMT, and
// returns it in S3's form.
func checkMidnight(s string) (string, error) {
	t, err := parseLifecycleDate(s)
	if err != nil {
		return "", errMalformedXML()
	}
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		return "", invalidArgument("'Date' must be at midnight GMT", "Date", s)
	}
	return t.Format(lifecycleDateLayout), nil
}

// expirationHeader is the x-amz-expiration S3 sends with a current
// version that an enabled rule will expire: the earliest such rule's
// expiry-date and rule-id; "" when none.
func (s *Service) expirationHeader(b *bucketRecord, v *versionRecord) string {
	if b.Lifecycle == nil || v == nil || v.DeleteMarker {
		return ""
	}
	var best time.Time
	id := ""
	for i := range b.Lifecycle.Rules {
		r := &b.Lifecycle.Rules[i]
		if r.Status != "Enabled" || !r.matches(v.Key, v.Tags, v.Size) {
			continue
		}
		due, ok := r.expirationDue(v.Modified, s.cfg.LifecycleDay)
		if ok && (id == "" || due.Before(best)) {
			best, id = due, r.ID
		}
	}
	if id == "" {
		return ""
	}
	return `expiry-date="` + best.UTC().Format(http.TimeFormat) + `", rule-id="` + id + `"`
}
