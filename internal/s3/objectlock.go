package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/store"
)

// S3 Object Lock (WORM): a bucket created with it (versioning on, for
// good) may give new versions a default retention; a version's retention
// (GOVERNANCE or COMPLIANCE, until a date) and legal hold keep it from
// being deleted or overwritten in place by anyone — a GOVERNANCE retention
// gives way to a caller with s3:BypassGovernanceRetention who asks with
// x-amz-bypass-governance-retention, a COMPLIANCE one to nobody until it
// ends. Deleting a key without a version id still adds a delete marker, as
// on S3: the locked version stays.

// objectLockConfig is a bucket's Object Lock configuration.
type objectLockConfig struct {
	Mode  string `json:"mode,omitempty"` // the default retention's: GOVERNANCE or COMPLIANCE ("": none)
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// defaultUntil is when a new version's default retention ends.
func (c *objectLockConfig) defaultUntil(now time.Time) time.Time {
	if c.Days > 0 {
		return now.AddDate(0, 0, c.Days)
	}
	return now.AddDate(c.Years, 0, 0)
}

// objectLock is a version's (or an upload's) retention and legal hold.
type objectLock struct {
	Mode      string    `json:"lm,omitempty"`
	Until     time.Time `json:"lu,omitzero"`
	LegalHold string    `json:"lh,omitempty"` // ON, OFF ("": never set)
}

// retained reports whether the retention still protects the version.
func (l objectLock) retained(now time.Time) bool { return l.Mode != "" && l.Until.After(now) }

// headers adds the Object Lock headers GET and HEAD answer with.
func (l objectLock) headers(h map[string]string) {
	if l.Mode != "" {
		h["x-amz-object-lock-mode"] = l.Mode
		h["x-amz-object-lock-retain-until-date"] = l.Until.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if l.LegalHold != "" {
		h["x-amz-object-lock-legal-hold"] = l.LegalHold
	}
}

var errLocked = awsproto.New(http.StatusForbidden, "AccessDenied", "Access Denied because object protected by object lock.")

func errNoLockConfig() *awsproto.Error {
	return errInvalidRequest("Bucket is missing Object Lock Configuration")
}

// checkRemovable says whether version v may be removed (or changed in
// place) now: not under legal hold, not retained, or retained in
// GOVERNANCE mode by a caller allowed to bypass it.
func checkRemovable(v *versionRecord, now time.Time, bypass bool) error {
	if v.Lock.LegalHold == "ON" {
		return errLocked
	}
	if v.Lock.retained(now) && !(v.Lock.Mode == "GOVERNANCE" && bypass) {
		return errLocked
	}
	return nil
}

// bypassGovernance reports whether the request asks to bypass GOVERNANCE
// retention and its caller may (s3:BypassGovernanceRetention).
func (s *Service) bypassGovernance(ctx context.Context, b *bucketRecord, key string, h http.Header) bool {
	if !strings.EqualFold(h.Get("X-Amz-Bypass-Governance-Retention"), "true") {
		return false
	}
	return s.allowed(ctx, b, "s3:BypassGovernanceRetention", &key) == nil
}

// lockForWrite reads a write's Object Lock headers (or applies the
// bucket's default retention) for key; it checks the caller may set
// them (s3:PutObjectRetention, s3:PutObjectLegalHold).
func (s *Service) lockForWrite(ctx context.Context, b *bucketRecord, key string, h http.Header) (objectLock, error) {
	var l objectLock
	mode, until, hold := h.Get("X-Amz-Object-Lock-Mode"), h.Get("X-Amz-Object-Lock-Retain-Until-Date"), h.Get("X-Amz-Object-Lock-Legal-Hold")
	if b.ObjectLock == nil {
		if mode != "" || until != "" || hold != "" {
			return l, errNoLockConfig()
		}
		return l, nil
	}
	switch {
	case (mode == "") != (until == ""):
		return l, invalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied", "x-amz-object-lock-mode", mode)
	case mode != "":
		if mode != "GOVERNANCE" && mode != "COMPLIANCE" {
			return l, invalidArgument("Unknown wormMode directive.", "x-amz-object-lock-mode", mode)
		}
		t, err := parseLockDate(until)
		if err != nil {
			return l, invalidArgument("The retain until date must be provided in ISO 8601 format", "x-amz-object-lock-retain-until-date", until)
		}
		if !t.After(s.now()) {
			return l, invalidArgument("The retain until date must be in the future!", "x-amz-object-lock-retain-until-date", until)
		}
		if err := s.allowed(ctx, b, "s3:PutObjectRetention", &key); err != nil {
			return l, err
		}
		l.Mode, l.Until = mode, t
	case b.ObjectLock.Mode != "":
		l.Mode, l.Until = b.ObjectLock.Mode, b.ObjectLock.defaultUntil(s.now().UTC())
	}
	switch hold {
	case "":
	case "ON", "OFF":
		if err := s.allowed(ctx, b, "s3:PutObjectLegalHold", &key); err != nil {
			return l, err
		}
		l.LegalHold = hold
	default:
		return l, invalidArgument("Legal Hold must be either of 'ON' or 'OFF'", "x-amz-object-lock-legal-hold", hold)
	}
	return l, nil
}

// needsIntegrity says a PUT with Object Lock parameters (its own or the
// bucket's default retention) must carry Content-MD5 or a checksum.
func needsIntegrity(l objectLock, h http.Header, ck checksumRequest) error {
	if l.Mode == "" && l.LegalHold == "" {
		return nil
	}
	if h.Get("Content-MD5") != "" || ck.algo != "" {
		return nil
	}
	return errInvalidRequest("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
}

// parseLockDate reads a retain-until date: ISO 8601, with or without
// fractional seconds.
func parseLockDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &time.ParseError{Value: s}
}

type lockConfigDoc struct {
	XMLName           xml.Name  `xml:"ObjectLockConfiguration"`
	ObjectLockEnabled string    `xml:"ObjectLockEnabled,omitempty"`
	Rule              *lockRule `xml:"Rule"`
}

type lockRule struct {
	DefaultRetention *defaultRetention `xml:"DefaultRetention"`
}

type defaultRetention struct {
	Mode  string `xml:"Mode,omitempty"`
	Days  *int   `xml:"Days,omitempty"`
	Years *int   `xml:"Years,omitempty"`
}

type PutObjectLockConfigurationInput struct {
	Bucket string         `loc:"uri,Bucket"`
	Config *lockConfigDoc `loc:"body"`
}

type GetObjectLockConfigurationOutput struct {
	Body *lockConfigDoc `loc:"body"`
}

// PutObjectLockConfiguration turns Object Lock on for a versioned bucket
// (as S3 allows since 2023) and sets or clears its default retention.
func (s *Service) PutObjectLockConfiguration(ctx context.Context, in *PutObjectLockConfigurationInput) (*struct{}, error) {
	d := in.Config
	if d == nil || d.ObjectLockEnabled != "Enabled" {
		return nil, errMalformedXML()
	}
	cfg := &objectLockConfig{}
	if d.Rule != nil {
		r := d.Rule.DefaultRetention
		if r == nil || (r.Mode != "GOVERNANCE" && r.Mode != "COMPLIANCE") || (r.Days == nil) == (r.Years == nil) {
			return nil, errMalformedXML()
		}
		cfg.Mode = r.Mode
		n, arg := r.Days, "Days"
		if n == nil {
			n, arg = r.Years, "Years"
		}
		if *n <= 0 {
			return nil, invalidArgument("Default retention period must be a positive integer value.", arg, strconv.Itoa(*n))
		}
		if r.Days != nil {
			cfg.Days = *r.Days
		} else {
			cfg.Years = *r.Years
		}
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		if b.Versioning != "Enabled" {
			return awsproto.New(http.StatusConflict, "InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
		}
		b.ObjectLock = cfg
		return nil
	})
}

// GetObjectLockConfiguration returns the bucket's Object Lock
// configuration.
func (s *Service) GetObjectLockConfiguration(ctx context.Context, in *BucketInput) (*GetObjectLockConfigurationOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.ObjectLock == nil {
		return nil, awsproto.New(http.StatusNotFound, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket").With("BucketName", b.Name)
	}
	d := &lockConfigDoc{ObjectLockEnabled: "Enabled"}
	if c := b.ObjectLock; c.Mode != "" {
		r := &defaultRetention{Mode: c.Mode}
		if c.Days > 0 {
			r.Days = &c.Days
		} else {
			r.Years = &c.Years
		}
		d.Rule = &lockRule{DefaultRetention: r}
	}
	return &GetObjectLockConfigurationOutput{Body: d}, nil
}

type retentionDoc struct {
	XMLName         xml.Name `xml:"Retention"`
	Mode            string   `xml:"Mode,omitempty"`
	RetainUntilDate string   `xml:"RetainUntilDate,omitempty"`
}

type legalHoldDoc struct {
	XMLName xml.Name `xml:"LegalHold"`
	Status  string   `xml:"Status"`
}

type PutObjectRetentionInput struct {
	Bucket    string        `loc:"uri,Bucket"`
	Key       string        `loc:"uri,Key"`
	VersionID string        `loc:"query,versionId"`
	Doc       *retentionDoc `loc:"body"`
	Header    http.Header   `loc:"allheaders"`
}

type PutObjectLegalHoldInput struct {
	Bucket    string        `loc:"uri,Bucket"`
	Key       string        `loc:"uri,Key"`
	VersionID string        `loc:"query,versionId"`
	Doc       *legalHoldDoc `loc:"body"`
}

type ObjectVersionInput struct {
	Bucket    string `loc:"uri,Bucket"`
	Key       string `loc:"uri,Key"`
	VersionID string `loc:"query,versionId"`
}

type GetObjectRetentionOutput struct {
	Body *retentionDoc `loc:"body"`
}

type GetObjectLegalHoldOutput struct {
	Body *legalHoldDoc `loc:"body"`
}

// updateLock changes a version's objectLock in place, with fn deciding.
func (s *Service) updateLock(ctx context.Context, bucket, key, versionID string, fn func(b *bucketRecord, v *versionRecord) error) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		if b.ObjectLock == nil {
			return errNoLockConfig()
		}
		v, err := lookupObject(tx, bucket, key, versionID)
		if err != nil {
			return err
		}
		if v.DeleteMarker {
			return errMethodNotAllowed("PUT", "DeleteMarker")
		}
		if err := fn(b, v); err != nil {
			return err
		}
		return tx.Put(tVersions, versionKey(bucket, v.Key, v.Seq), marshal(v))
	})
}

