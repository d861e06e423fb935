package kms

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/gureum/gureum/internal/awsproto/awsjson"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// Keys: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
// ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription and
// GetKeyRotationStatus.

// KeyMetadata is KMS's KeyMetadata shape.
type KeyMetadata struct {
	AWSAccountID          string        `json:"AWSAccountId"`
	KeyID                 string        `json:"KeyId"`
	Arn                   string        `json:"Arn"`
	CreationDate          *awsjson.Time `json:"CreationDate,omitempty"`
	Enabled               bool          `json:"Enabled"`
	Description           string        `json:"Description"`
	KeyUsage              string        `json:"KeyUsage"`
	KeyState              string        `json:"KeyState"`
	DeletionDate          *awsjson.Time `json:"DeletionDate,omitempty"`
	Origin                string        `json:"Origin"`
	KeyManager            string        `json:"KeyManager"`
	CustomerMasterKeySpec string        `json:"CustomerMasterKeySpec"`
	KeySpec               string        `json:"KeySpec"`
	EncryptionAlgorithms  []string      `json:"EncryptionAlgorithms"`
	MultiRegion           bool          `json:"MultiRegion"`
}

func (k *keyRecord) metadata() *KeyMetadata {
	m := &KeyMetadata{
		AWSAccountID: k.Account, KeyID: k.ID, Arn: k.ARN(), CreationDate: awsjson.NewTime(k.Created),
		Enabled: k.State == stateEnabled, Description: k.Description, KeyUsage: "ENCRYPT_DECRYPT", KeyState: k.State,
		Origin: "AWS_KMS", KeyManager: k.Manager, CustomerMasterKeySpec: "SYMMETRIC_DEFAULT", KeySpec: "SYMMETRIC_DEFAULT",
		EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"},
	}
	if k.State == statePendingDeletion {
		m.DeletionDate = awsjson.NewTime(k.DeletionDate)
	}
	return m
}

// createKeyInput is CreateKeyRequest (the enums are botocore's).
type createKeyInput struct {
	Policy                         *string `json:"Policy" aws:"min=1,max=131072"`
	Description                    *string `json:"Description" aws:"max=8192"`
	KeyUsage                       *string `json:"KeyUsage" aws:"enum=SIGN_VERIFY|ENCRYPT_DECRYPT|GENERATE_VERIFY_MAC|KEY_AGREEMENT"`
	CustomerMasterKeySpec          *string `json:"CustomerMasterKeySpec" aws:"enum=RSA_2048|RSA_3072|RSA_4096|ECC_NIST_P256|ECC_NIST_P384|ECC_NIST_P521|ECC_SECG_P256K1|SYMMETRIC_DEFAULT|HMAC_224|HMAC_256|HMAC_384|HMAC_512|SM2"`
	KeySpec                        *string `json:"KeySpec" aws:"enum=RSA_2048|RSA_3072|RSA_4096|ECC_NIST_P256|ECC_NIST_P384|ECC_NIST_P521|ECC_SECG_P256K1|SYMMETRIC_DEFAULT|HMAC_224|HMAC_256|HMAC_384|HMAC_512|SM2|ML_DSA_44|ML_DSA_65|ML_DSA_87|ECC_NIST_EDWARDS25519"`
	Origin                         *string `json:"Origin" aws:"enum=AWS_KMS|EXTERNAL|AWS_CLOUDHSM|EXTERNAL_KEY_STORE"`
	CustomKeyStoreID               *string `json:"CustomKeyStoreId" aws:"min=1,max=64"`
	BypassPolicyLockoutSafetyCheck bool    `json:"BypassPolicyLockoutSafetyCheck"`
	Tags                           []Tag   `json:"Tags"`
	MultiRegion                    *bool   `json:"MultiRegion"`
	XksKeyID                       *string `json:"XksKeyId" aws:"min=1,max=128"`
}

type keyMetadataOutput struct {
	KeyMetadata *KeyMetadata `json:"KeyMetadata"`
}

type keyIDInput struct {
	KeyID string `json:"KeyId" aws:"required,min=1,max=2048"`
}

type describeKeyInput struct {
	KeyID       string   `json:"KeyId" aws:"required,min=1,max=2048"`
	GrantTokens []string `json:"GrantTokens" aws:"max=10"`
}

type listKeysInput struct {
	Limit  *int32  `json:"Limit" aws:"min=1,max=1000"`
	Marker *string `json:"Marker" aws:"min=1,max=1024"`
}

// KeyListEntry is KMS's KeyListEntry shape.
type KeyListEntry struct {
	KeyID  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
}

