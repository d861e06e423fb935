package iam

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/store"
)

// The store tables IAM owns. Entity keys are account "/" lower(name).
//
//	users, groups, roles, policies, profiles: account/name → record
//	keys:     access key id → keyRecord (users' long-term keys)
//	sessions: access key id → sessionRecord (STS temporary credentials)
//	aliases:  account → alias;  alias-owners: alias → account
const (
	tUsers    = "iam.users"
	tGroups   = "iam.groups"
	tRoles    = "iam.roles"
	tPolicies = "iam.policies"
	tProfiles = "iam.profiles"
	tKeys     = "iam.keys"
	tSessions = "iam.sessions"
	tAliases  = "iam.aliases"
	tAliasOf  = "iam.alias-owners"
)

// Tag is an IAM tag.
type Tag struct {
	Key   string `json:"k" xml:"Key"`
	Value string `json:"v" xml:"Value"`
}

// principalPolicies are the policies attached to a user, group or role.
type principalPolicies struct {
	Inline   map[string]string `json:"inline,omitempty"`   // name → document
	Attached []string          `json:"attached,omitempty"` // managed policy ARNs
	Boundary string            `json:"boundary,omitempty"` // managed policy ARN
}

// entity is what users, groups and roles have in common (kind describes
// each of them for the helpers they share).
type entity struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	principalPolicies
}

type userRecord struct {
	entity
	Tags    []Tag          `json:"tags,omitempty"`
	Groups  []string       `json:"groups,omitempty"` // group names
	Keys    []string       `json:"keys,omitempty"`   // access key ids
	Login   *login         `json:"login,omitempty"`
	SSHKeys []sshKeyRecord `json:"sshKeys,omitempty"`
}

type login struct {
	Hash          []byte    `json:"hash"`
	Salt          []byte    `json:"salt"`
	Created       time.Time `json:"created"`
	ResetRequired bool      `json:"reset,omitempty"`
}

type groupRecord struct {
	entity
}

type roleRecord struct {
	entity
	Trust       string     `json:"trust"`
	Description string     `json:"description,omitempty"`
	MaxSession  int32      `json:"maxSession"`
	Tags        []Tag      `json:"tags,omitempty"`
	LastUsed    *time.Time `json:"lastUsed,omitempty"`
	LastRegion  string     `json:"lastRegion,omitempty"`
}

type policyVersion struct {
	ID      string    `json:"id"`
	Doc     string    `json:"doc"`
	Created time.Time `json:"created"`
}

