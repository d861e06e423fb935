package ec2

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Every EC2 resource lives in one table, keyed by account, region and id:
//
//	ec2.res: account "/" region "/" id → the resource as JSON
//
// Ids start with their type's prefix (vpc-, subnet-, rtb-, igw-, sg-,
// acl-, dopt-, eni-, eipalloc-, nat-, key-, ami-, i-), so all resources of
// one type are one prefix scan. Stored records are the wire shapes
// themselves (encoding/xml tags as EC2 names the members, JSON tags for
// the store), so Describe answers what was stored.
const tRes = "ec2.res"

// Tag is an EC2 tag.
type Tag struct {
	Key   string `xml:"key" json:"k"`
	Value string `xml:"value" json:"v"`
}

// newID returns an EC2 id: prefix "-" and 17 hex digits.
func newID(prefix string) string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)[:17]
}

func resKey(acct, region, id string) []byte { return []byte(acct + "/" + region + "/" + id) }

// scope is the account and region a request acts in.
type scope struct{ acct, region string }

func getRes[T any](tx store.Tx, sc scope, id string) (*T, error) {
	b, err := tx.Get(tRes, resKey(sc.acct, sc.region, id))
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("ec2: decoding %s: %w", id, err)
	}
	return v, nil
}

func putRes(tx store.Tx, sc scope, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(tRes, resKey(sc.acct, sc.region, id), b)
}

func delRes(tx store.Tx, sc scope, id string) error {
	forget(sc, id)
	return tx.Delete(tRes, resKey(sc.acct, sc.region, id))
}

// scanRes calls fn for every resource whose id starts with prefix (e.g.
// "vpc-"), in id order.
func scanRes[T any](tx store.Tx, sc scope, prefix string, fn func(*T) error) error {
	return tx.Scan(tRes, resKey(sc.acct, sc.region, prefix), nil, func(_, v []byte) (bool, error) {
		r := new(T)
		if err := json.Unmarshal(v, r); err != nil {
			return false, err
		}
		return true, fn(r)
	})
}

// listRes returns every resource of a type.
func listRes[T any](tx store.Tx, sc scope, prefix string) ([]*T, error) {
	var out []*T
	err := scanRes(tx, sc, prefix, func(r *T) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// describeRes is the Describe most resources share: every id asked for
// must exist (get answers AWS's NotFound for it); then each resource of the
// prefix that is among those ids (when any were given) and that keep
// accepts (keep also readies it for display: fill, show), paged with max
// the largest MaxResults.
func describeRes[T any](s *Service, ctx context.Context, prefix string, ids []string,
	get func(store.Tx, scope, string) (*T, error), idOf func(*T) string,
	keep func(store.Tx, scope, *T) (bool, error), maxResults *int32, token *string, max int32) ([]*T, string, error) {
	sc := scopeOf(ctx)
	var all []*T
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if _, err := get(tx, sc, id); err != nil {
				return err
			}
		}
		return scanRes(tx, sc, prefix, func(v *T) error {
			if len(ids) > 0 && !contains(ids, idOf(v)) {
				return nil
			}
			ok, err := keep(tx, sc, v)
			if ok {
				all = append(all, v)
			}
			return err
		})
	})
	if err != nil {
		return nil, "", err
	}
	return page(all, maxResults, token, 5, max)
}

// Filters (Filter.N.Name / Filter.N.Value.M) on Describe calls.

// Filter is one Describe filter.
type Filter struct {
	Name  string
	Value []string
}

// filterable gives a resource's values for a filter name, and whether the
// name is known.
type filterable func(name string) ([]string, bool)

// matchFilters reports whether a resource passes every filter: for each
// filter, one of its values (with * and ? wildcards) equals one of the
// resource's. tag:Key, tag-key and tag-value are handled from tags.
func matchFilters(filters []Filter, tags []Tag, get filterable) (bool, error) {
	for _, f := range filters {
		var have []string
		switch {
		case strings.HasPrefix(f.Name, "tag:"):
			k := strings.TrimPrefix(f.Name, "tag:")
			for _, t := range tags {
				if t.Key == k {
					have = append(have, t.Value)
				}
			}
		case f.Name == "tag-key":
			for _, t := range tags {
				have = append(have, t.Key)
			}
		case f.Name == "tag-value":
			for _, t := range tags {
				have = append(have, t.Value)
			}
		default:
			v, ok := get(f.Name)
			if !ok {
				return false, errInvalidParameterValue("The filter '%s' is invalid", f.Name)
			}
			have = v
		}
		if !anyMatch(f.Value, have) {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if ok, _ := path.Match(p, v); ok || p == v {
				return true
			}
		}
	}
	return false
}

func boolStr(b bool) string { return strconv.FormatBool(b) }

// page applies MaxResults / NextToken to a sorted list (the token is the
// index of the next item).
func page[T any](items []T, maxResults *int32, token *string, min, max int32) ([]T, string, error) {
	start := 0
	if token != nil && *token != "" {
		n, err := strconv.Atoi(*token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", errInvalidNextToken(*token)
		}
		start = n
	}
	if maxResults == nil {
		return items[start:], "", nil
	}
	if *maxResults < min || *maxResults > max {
		return nil, "", errInvalidParameterValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", *maxResults, min, max)
	}
	end := start + int(*maxResults)
	if end >= len(items) {
		return items[start:], "", nil
	}
	return items[start:end], strconv.Itoa(end), nil
}

// TagSpecification is TagSpecification.N at create time.
type TagSpecification struct {
	ResourceType string
	Tag          []Tag `query:"Tag"`
}

// tagsFor returns the tags a request's TagSpecifications give a resource
// type, checking each specification names a type the call creates.
func tagsFor(specs []TagSpecification, resourceType string, allowed ...string) ([]Tag, error) {
	var out []Tag
	for _, s := range specs {
		ok := s.ResourceType == resourceType
		for _, a := range allowed {
			ok = ok || s.ResourceType == a
		}
		if !ok {
			return nil, errInvalidParameterValue("'%s' is not a valid taggable resource type for this operation.", s.ResourceType)
		}
		if s.ResourceType == resourceType {
			out = append(out, s.Tag...)
		}
	}
	if len(out) > 50 {
		return nil, errTagLimitExceeded()
	}
	return out, nil
}

func sortedIDs(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Client tokens make creates idempotent: a retried request with the same
// token gets the resource the first one made, and a token reused with
// other parameters is IdempotentParameterMismatch.
//
//	ec2.tokens: account "/" region "/" action "/" token → id "\x00" parameters
const tTokens = "ec2.tokens"

func tokenKey(sc scope, action, token string) []byte {
	return []byte(sc.acct + "/" + sc.region + "/" + action + "/" + token)
}

// tokenResource returns the id a client token made, "" if none; params
// identifies the request (a mismatch is AWS's error).
func tokenResource(tx store.Tx, sc scope, action, token, params string) (string, error) {
	if token == "" {
		return "", nil
	}
	v, err := tx.Get(tTokens, tokenKey(sc, action, token))
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	id, have, _ := strings.Cut(string(v), "\x00")
	if have != params {
		return "", errIdempotentParameterMismatch()
	}
	return id, nil
}

// rememberToken records the resource a client token made.
func rememberToken(tx store.Tx, sc scope, action, token, params, id string) error {
	if token == "" {
		return nil
	}
	return tx.Put(tTokens, tokenKey(sc, action, token), []byte(id+"\x00"+params))
}
