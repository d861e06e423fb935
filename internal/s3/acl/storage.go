package acl

import (
	"encoding/json"
	"errors"
	"fmt"
)

// storageVersion is the version of the stored form Marshal writes.
const storageVersion = 1

type stored struct {
	V      int           `json:"v"`
	Owner  storedOwner   `json:"o"`
	Grants []storedGrant `json:"g"`
}

type storedOwner struct {
	ID          string `json:"id"`
	DisplayName string `json:"dn,omitempty"`
}

type storedGrant struct {
	Type        string     `json:"t"`
	ID          string     `json:"id,omitempty"`
	DisplayName string     `json:"dn,omitempty"`
	URI         string     `json:"uri,omitempty"`
	Email       string     `json:"em,omitempty"`
	Permission  Permission `json:"p"`
}

// Marshal encodes a for the store: compact JSON with a version number, whose
// form does not change without a new version that Unmarshal still reads.
func (a ACL) Marshal() []byte {
	s := stored{V: storageVersion, Owner: storedOwner(a.Owner), Grants: make([]storedGrant, len(a.Grants))}
	for i, g := range a.Grants {
		s.Grants[i] = storedGrant{g.Grantee.Type, g.Grantee.ID, g.Grantee.DisplayName, g.Grantee.URI, g.Grantee.Email, g.Permission}
	}
	// Strings and ints always encode, so there is no error to return.
	b, _ := json.Marshal(s)
	return b
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (ACL, error) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return ACL{}, fmt.Errorf("acl: decode: %w", err)
	}
	if s.V != storageVersion {
		return ACL{}, fmt.Errorf("acl: stored version %d, want %d", s.V, storageVersion)
	}
	a := ACL{Owner: Owner(s.Owner)}
	if len(s.Grants) > 0 {
		a.Grants = make([]Grant, len(s.Grants))
	}
	for i, g := range s.Grants {
		if !g.Permission.Valid() {
			return ACL{}, errors.New("acl: stored grant has permission " + string(g.Permission))
		}
		a.Grants[i] = Grant{Grantee{g.Type, g.ID, g.DisplayName, g.URI, g.Email}, g.Permission}
	}
	return a, nil
}