// PutObjectRetention sets a version's retention. A COMPLIANCE retention
// can only be extended; a GOVERNANCE one shortened, removed or weakened
// only with the bypass.
func (s *Service) PutObjectRetention(ctx context.Context, in *PutObjectRetentionInput) (*struct{}, error) {
	if in.Doc == nil {
		return nil, errMalformedXML()
	}
	var next objectLock
	if in.Doc.Mode != "" || in.Doc.RetainUntilDate != "" {
		if in.Doc.Mode != "GOVERNANCE" && in.Doc.Mode != "COMPLIANCE" || in.Doc.RetainUntilDate == "" {
			return nil, errMalformedXML()
		}
		t, err := parseLockDate(in.Doc.RetainUntilDate)
		if err != nil {
			return nil, errMalformedXML()
		}
		if !t.After(s.now()) {
			return nil, invalidArgument("The retain until date must be in the future!", "RetainUntilDate", in.Doc.RetainUntilDate)
		}
		next.Mode, next.Until = in.Doc.Mode, t
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	bypass := s.bypassGovernance(ctx, b, in.Key, in.Header)
	now := s.now()
	return &struct{}{}, s.updateLock(ctx, in.Bucket, in.Key, in.VersionID, func(_ *bucketRecord, v *versionRecord) error {
		cur := v.Lock
		// While retained, only the same mode until the same date or a
		// later one needs nothing; any other change (a shorter date, no
		// retention, another mode — even GOVERNANCE to COMPLIANCE, as S3
		// answers) needs the bypass, which COMPLIANCE never gives.
		if cur.retained(now) {
			changed := next.Mode != cur.Mode || next.Until.Before(cur.Until)
			if changed && !(cur.Mode == "GOVERNANCE" && bypass) {
				return errLocked
			}
		}
		v.Lock.Mode, v.Lock.Until = next.Mode, next.Until
		return nil
	})
}

// GetObjectRetention returns a version's retention.
func (s *Service) GetObjectRetention(ctx context.Context, in *ObjectVersionInput) (*GetObjectRetentionOutput, error) {
	l, err := s.versionLock(ctx, in)
	if err != nil {
		return nil, err
	}
	if l.Mode == "" {
		return nil, errNoObjectLock()
	}
	return &GetObjectRetentionOutput{Body: &retentionDoc{Mode: l.Mode, RetainUntilDate: l.Until.UTC().Format("2006-01-02T15:04:05.000Z")}}, nil
}

// PutObjectLegalHold places or lifts a version's legal hold.
func (s *Service) PutObjectLegalHold(ctx context.Context, in *PutObjectLegalHoldInput) (*struct{}, error) {
	if in.Doc == nil || (in.Doc.Status != "ON" && in.Doc.Status != "OFF") {
		return nil, errMalformedXML()
	}
	return &struct{}{}, s.updateLock(ctx, in.Bucket, in.Key, in.VersionID, func(_ *bucketRecord, v *versionRecord) error {
		v.Lock.LegalHold = in.Doc.Status
		return nil
	})
}

// GetObjectLegalHold returns a version's legal hold.
func (s *Service) GetObjectLegalHold(ctx context.Context, in *ObjectVersionInput) (*GetObjectLegalHoldOutput, error) {
	l, err := s.versionLock(ctx, in)
	if err != nil {
		return nil, err
	}
	if l.LegalHold == "" {
		return nil, errNoObjectLock()
	}
	return &GetObjectLegalHoldOutput{Body: &legalHoldDoc{Status: l.LegalHold}}, nil
}

func errNoObjectLock() *awsproto.Error {
	return awsproto.New(http.StatusNotFound, "NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration")
}

// versionLock reads a version's objectLock.
func (s *Service) versionLock(ctx context.Context, in *ObjectVersionInput) (objectLock, error) {
	var l objectLock
	err := s.store.View(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, in.Bucket)
		if err != nil {
			return err
		}
		if b.ObjectLock == nil {
			return errNoLockConfig()
		}
		v, err := lookupObject(tx, in.Bucket, in.Key, in.VersionID)
		if err != nil {
			return err
		}
		if v.DeleteMarker {
			return errMethodNotAllowed("GET", "DeleteMarker")
		}
		l = v.Lock
		return nil
	})
	return l, err
}
