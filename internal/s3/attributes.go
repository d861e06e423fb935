package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/store"
)

type GetObjectAttributesInput struct {
	Bucket           string      `loc:"uri,Bucket"`
	Key              string      `loc:"uri,Key"`
	VersionID        string      `loc:"query,versionId"`
	Attributes       string      `loc:"header,x-amz-object-attributes"`
	MaxParts         *int        `loc:"header,x-amz-max-parts"`
	PartNumberMarker *int        `loc:"header,x-amz-part-number-marker"`
	Header           http.Header `loc:"allheaders"`
}

type attrChecksum struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
}

func (c *attrChecksum) set(algo, val string) {
	switch algo {
	case "CRC32":
		c.ChecksumCRC32 = val
	case "CRC32C":
		c.ChecksumCRC32C = val
	case "CRC64NVME":
		c.ChecksumCRC64NVME = val
	case "SHA1":
		c.ChecksumSHA1 = val
	case "SHA256":
		c.ChecksumSHA256 = val
	}
}

type attrPart struct {
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
	attrChecksum
}

type objectAttributes struct {
	XMLName     xml.Name      `xml:"GetObjectAttributesResponse"`
	ETag        string        `xml:"ETag,omitempty"`
	Checksum    *attrChecksum `xml:"Checksum,omitempty"`
	ObjectParts *struct {
		TotalPartsCount      int        `xml:"PartsCount"`
		PartNumberMarker     int        `xml:"PartNumberMarker"`
		NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
		MaxParts             int        `xml:"MaxParts"`
		IsTruncated          bool       `xml:"IsTruncated"`
		Parts                []attrPart `xml:"Part"`
	} `xml:"ObjectParts,omitempty"`
	StorageClass string `xml:"StorageClass,omitempty"`
	ObjectSize   *int64 `xml:"ObjectSize,omitempty"`
}

type GetObjectAttributesOutput struct {
	LastModified string            `loc:"header,Last-Modified"`
	VersionID    string            `loc:"header,x-amz-version-id"`
	Body         *objectAttributes `loc:"body"`
}

// GetObjectAttributes returns the attributes named in x-amz-object-attributes.
func (s *Service) GetObjectAttributes(ctx context.Context, in *GetObjectAttributesInput) (*GetObjectAttributesOutput, error) {
	want := map[string]bool{}
	for _, a := range strings.Split(in.Attributes, ",") {
		a = strings.TrimSpace(a)
		switch a {
		case "ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize":
			want[a] = true
		case "":
		default:
			return nil, invalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", a)
		}
	}
	if len(want) == 0 {
		return nil, errInvalidRequest("Missing required header for this request: x-amz-object-attributes")
	}
	var v *versionRecord
	err := s.store.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, in.Bucket); err != nil {
			return err
		}
		var err error
		v, err = lookupObject(tx, in.Bucket, in.Key, in.VersionID)
		if err == nil && v.DeleteMarker {
			err = errMethodNotAllowed("GET", "DeleteMarker").WithHeader("x-amz-delete-marker", "true")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// An SSE-C object's attributes need its key, as its HEAD does.
	if _, err := s.sseForRead(ctx, v.Enc, in.Header, sseCPrefix, false); err != nil {
		return nil, err
	}
	a := &objectAttributes{}
	if want["ETag"] {
		a.ETag = v.ETag
	}
	if want["Checksum"] && v.Checksum != "" {
		a.Checksum = &attrChecksum{ChecksumType: v.ChecksumType}
		a.Checksum.set(v.ChecksumAlgo, v.Checksum)
	}
	if want["StorageClass"] {
		a.StorageClass = v.StorageClass
		if a.StorageClass == "" {
			a.StorageClass = "STANDARD"
		}
	}
	if want["ObjectSize"] {
		size := v.Size
		a.ObjectSize = &size
	}
	if want["ObjectParts"] && len(v.Parts) > 0 {
		max, marker := 1000, 0
		if in.MaxParts != nil && *in.MaxParts >= 0 {
			max = *in.MaxParts
		}
		if in.PartNumberMarker != nil {
			marker = *in.PartNumberMarker
		}
		op := &struct {
			TotalPartsCount      int        `xml:"PartsCount"`
			PartNumberMarker     int        `xml:"PartNumberMarker"`
			NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
			MaxParts             int        `xml:"MaxParts"`
			IsTruncated          bool       `xml:"IsTruncated"`
			Parts                []attrPart `xml:"Part"`
		}{TotalPartsCount: len(v.Parts), PartNumberMarker: marker, MaxParts: max}
		for i := marker; i < len(v.Parts); i++ {
			if len(op.Parts) == max {
				op.IsTruncated = true
				break
			}
			p := attrPart{PartNumber: i + 1, Size: v.Parts[i].Size}
			if v.Parts[i].Checksum != "" {
				p.set(v.ChecksumAlgo, v.Parts[i].Checksum)
			}
			op.Parts = append(op.Parts, p)
			op.NextPartNumberMarker = i + 1
		}
		a.ObjectParts = op
	}
	return &GetObjectAttributesOutput{LastModified: v.Modified.Format("Mon, 02 Jan 2006 15:04:05 GMT"), VersionID: visibleVersionID(v), Body: a}, nil
}

var _ = restxml.Namespace