type policyRecord struct {
	Name        string          `json:"name"`
	ID          string          `json:"id"`
	Path        string          `json:"path"`
	Description string          `json:"description,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Default     string          `json:"default"`
	Versions    []policyVersion `json:"versions"`
	Next        int             `json:"next"`
	Tags        []Tag           `json:"tags,omitempty"`
}

type profileRecord struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	Roles   []string  `json:"roles,omitempty"`
	Tags    []Tag     `json:"tags,omitempty"`
}

type keyRecord struct {
	ID          string     `json:"id"`
	Secret      string     `json:"secret"`
	Account     string     `json:"account"`
	User        string     `json:"user"`
	Status      string     `json:"status"`
	Created     time.Time  `json:"created"`
	LastUsed    *time.Time `json:"lastUsed,omitempty"`
	LastService string     `json:"lastService,omitempty"`
	LastRegion  string     `json:"lastRegion,omitempty"`
}

// sessionRecord is a set of temporary credentials from STS.
type sessionRecord struct {
	ID      string    `json:"id"`
	Secret  string    `json:"secret"`
	Token   string    `json:"token"`
	Account string    `json:"account"`
	Expires time.Time `json:"expires"`
	// A role session: the role and the session's name; its policies
	// narrowed by the session policies.
	Role        string   `json:"role,omitempty"` // role name
	RoleID      string   `json:"roleId,omitempty"`
	RolePath    string   `json:"rolePath,omitempty"`
	SessionName string   `json:"sessionName,omitempty"`
	Policy      string   `json:"policy,omitempty"`
	PolicyArns  []string `json:"policyArns,omitempty"`
	// A GetSessionToken session acts as the user (or root) that asked.
	User string `json:"user,omitempty"`
}

func entityKey(acct, name string) []byte {
	return []byte(acct + "/" + strings.ToLower(name))
}

func getRecord[T any](tx store.Tx, table string, key []byte) (*T, error) {
	b, err := tx.Get(table, key)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("iam: decoding %s record: %w", table, err)
	}
	return v, nil
}

func putRecord(tx store.Tx, table string, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, key, b)
}

// scanAccount calls fn for every record of an account in table, in name
// order.
func scanAccount[T any](tx store.Tx, table, acct string, fn func(*T) error) error {
	return tx.Scan(table, []byte(acct+"/"), nil, func(_, v []byte) (bool, error) {
		r := new(T)
		if err := json.Unmarshal(v, r); err != nil {
			return false, fmt.Errorf("iam: decoding %s record: %w", table, err)
		}
		return true, fn(r)
	})
}

// Errors, with AWS's codes and wording.

func noSuchEntity(format string, args ...any) error {
	return awsproto.Newf(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) error {
	return awsproto.Newf(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func deleteConflict(format string, args ...any) error {
	return awsproto.Newf(http.StatusConflict, "DeleteConflict", format, args...)
}

func limitExceeded(format string, args ...any) error {
	return awsproto.Newf(http.StatusConflict, "LimitExceeded", format, args...)
}

func invalidInput(format string, args ...any) error {
	return awsproto.Newf(http.StatusBadRequest, "InvalidInput", format, args...)
}

func validation(format string, args ...any) error {
	return awsproto.Newf(http.StatusBadRequest, "ValidationError", format, args...)
}

func malformedPolicy(reason string) error {
	return awsproto.New(http.StatusBadRequest, "MalformedPolicyDocument", reason)
}

func userNotFound(name string) error {
	return noSuchEntity("The user with name %s cannot be found.", name)
}

func groupNotFound(name string) error {
	return noSuchEntity("The group with name %s cannot be found.", name)
}

func roleNotFound(name string) error {
	return noSuchEntity("The role with name %s cannot be found.", name)
}

func notFound(err error, nf error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nf
	}
	return err
}

// Validation of names and paths, as botocore's model constrains them.

var (
	entityName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]+$`) })
	pathRe     = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(\x{002F})|(\x{002F}[\x{0021}-\x{007E}]+\x{002F})$`)
	})
)

func checkName(member, v string, max int) error {
	if len(v) < 1 || len(v) > max {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, member, max)
	}
	if !entityName().MatchString(v) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", v, member)
	}
	return nil
}

func checkPath(p *string) (string, error) {
	if p == nil || *p == "" {
		return "/", nil
	}
	if len(*p) > 512 || !pathRe().MatchString(*p) || !strings.HasPrefix(*p, "/") || !strings.HasSuffix(*p, "/") {
		return "", validation("1 validation error detected: Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", *p)
	}
	return *p, nil
}

func removeString(list []string, s string) ([]string, bool) {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return append(list[:i:i], list[i+1:]...), true
		}
	}
	return list, false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// page cuts a sorted list for Marker/MaxItems pagination: the marker is
// the index of the next item.
func page[T any](items []T, marker *string, maxItems *int32) (out []T, truncated bool, next string, err error) {
	start := 0
	if marker != nil && *marker != "" {
		n, ok := parseMarker(*marker)
		if !ok || n > len(items) {
			return nil, false, "", validation("Invalid Marker.")
		}
		start = n
	}
	max := 100
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > 1000 {
			return nil, false, "", validation("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", *maxItems)
		}
		max = int(*maxItems)
	}
	end := start + max
	if end >= len(items) {
		return items[start:], false, "", nil
	}
	return items[start:end], true, formatMarker(end), nil
}

// paged is page for a list read that failed with err if err is not nil;
// the items it returns are never nil (an empty list is an empty element).
func paged[T any](all []T, err error, marker *string, maxItems *int32) ([]T, bool, string, error) {
	if err != nil {
		return nil, false, "", err
	}
	items, truncated, next, err := page(all, marker, maxItems)
	return orEmpty(items), truncated, next, err
}

func parseMarker(s string) (int, bool) {
	s, ok := strings.CutPrefix(s, "gureum-")
	if !ok {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1<<24 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func formatMarker(n int) string { return fmt.Sprintf("gureum-%d", n) }

// memberList is a list rendered as the query protocol renders lists,
// <Name><member>…</member></Name>, and left out entirely when empty (the
// "Name>member,omitempty" tag of encoding/xml still writes an empty
// <Name></Name>).
type memberList[T any] []T

// MarshalXML implements xml.Marshaler.
func (l memberList[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Member []T `xml:"member"`
	}{l}, start)
}
