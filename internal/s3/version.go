package s3

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/store"
	"net/http"
	"strconv"
)

// Version bookkeeping shared by every operation that writes or removes an
// object: PUT, copy, POST, multipart completion and deletes.

// MaxKeyLength is S3's limit on object key length, in bytes.
const MaxKeyLength = 1024

// validateKey rejects keys S3 cannot store. Any UTF-8 is allowed except
// NUL, which no XML listing could carry.
func validateKey(key string) error {
	if len(key) > MaxKeyLength {
		return awsproto.New(http.StatusBadRequest, "KeyTooLongError", "Your key is too long").
			With("Size", strconv.Itoa(len(key))).With("MaxSizeAllowed", strconv.Itoa(MaxKeyLength))
	}
	if !utf8.ValidString(key) || bytes.IndexByte([]byte(key), 0) >= 0 {
		return awsproto.New(http.StatusBadRequest, "InvalidURI", "Couldn't parse the specified URI.")
	}
	return nil
}

func decodeVersion(v []byte) (*versionRecord, error) {
	r := new(versionRecord)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, err
	}
	return r, nil
}

// latestVersion returns the newest version (possibly a delete marker) of a
// key, or nil.
func latestVersion(tx store.Tx, bucket, key string) (*versionRecord, error) {
	var out *versionRecord
	err := tx.Scan(tVersions, objectPrefix(bucket, key), nil, func(k, v []byte) (bool, error) {
		if len(k) != len(bucket)+len(key)+2+8 {
			return true, nil // a longer key that starts with ours and a NUL
		}
		r, err := decodeVersion(v)
		out = r
		return false, err
	})
	return out, err
}

// currentObject returns the key's current version, or NoSuchKey when there
// is none or it is a delete marker (with S3's headers for that case).
func currentObject(tx store.Tx, bucket, key string) (*versionRecord, error) {
	v, err := latestVersion(tx, bucket, key)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errNoSuchKey(key)
	}
	if v.DeleteMarker {
		e := errNoSuchKey(key).WithHeader("x-amz-delete-marker", "true")
		if v.VersionID != "null" {
			e = e.WithHeader("x-amz-version-id", v.VersionID)
		}
		return nil, e
	}
	return v, nil
}

// findVersion returns one version of a key by id, or S3's error.
func findVersion(tx store.Tx, bucket, key, id string) (*versionRecord, error) {
	if id == "null" {
		var out *versionRecord
		err := eachVersion(tx, bucket, key, func(k []byte, r *versionRecord) (bool, error) {
			if r.VersionID == "null" {
				out = r
				return false, nil
			}
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, errNoSuchVersion(key, id)
		}
		return out, nil
	}
	seq, ok := versionSeq(id)
	if !ok {
		return nil, errInvalidVersionID(id)
	}
	v, err := tx.Get(tVersions, versionKey(bucket, key, seq))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchVersion(key, id)
	}
	if err != nil {
		return nil, err
	}
	r, err := decodeVersion(v)
	if err != nil {
		return nil, err
	}
	if r.VersionID != id {
		return nil, errNoSuchVersion(key, id)
	}
	return r, nil
}

// lookupObject resolves GET/HEAD-style addressing: the current version, or
// the one named by versionId.
func lookupObject(tx store.Tx, bucket, key, versionID string) (*versionRecord, error) {
	if versionID == "" {
		return currentObject(tx, bucket, key)
	}
	return findVersion(tx, bucket, key, versionID)
}

func eachVersion(tx store.Tx, bucket, key string, fn func(k []byte, r *versionRecord) (bool, error)) error {
	want := len(bucket) + len(key) + 2 + 8
	return tx.Scan(tVersions, objectPrefix(bucket, key), nil, func(k, v []byte) (bool, error) {
		if len(k) != want {
			return true, nil
		}
		r, err := decodeVersion(v)
		if err != nil {
			return false, err
		}
		return fn(k, r)
	})
}

// removeVersion deletes one version's rows and returns the blobs it held.
func removeVersion(tx store.Tx, bucket string, r *versionRecord) ([]string, error) {
	k := versionKey(bucket, r.Key, r.Seq)
	if err := tx.Delete(tVersions, k); err != nil {
		return nil, err
	}
	if r.Inline {
		if err := tx.Delete(tInline, k); err != nil {
			return nil, err
		}
	}
	var blobs []string
	for _, sg := range r.Segments {
		blobs = append(blobs, sg.Blob)
	}
	return blobs, nil
}

// putVersion makes v the newest version of its key under the bucket's
// versioning state: with versioning enabled it gets a fresh id; otherwise
// it becomes the "null" version, replacing the previous null version.
// It returns the blobs no longer referenced, to remove after commit.
func (s *Service) putVersion(tx store.Tx, b *bucketRecord, v *versionRecord, inline []byte) ([]string, error) {
	var freed []string
	if b.Versioning == "Enabled" {
		v.VersionID = newVersionID(v.Seq)
	} else {
		v.VersionID = "null"
		var old []*versionRecord
		if err := eachVersion(tx, b.Name, v.Key, func(k []byte, r *versionRecord) (bool, error) {
			if r.VersionID == "null" {
				old = append(old, r)
			}
			return b.Versioning != "", nil // unversioned keys have one version only
		}); err != nil {
			return nil, err
		}
		for _, r := range old {
			blobs, err := removeVersion(tx, b.Name, r)
			if err != nil {
				return nil, err
			}
			freed = append(freed, blobs...)
		}
	}
	k := versionKey(b.Name, v.Key, v.Seq)
	v.Inline = inline != nil
	if err := tx.Put(tVersions, k, marshal(v)); err != nil {
		return nil, err
	}
	if inline != nil {
		if err := tx.Put(tInline, k, inline); err != nil {
			return nil, err
		}
	}
	return freed, nil
}