type listKeysOutput struct {
	Keys       []KeyListEntry `json:"Keys"`
	NextMarker *string        `json:"NextMarker,omitempty"`
	Truncated  bool           `json:"Truncated"`
}

type scheduleKeyDeletionInput struct {
	KeyID               string `json:"KeyId" aws:"required,min=1,max=2048"`
	PendingWindowInDays *int32 `json:"PendingWindowInDays" aws:"min=1,max=365"`
}

type scheduleKeyDeletionOutput struct {
	KeyID               string        `json:"KeyId"`
	DeletionDate        *awsjson.Time `json:"DeletionDate"`
	KeyState            string        `json:"KeyState"`
	PendingWindowInDays int32         `json:"PendingWindowInDays"`
}

type keyIDOutput struct {
	KeyID string `json:"KeyId"`
}

type updateKeyDescriptionInput struct {
	KeyID       string  `json:"KeyId" aws:"required,min=1,max=2048"`
	Description *string `json:"Description" aws:"required,max=8192"`
}

type getKeyRotationStatusOutput struct {
	KeyRotationEnabled bool   `json:"KeyRotationEnabled"`
	KeyID              string `json:"KeyId"`
}

func (s *Service) registerKeys() {
	add(s, "CreateKey", "kms:CreateKey", s.createKeyNeeds, s.createKey)
	add(s, "DescribeKey", "kms:DescribeKey", func(ctx context.Context, in *describeKeyInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, true, "kms:DescribeKey", "DescribeKey")
	}, s.describeKey)
	add(s, "ListKeys", "kms:ListKeys", everywhere[listKeysInput]("kms:ListKeys"), s.listKeys)
	add(s, "EnableKey", "kms:EnableKey", s.keyIDNeeds("kms:EnableKey"), s.enableKey)
	add(s, "DisableKey", "kms:DisableKey", s.keyIDNeeds("kms:DisableKey"), s.disableKey)
	add(s, "ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", func(ctx context.Context, in *scheduleKeyDeletionInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, false, "kms:ScheduleKeyDeletion", "")
	}, s.scheduleKeyDeletion)
	add(s, "CancelKeyDeletion", "kms:CancelKeyDeletion", s.keyIDNeeds("kms:CancelKeyDeletion"), s.cancelKeyDeletion)
	add(s, "UpdateKeyDescription", "kms:UpdateKeyDescription", func(ctx context.Context, in *updateKeyDescriptionInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, false, "kms:UpdateKeyDescription", "")
	}, s.updateKeyDescription)
	add(s, "GetKeyRotationStatus", "kms:GetKeyRotationStatus", func(ctx context.Context, in *keyIDInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, true, "kms:GetKeyRotationStatus", "")
	}, s.getKeyRotationStatus)
}

// onKey is the need of an action on the key a parameter names.
func (s *Service) onKey(ctx context.Context, text string, cross bool, action, grantOp string) ([]need, error) {
	k, r, err := s.key(ctx, text, cross)
	if err != nil {
		return nil, err
	}
	nd := keyNeed(action, k, grantOp)
	if r.alias != "" {
		nd.keys.Set("kms:RequestAlias", r.alias)
	}
	return []need{nd}, nil
}

func (s *Service) keyIDNeeds(action string) func(context.Context, *keyIDInput) ([]need, error) {
	return func(ctx context.Context, in *keyIDInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, false, action, "")
	}
}

// everywhere is the need of an action on no particular resource ("*"),
// judged by identity policies alone.
func everywhere[I any](action string) func(context.Context, *I) ([]need, error) {
	return func(context.Context, *I) ([]need, error) {
		return []need{{action: action, arn: "*", keys: policy.Context{}}}, nil
	}
}

func (s *Service) createKeyNeeds(_ context.Context, in *createKeyInput) ([]need, error) {
	nd := need{action: "kms:CreateKey", arn: "*", keys: policy.Context{}}
	nd.keys.Set("kms:KeySpec", deref(in.KeySpec, deref(in.CustomerMasterKeySpec, "SYMMETRIC_DEFAULT")))
	nd.keys.Set("kms:KeyUsage", deref(in.KeyUsage, "ENCRYPT_DECRYPT"))
	nd.keys.Set("kms:KeyOrigin", deref(in.Origin, "AWS_KMS"))
	nd.keys.Set("kms:MultiRegion", fmt.Sprint(in.MultiRegion != nil && *in.MultiRegion))
	nd.keys.Set("kms:BypassPolicyLockoutSafetyCheck", fmt.Sprint(in.BypassPolicyLockoutSafetyCheck))
	requestTags(nd.keys, in.Tags)
	return []need{nd}, nil
}

