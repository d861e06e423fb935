package s3

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/store"
)

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
		ETag      string `xml:"ETag"`
	} `xml:"Object"`
}

type deletedEntry struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

type DeleteObjectsInput struct {
	Bucket     string      `loc:"uri,Bucket"`
	ContentMD5 string      `loc:"header,Content-MD5"`
	Header     http.Header `loc:"allheaders"`
	Raw        []byte      `loc:"body"`
}

type DeleteObjectsOutput struct {
	Body *struct {
		XMLName xml.Name       `xml:"DeleteResult"`
		Deleted []deletedEntry `xml:"Deleted"`
		Errors  []deleteError  `xml:"Error"`
	} `loc:"body"`
}

// DeleteObjects deletes up to 1,000 keys, reporting per key.
func (s *Service) DeleteObjects(ctx context.Context, in *DeleteObjectsInput) (*DeleteObjectsOutput, error) {
	ck, err := parseChecksumRequest(in.Header)
	if err != nil {
		return nil, err
	}
	if in.ContentMD5 == "" && ck.algo == "" {
		return nil, errInvalidRequest("Missing required header for this request: Content-MD5")
	}
	if _, err := s.ingest(ctx, bytesReader(in.Raw), int64(len(in.Raw)), ck, in.ContentMD5, true, nil); err != nil {
		return nil, err
	}
	var req deleteRequest
	if err := xml.Unmarshal(in.Raw, &req); err != nil || len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return nil, errMalformedXML()
	}
	bucket, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	// Each key is authorized by itself, as S3 does: a denied key is
	// reported as AccessDenied and the others are deleted.
	denied := make([]*awsproto.Error, len(req.Objects))
	bypass := make([]bool, len(req.Objects))
	for i, o := range req.Objects {
		if o.VersionID != "" && bucket.ObjectLock != nil {
			bypass[i] = s.bypassGovernance(ctx, bucket, o.Key, in.Header)
		}
		action := "s3:DeleteObject"
		if o.VersionID != "" {
			action = "s3:DeleteObjectVersion"
		}
		key := o.Key
		if err := s.allowed(ctx, bucket, action, &key); err != nil {
			ae, ok := awsproto.As(err)
			if !ok {
				return nil, err
			}
			denied[i] = ae
		}
	}
	out := &DeleteObjectsOutput{}
	out.Body = &struct {
		XMLName xml.Name       `xml:"DeleteResult"`
		Deleted []deletedEntry `xml:"Deleted"`
		Errors  []deleteError  `xml:"Error"`
	}{}
	// One transaction (one commit) for the whole request; a key's own
	// error is reported for that key and does not undo the others.
	type outcome struct {
		res deleteResult
		err *awsproto.Error
	}
	results := make([]outcome, len(req.Objects))
	var freed []string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		freed = freed[:0]
		b, err := getBucket(tx, in.Bucket)
		if err != nil {
			return err
		}
		for i, o := range req.Objects {
			results[i] = outcome{}
			if denied[i] != nil {
				results[i].err = denied[i]
				continue
			}
			if err := validateKey(o.Key); err != nil {
				results[i].err, _ = awsproto.As(err)
				continue
			}
			res, f, err := s.deleteInTx(ctx, tx, b, o.Key, o.VersionID, o.ETag, bypass[i])
			if ae, ok := err.(*awsproto.Error); ok {
				results[i].err = ae
				continue
			}
			if err != nil {
				return err
			}
			results[i].res = res
			freed = append(freed, f...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.removeBlobs(freed)
	for i, o := range req.Objects {
		if e := results[i].err; e != nil {
			out.Body.Errors = append(out.Body.Errors, deleteError{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message})
			continue
		}
		if req.Quiet {
			continue
		}
		res := results[i].res
		e := deletedEntry{Key: o.Key, VersionID: o.VersionID}
		if res.deleteMarker {
			e.DeleteMarker = true
			if o.VersionID == "" {
				e.DeleteMarkerVersionID = res.versionID
			}
		}
		out.Body.Deleted = append(out.Body.Deleted, e)
	}
	return out, nil
}
