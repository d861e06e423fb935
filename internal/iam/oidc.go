package iam

import (
	"context"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/store"
)

// OpenID Connect identity providers: recorded so that roles can trust
// them (AssumeRoleWithWebIdentity is not served yet).

const tOIDC = "iam.oidc"

type oidcRecord struct {
	URL         string    `json:"url"` // without the scheme
	ClientIDs   []string  `json:"clients,omitempty"`
	Thumbprints []string  `json:"thumbprints,omitempty"`
	Created     time.Time `json:"created"`
	Tags        []Tag     `json:"tags,omitempty"`
}

type createOIDCInput struct {
	URL            string   `query:"Url,required"`
	ClientIDList   []string `query:"ClientIDList"`
	ThumbprintList []string
	Tags           []Tag
}

type createOIDCOutput struct {
	OpenIDConnectProviderArn string          `xml:"OpenIDConnectProviderArn"`
	Tags                     memberList[Tag] `xml:"Tags,omitempty"`
}

func oidcHost(url string) string {
	u := strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://")
	return strings.TrimSuffix(u, "/")
}

func (s *Service) createOIDCProvider(ctx context.Context, in *createOIDCInput) (*createOIDCOutput, error) {
	if !strings.HasPrefix(in.URL, "https://") {
		return nil, validation("Invalid OpenIDConnect Url: %s", in.URL)
	}
	acct := account(ctx)
	host := oidcHost(in.URL)
	rec := &oidcRecord{URL: host, ClientIDs: in.ClientIDList, Thumbprints: in.ThumbprintList, Created: s.now().UTC(), Tags: in.Tags}
	err := s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(tOIDC, []byte(acct+"/"+host)); err == nil {
			return alreadyExists("Provider with url %s already exists.", in.URL)
		}
		return putRecord(tx, tOIDC, []byte(acct+"/"+host), rec)
	})
	if err != nil {
		return nil, err
	}
	return &createOIDCOutput{OpenIDConnectProviderArn: arn(acct, "oidc-provider", "/", host), Tags: in.Tags}, nil
}

type oidcArnInput struct {
	OpenIDConnectProviderArn string `query:",required"`
}

type getOIDCOutput struct {
	URL            string          `xml:"Url"`
	ClientIDList   []string        `xml:"ClientIDList>member"`
	ThumbprintList []string        `xml:"ThumbprintList>member"`
	CreateDate     query.Time      `xml:"CreateDate"`
	Tags           memberList[Tag] `xml:"Tags,omitempty"`
}

func oidcKey(acct, a string) ([]byte, bool) {
	host, ok := strings.CutPrefix(a, "arn:aws:iam::"+acct+":oidc-provider/")
	return []byte(acct + "/" + host), ok
}

func oidcNotFound(a string) error {
	return noSuchEntity("OpenIDConnect Provider not found for arn %s", a)
}

func (s *Service) getOIDCProvider(ctx context.Context, in *oidcArnInput) (*getOIDCOutput, error) {
	acct := account(ctx)
	key, ok := oidcKey(acct, in.OpenIDConnectProviderArn)
	if !ok {
		return nil, oidcNotFound(in.OpenIDConnectProviderArn)
	}
	var out *getOIDCOutput
	err := s.view(ctx, func(tx store.Tx) error {
		r, err := getRecord[oidcRecord](tx, tOIDC, key)
		if err != nil {
			return notFound(err, oidcNotFound(in.OpenIDConnectProviderArn))
		}
		out = &getOIDCOutput{URL: r.URL, ClientIDList: orEmpty(r.ClientIDs), ThumbprintList: orEmpty(r.Thumbprints), CreateDate: query.Time(r.Created), Tags: r.Tags}
		return nil
	})
	return out, err
}

func (s *Service) deleteOIDCProvider(ctx context.Context, in *oidcArnInput) (*struct{}, error) {
	acct := account(ctx)
	key, ok := oidcKey(acct, in.OpenIDConnectProviderArn)
	if !ok {
		return nil, oidcNotFound(in.OpenIDConnectProviderArn)
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(tOIDC, key); err != nil {
			return notFound(err, oidcNotFound(in.OpenIDConnectProviderArn))
		}
		return tx.Delete(tOIDC, key)
	})
}

type oidcListEntry struct {
	Arn string `xml:"Arn"`
}

type listOIDCOutput struct {
	OpenIDConnectProviderList []oidcListEntry `xml:"OpenIDConnectProviderList>member"`
}

func (s *Service) listOIDCProviders(ctx context.Context, _ *struct{}) (*listOIDCOutput, error) {
	acct := account(ctx)
	out := &listOIDCOutput{OpenIDConnectProviderList: []oidcListEntry{}}
	err := s.view(ctx, func(tx store.Tx) error {
		return scanAccount(tx, tOIDC, acct, func(r *oidcRecord) error {
			out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, oidcListEntry{arn(acct, "oidc-provider", "/", r.URL)})
			return nil
		})
	})
	return out, err
}