func deref(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// createKey makes a symmetric encryption key (the only kind gureum's KMS
// makes) with 256 bits of fresh key material.
func (s *Service) createKey(ctx context.Context, in *createKeyInput) (*keyMetadataOutput, error) {
	spec := deref(in.KeySpec, deref(in.CustomerMasterKeySpec, "SYMMETRIC_DEFAULT"))
	if in.KeySpec != nil && in.CustomerMasterKeySpec != nil && *in.KeySpec != *in.CustomerMasterKeySpec {
		return nil, errValidation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec parameter instead.")
	}
	usage := deref(in.KeyUsage, "ENCRYPT_DECRYPT")
	switch {
	case spec != "SYMMETRIC_DEFAULT":
		return nil, errNotImplemented("gureum's KMS makes symmetric encryption keys only (KeySpec SYMMETRIC_DEFAULT); " + spec + " is not implemented.")
	case usage != "ENCRYPT_DECRYPT":
		return nil, errValidation("KeyUsage " + usage + " is not compatible with KeySpec " + spec)
	case deref(in.Origin, "AWS_KMS") != "AWS_KMS":
		return nil, errNotImplemented("gureum's KMS makes its own key material only (Origin AWS_KMS); Origin " + *in.Origin + " is not implemented.")
	case in.CustomKeyStoreID != nil || in.XksKeyID != nil:
		return nil, errNotImplemented("gureum's KMS has no custom key stores.")
	case in.MultiRegion != nil && *in.MultiRegion:
		return nil, errNotImplemented("gureum's KMS has no multi-Region keys.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sc := callerScope(ctx)
	k := &keyRecord{Account: sc.account, Region: sc.region, ID: newKeyID(), Created: s.now().UTC(),
		Description: deref(in.Description, ""), State: stateEnabled, Manager: "CUSTOMER"}
	// The default policy always leaves the account in charge; a policy
	// of the caller's own is checked as PutKeyPolicy checks it.
	k.Policy = defaultKeyPolicy(sc.account)
	if in.Policy != nil {
		if err := s.checkKeyPolicy(ctx, k, *in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
			return nil, err
		}
		k.Policy = *in.Policy
	}
	k.Tags = mergeTags(nil, in.Tags)
	if err := s.putNewKey(ctx, k, nil); err != nil {
		return nil, err
	}
	return &keyMetadataOutput{KeyMetadata: k.metadata()}, nil
}

// putNewKey stores a new key with fresh material; also runs fn in the
// same transaction (an AWS managed key's alias).
func (s *Service) putNewKey(ctx context.Context, k *keyRecord, fn func(tx store.Tx) error) error {
	material := make([]byte, 32)
	if _, err := rand.Read(material); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		if err := putJSON(tx, tKeys, string(k.name()), k); err != nil {
			return err
		}
		if err := tx.Put(tMaterial, k.name(), material); err != nil {
			return err
		}
		if fn != nil {
			return fn(tx)
		}
		return nil
	})
}

// newKeyID is a key id: a random (version 4) UUID, as AWS's are.
func newKeyID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *Service) describeKey(ctx context.Context, in *describeKeyInput) (*keyMetadataOutput, error) {
	k, _, err := s.key(ctx, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	return &keyMetadataOutput{KeyMetadata: k.metadata()}, nil
}

// listKeys lists the keys of the caller's account in the region, AWS
// managed ones included, in key id order.
func (s *Service) listKeys(ctx context.Context, in *listKeysInput) (*listKeysOutput, error) {
	prefix := callerScope(ctx).prefix()
	start, err := decodeMarker(in.Marker, prefix)
	if err != nil {
		return nil, err
	}
	n := limit(in.Limit, 100, 1000)
	out := &listKeysOutput{Keys: []KeyListEntry{}}
	now := s.now()
	err = s.store.View(ctx, func(tx store.Tx) error {
		return scanJSONFrom(tx, tKeys, prefix, start, func(name string, k *keyRecord) bool {
			if k.gone(now) {
				return true
			}
			if len(out.Keys) == n {
				m := encodeMarker(name)
				out.NextMarker, out.Truncated = &m, true
				return false
			}
			out.Keys = append(out.Keys, KeyListEntry{KeyID: k.ID, KeyArn: k.ARN()})
			return true
		})
	})
	return out, err
}

func (s *Service) enableKey(ctx context.Context, in *keyIDInput) (*struct{}, error) {
	_, err := s.updateKey(ctx, in.KeyID, false, func(_ store.Tx, k *keyRecord) error {
		if err := k.notPending(); err != nil {
			return err
		}
		k.State = stateEnabled
		return nil
	})
	return nil, err
}

func (s *Service) disableKey(ctx context.Context, in *keyIDInput) (*struct{}, error) {
	_, err := s.updateKey(ctx, in.KeyID, false, func(_ store.Tx, k *keyRecord) error {
		if err := k.notPending(); err != nil {
			return err
		}
		k.State = stateDisabled
		return nil
	})
	return nil, err
}

// scheduleKeyDeletion starts a key's waiting period (7 to 30 days,
// default 30); the reconciler deletes it, with its material, aliases and
// grants, when the period ends.
func (s *Service) scheduleKeyDeletion(ctx context.Context, in *scheduleKeyDeletionInput) (*scheduleKeyDeletionOutput, error) {
	days := int32(30)
	if in.PendingWindowInDays != nil {
		days = *in.PendingWindowInDays
	}
	if days < 7 || days > 30 {
		return nil, errValidation(fmt.Sprintf("PendingWindowInDays should be between 7 and 30, but it is %d", days))
	}
	k, err := s.updateKey(ctx, in.KeyID, false, func(tx store.Tx, k *keyRecord) error {
		if err := k.notPending(); err != nil {
			return err
		}
		k.State = statePendingDeletion
		k.DeletionDate = s.now().UTC().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Second)
		if s.rec != nil {
			return reconcile.Add(tx, deletionKind, string(k.name()), k.DeletionDate)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &scheduleKeyDeletionOutput{KeyID: k.ARN(), DeletionDate: awsjson.NewTime(k.DeletionDate), KeyState: k.State, PendingWindowInDays: days}, nil
}

// cancelKeyDeletion ends a waiting period; the key is then Disabled, as
// AWS leaves it.
func (s *Service) cancelKeyDeletion(ctx context.Context, in *keyIDInput) (*keyIDOutput, error) {
	k, err := s.updateKey(ctx, in.KeyID, false, func(tx store.Tx, k *keyRecord) error {
		if k.State != statePendingDeletion {
			return errInvalidState(k.ARN() + " is not pending deletion.")
		}
		k.State, k.DeletionDate = stateDisabled, time.Time{}
		if s.rec != nil {
			return reconcile.Remove(tx, deletionKind, string(k.name()))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &keyIDOutput{KeyID: k.ARN()}, nil
}

func (s *Service) updateKeyDescription(ctx context.Context, in *updateKeyDescriptionInput) (*struct{}, error) {
	_, err := s.updateKey(ctx, in.KeyID, false, func(_ store.Tx, k *keyRecord) error {
		if err := k.notPending(); err != nil {
			return err
		}
		k.Description = *in.Description
		return nil
	})
	return nil, err
}

// getKeyRotationStatus answers that the key's material is not rotated,
// which is the truth: gureum's keys keep the material they were made with.
func (s *Service) getKeyRotationStatus(ctx context.Context, in *keyIDInput) (*getKeyRotationStatusOutput, error) {
	k, _, err := s.key(ctx, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	return &getKeyRotationStatusOutput{KeyID: k.ID}, nil
}

// deleteDue is the reconciler's deletion of a key whose waiting period
// has ended: the record, the material, its aliases and grants.
func (s *Service) deleteDue(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	var again time.Duration
	err := s.store.Update(ctx, func(tx store.Tx) error {
		again = 0
		k, err := getJSON[keyRecord](tx, tKeys, it.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if k.State != statePendingDeletion {
			return nil
		}
		if now := s.now(); now.Before(k.DeletionDate) {
			again = k.DeletionDate.Sub(now)
			return nil
		}
		return deleteKey(tx, k)
	})
	return again, err
}

// deleteKey removes a key and everything that refers to it.
func deleteKey(tx store.Tx, k *keyRecord) error {
	for _, name := range aliasesOf(tx, k) {
		if err := tx.Delete(tAliases, []byte(k.scope().prefix()+name)); err != nil {
			return err
		}
	}
	var grants []*grantRecord
	if err := scanJSON[grantRecord](tx, tGrants, string(k.name())+"/", func(_ string, g *grantRecord) bool {
		grants = append(grants, g)
		return true
	}); err != nil {
		return err
	}
	for _, g := range grants {
		if err := deleteGrant(tx, k, g); err != nil {
			return err
		}
	}
	if err := tx.Delete(tMaterial, k.name()); err != nil {
		return err
	}
	return tx.Delete(tKeys, k.name())
}
