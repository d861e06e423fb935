package s3

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// The S3 Control API's account-level Block Public Access
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html):
// /v20180820/configuration/publicAccessBlock, addressed as
// <account-id>.s3-control.<host> or by path, with x-amz-account-id.

const controlPAB = "/v20180820/configuration/publicAccessBlock"

// controlNamespace is S3 Control's XML namespace.
const controlNamespace = "http://awss3control.amazonaws.com/doc/2018-08-20/"

// isControl reports whether r is an S3 Control request.
func isControl(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/v20180820/")
}

type controlPABDoc struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

// serveControl serves the account-level Block Public Access operations.
func (s *Service) serveControl(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	rc := request.From(ctx)
	if r.URL.Path != controlPAB {
		return awsproto.New(http.StatusNotImplemented, "NotImplemented", "gureum implements only the account-level Block Public Access operations of S3 Control.")
	}
	var op string
	switch r.Method {
	case http.MethodGet:
		op = "GetAccountPublicAccessBlock"
	case http.MethodPut:
		op = "PutAccountPublicAccessBlock"
	case http.MethodDelete:
		op = "DeleteAccountPublicAccessBlock"
	default:
		return errMethodNotAllowed(r.Method, "SERVICE")
	}
	rc.Operation = op
	account := r.Header.Get("X-Amz-Account-Id")
	if account == "" {
		if host, _, _ := strings.Cut(r.Host, "."); len(host) == 12 {
			account = host
		}
	}
	p := rc.Principal
	if p.IsAnonymous() {
		return errAccessDenied()
	}
	if account == "" {
		return awsproto.New(http.StatusBadRequest, "InvalidRequest", "Missing required header x-amz-account-id")
	}
	if account != p.Account {
		return errAccessDenied()
	}
	if err := s.check(ctx, nil, actions[op].action, "*", nil); err != nil {
		return err
	}
	switch op {
	case "GetAccountPublicAccessBlock":
		pab, ok := s.accountPAB(ctx, account)
		if !ok {
			return awsproto.New(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found").With("AccountId", account)
		}
		b, _ := xml.Marshal(controlPABDoc{Xmlns: controlNamespace, BlockPublicAcls: pab.BlockPublicAcls, IgnorePublicAcls: pab.IgnorePublicAcls,
			BlockPublicPolicy: pab.BlockPublicPolicy, RestrictPublicBuckets: pab.RestrictPublicBuckets})
		w.Header().Set("Content-Type", "application/xml")
		_, err := w.Write(append([]byte(xml.Header), b...))
		return err
	case "PutAccountPublicAccessBlock":
		body, err := restxml.ReadAllLimited(r.Body, restxml.MaxXMLBody)
		if err != nil {
			return err
		}
		var doc controlPABDoc
		if err := xml.Unmarshal(body, &doc); err != nil {
			return errMalformedXML()
		}
		pab := publicAccessBlock{BlockPublicAcls: doc.BlockPublicAcls, IgnorePublicAcls: doc.IgnorePublicAcls,
			BlockPublicPolicy: doc.BlockPublicPolicy, RestrictPublicBuckets: doc.RestrictPublicBuckets}
		b, _ := json.Marshal(pab)
		err = s.store.Update(ctx, func(tx store.Tx) error { return tx.Put(tAccountPAB, []byte(account), b) })
		s.pabCache.Delete(account)
		return err
	default:
		err := s.store.Update(ctx, func(tx store.Tx) error { return tx.Delete(tAccountPAB, []byte(account)) })
		s.pabCache.Delete(account)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	}
}
