package kms

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, the default
// key policy and KMS's checks of a new one.

// defaultKeyPolicy is the key policy KMS gives a key made without one:
// the account's root gets kms:*, which lets the account's IAM policies
// speak for the key
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
func defaultKeyPolicy(account string) string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Id":      "key-default-1",
		"Statement": []any{map[string]any{
			"Sid":       "Enable IAM User Permissions",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"},
			"Action":    "kms:*",
			"Resource":  "*",
		}},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return string(b)
}

type getKeyPolicyInput struct {
	KeyID      string  `json:"KeyId" aws:"required,min=1,max=2048"`
	PolicyName *string `json:"PolicyName" aws:"min=1,max=128"`
}

type getKeyPolicyOutput struct {
	Policy     string `json:"Policy"`
	PolicyName string `json:"PolicyName"`
}

type putKeyPolicyInput struct {
	KeyID                          string  `json:"KeyId" aws:"required,min=1,max=2048"`
	PolicyName                     *string `json:"PolicyName" aws:"min=1,max=128"`
	Policy                         string  `json:"Policy" aws:"required,min=1,max=131072"`
	BypassPolicyLockoutSafetyCheck bool    `json:"BypassPolicyLockoutSafetyCheck"`
}

type listKeyPoliciesInput struct {
	KeyID  string  `json:"KeyId" aws:"required,min=1,max=2048"`
	Limit  *int32  `json:"Limit" aws:"min=1,max=1000"`
	Marker *string `json:"Marker" aws:"min=1,max=1024"`
}

type listKeyPoliciesOutput struct {
	PolicyNames []string `json:"PolicyNames"`
	Truncated   bool     `json:"Truncated"`
}

func (s *Service) registerPolicies() {
	add(s, "GetKeyPolicy", "kms:GetKeyPolicy", func(ctx context.Context, in *getKeyPolicyInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, false, "kms:GetKeyPolicy", "")
	}, s.getKeyPolicy)
	add(s, "PutKeyPolicy", "kms:PutKeyPolicy", func(ctx context.Context, in *putKeyPolicyInput) ([]need, error) {
		nds, err := s.onKey(ctx, in.KeyID, false, "kms:PutKeyPolicy", "")
		if err == nil {
			nds[0].keys.Set("kms:BypassPolicyLockoutSafetyCheck", fmt.Sprint(in.BypassPolicyLockoutSafetyCheck))
		}
		return nds, err
	}, s.putKeyPolicy)
	add(s, "ListKeyPolicies", "kms:ListKeyPolicies", func(ctx context.Context, in *listKeyPoliciesInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, false, "kms:ListKeyPolicies", "")
	}, s.listKeyPolicies)
}

// policyName checks a PolicyName: a key has one policy, "default".
func policyName(name *string) error {
	if name != nil && *name != "default" {
		return errNotFound("No such policy exists")
	}
	return nil
}

func (s *Service) getKeyPolicy(ctx context.Context, in *getKeyPolicyInput) (*getKeyPolicyOutput, error) {
	if err := policyName(in.PolicyName); err != nil {
		return nil, err
	}
	k, _, err := s.key(ctx, in.KeyID, false)
	if err != nil {
		return nil, err
	}
	return &getKeyPolicyOutput{Policy: k.Policy, PolicyName: "default"}, nil
}

func (s *Service) putKeyPolicy(ctx context.Context, in *putKeyPolicyInput) (*struct{}, error) {
	if in.PolicyName != nil && *in.PolicyName != "default" {
		return nil, errUnsupported("Only default policy is supported")
	}
	_, err := s.updateKey(ctx, in.KeyID, false, func(_ store.Tx, k *keyRecord) error {
		if err := s.checkKeyPolicy(ctx, k, in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
			return err
		}
		k.Policy = in.Policy
		return nil
	})
	return nil, err
}

func (s *Service) listKeyPolicies(ctx context.Context, in *listKeyPoliciesInput) (*listKeyPoliciesOutput, error) {
	if _, err := decodeMarker(in.Marker, "\x00"); err != nil {
		return nil, err // the one page has no next
	}
	if _, _, err := s.key(ctx, in.KeyID, false); err != nil {
		return nil, err
	}
	return &listKeyPoliciesOutput{PolicyNames: []string{"default"}}, nil
}

// checkKeyPolicy validates a key policy for k as CreateKey and
// PutKeyPolicy do: the policy language (every statement names its
// principals, as in any resource policy), and, unless bypassed, KMS's
// lockout safety check, that the caller could still change the policy
// under the new one
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key).
func (s *Service) checkKeyPolicy(ctx context.Context, k *keyRecord, doc string, bypass bool) error {
	for _, r := range doc {
		if !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF)) {
			return errValidation(`1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
		}
	}
	pol, err := policy.Parse([]byte(doc))
	if err != nil {
		return errMalformedPolicy(err.Error())
	}
	for i := range pol.Statements {
		if pol.Statements[i].Principal == nil && pol.Statements[i].NotPrincipal == nil {
			return errMalformedPolicy("Policy contains a statement with no principal.")
		}
	}
	if bypass {
		return nil
	}
	rc := request.From(ctx)
	in, err := s.identity(ctx, rc.Principal)
	if err != nil {
		return err
	}
	in.Resource = &policy.Source{Kind: policy.Resource, Name: "new key policy", Policy: pol}
	in.ResourceAccount = k.Account
	nd := keyNeed("kms:PutKeyPolicy", k, "")
	req := &policy.Request{Principal: authz.Principal(rc.Principal, ""), Action: "kms:PutKeyPolicy", Resource: k.ARN(),
		Context: nd.keys, Keys: s.conditionKeys(ctx, rc, &nd)}
	if res := policy.Evaluate(&in, req); !res.Allowed() || !allowedHere(res) {
		return errMalformedPolicy("The new key policy will not allow you to update the key policy in the future.")
	}
	return nil
}
