package kms

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/gureum/gureum/internal/awsproto/awsjson"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// Aliases: CreateAlias, DeleteAlias, ListAliases and UpdateAlias, and the
// AWS managed aliases (alias/aws/s3 …), whose keys KMS makes the first
// time anything uses them.

// managedAliases are the AWS managed aliases every account has, each with
// the service whose calls its key serves (the kms:ViaService of its key
// policy, as <service>.<region>.amazonaws.com). ListAliases shows them
// before their keys exist, without a TargetKeyId, as AWS does.
var managedAliases = map[string]string{
	"alias/aws/acm":               "acm",
	"alias/aws/backup":            "backup",
	"alias/aws/codecommit":        "codecommit",
	"alias/aws/dynamodb":          "dynamodb",
	"alias/aws/ebs":               "ec2",
	"alias/aws/elasticfilesystem": "elasticfilesystem",
	"alias/aws/es":                "es",
	"alias/aws/glue":              "glue",
	"alias/aws/kinesis":           "kinesis",
	"alias/aws/kinesisvideo":      "kinesisvideo",
	"alias/aws/lambda":            "lambda",
	"alias/aws/rds":               "rds",
	"alias/aws/redshift":          "redshift",
	"alias/aws/s3":                "s3",
	"alias/aws/secretsmanager":    "secretsmanager",
	"alias/aws/sns":               "sns",
	"alias/aws/sqs":               "sqs",
	"alias/aws/ssm":               "ssm",
	"alias/aws/xray":              "xray",
}

// managedDescriptions are the descriptions AWS gives some managed keys.
var managedDescriptions = map[string]string{
	"alias/aws/s3":  "Default master key that protects my S3 objects when no other key is defined",
	"alias/aws/ebs": "Default master key that protects my EBS volumes when no other key is defined",
}

// managedKeyPolicy is the key policy of an AWS managed key: every
// principal of the account may use it through its service (only), and
// the account may read its metadata. This is the policy of alias/aws/s3
// (Id auto-s3-2) with the service put in; it is also why a user cannot
// disable, delete or re-police an AWS managed key: nothing allows it.
func managedKeyPolicy(alias string, sc scope) string {
	svc := managedAliases[alias]
	name := strings.TrimPrefix(alias, "alias/aws/")
	doc := map[string]any{
		"Version": "2012-10-17",
		"Id":      "auto-" + name + "-2",
		"Statement": []any{
			map[string]any{
				"Sid":       "Allow access through " + strings.ToUpper(name) + " for all principals in the account that are authorized to use " + strings.ToUpper(name),
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
				"Resource":  "*",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"kms:ViaService":    svc + "." + sc.region + ".amazonaws.com",
					"kms:CallerAccount": sc.account,
				}},
			},
			map[string]any{
				"Sid":       "Allow direct access to key metadata to the account",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + sc.account + ":root"},
				"Action":    []string{"kms:Describe*", "kms:Get*", "kms:List*"},
				"Resource":  "*",
			},
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return string(b)
}

// ensureManaged makes the key of an AWS managed alias in sc, if it has
// none yet.
func (s *Service) ensureManaged(ctx context.Context, sc scope, alias string) error {
	k := &keyRecord{Account: sc.account, Region: sc.region, ID: newKeyID(), Created: s.now().UTC(),
		Description: managedDescriptions[alias], State: stateEnabled, Manager: "AWS", Policy: managedKeyPolicy(alias, sc)}
	if k.Description == "" {
		k.Description = "Default key that protects my " + strings.TrimPrefix(alias, "alias/aws/") + " resources when no other key is defined"
	}
	exists := false
	err := s.putNewKey(ctx, k, func(tx store.Tx) error {
		switch ok, err := present(tx, tAliases, sc.prefix()+alias); {
		case err != nil:
			return err
		case ok:
			exists = true
			return errExists
		}
		return putJSON(tx, tAliases, sc.prefix()+alias, aliasRecord{KeyID: k.ID, Created: k.Created, Updated: k.Created})
	})
	if exists {
		return nil
	}
	return err
}

// errExists rolls back a transaction that found its work done.
var errExists = store.ErrExists

type aliasInput struct {
	AliasName   string `json:"AliasName" aws:"required,min=1,max=256"`
	TargetKeyID string `json:"TargetKeyId" aws:"required,min=1,max=2048"`
}

type deleteAliasInput struct {
	AliasName string `json:"AliasName" aws:"required,min=1,max=256"`
}

type listAliasesInput struct {
	KeyID  *string `json:"KeyId" aws:"min=1,max=2048"`
	Limit  *int32  `json:"Limit" aws:"min=1,max=1000"`
	Marker *string `json:"Marker" aws:"min=1,max=1024"`
}

// AliasListEntry is KMS's AliasListEntry shape.
type AliasListEntry struct {
	AliasName       string        `json:"AliasName"`
	AliasArn        string        `json:"AliasArn"`
	TargetKeyID     string        `json:"TargetKeyId,omitempty"`
	CreationDate    *awsjson.Time `json:"CreationDate,omitempty"`
	LastUpdatedDate *awsjson.Time `json:"LastUpdatedDate,omitempty"`
}

type listAliasesOutput struct {
	Aliases    []AliasListEntry `json:"Aliases"`
	NextMarker *string          `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

func (s *Service) registerAliases() {
	add(s, "CreateAlias", "kms:CreateAlias", s.createAliasNeeds, s.createAlias)
	add(s, "DeleteAlias", "kms:DeleteAlias", s.deleteAliasNeeds, s.deleteAlias)
	add(s, "UpdateAlias", "kms:UpdateAlias", s.updateAliasNeeds, s.updateAlias)
	add(s, "ListAliases", "kms:ListAliases", everywhere[listAliasesInput]("kms:ListAliases"), s.listAliases)
}

var aliasRE = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)

// checkAliasName applies KMS's rules to an alias name a user would
// create, change or delete.
func checkAliasName(name string) error {
	switch {
	case !aliasRE.MatchString(name):
		return errValidation("1 validation error detected: Value '" + name + "' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	case !strings.HasPrefix(name, "alias/"):
		return errValidation(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	case strings.HasPrefix(name, "alias/aws/"):
		return errNotAuthorized()
	case strings.Contains(name, ":") || name == "alias/":
		return errValidation(name + " contains invalid characters for an alias")
	}
	return nil
}

// targetKey resolves the key an alias is to point at: a key of the
// caller's own account, named by id or ARN (never another alias).
// liveTargetKey is targetKey for an alias to point at: not a key pending
// deletion.
func (s *Service) liveTargetKey(ctx context.Context, text string) (*keyRecord, error) {
	k, err := s.targetKey(ctx, text)
	if err != nil {
		return nil, err
	}
	return k, k.notPending()
}

func (s *Service) targetKey(ctx context.Context, text string) (*keyRecord, error) {
	if strings.HasPrefix(text, "alias/") || (strings.HasPrefix(text, "arn:") && strings.Contains(text, ":alias/")) {
		return nil, errValidation("Aliases must refer to keys. Not aliases")
	}
	k, _, err := s.key(ctx, text, false)
	return k, err
}

// aliasNeeds is the need of an action on an alias itself: identity
// policies alone, as aliases have no policy of their own.
func aliasNeed(action string, sc scope, name string) need {
	nd := need{action: action, arn: sc.aliasARN(name), keys: policy.Context{}}
	return nd
}

func (s *Service) createAliasNeeds(ctx context.Context, in *aliasInput) ([]need, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	k, err := s.targetKey(ctx, in.TargetKeyID)
	if err != nil {
		return nil, err
	}
	return []need{aliasNeed("kms:CreateAlias", callerScope(ctx), in.AliasName), keyNeed("kms:CreateAlias", k, "")}, nil
}

func (s *Service) createAlias(ctx context.Context, in *aliasInput) (*struct{}, error) {
	k, err := s.liveTargetKey(ctx, in.TargetKeyID)
	if err != nil {
		return nil, err
	}
	sc := callerScope(ctx)
	now := s.now().UTC()
	return nil, s.store.Update(ctx, func(tx store.Tx) error {
		switch ok, err := present(tx, tAliases, sc.prefix()+in.AliasName); {
		case err != nil:
			return err
		case ok:
			return errAlreadyExists("An alias with the name " + sc.aliasARN(in.AliasName) + " already exists")
		}
		switch ok, err := present(tx, tKeys, string(k.name())); {
		case err != nil:
			return err
		case !ok:
			return errKeyNotFound(k.ARN())
		}
		return putJSON(tx, tAliases, sc.prefix()+in.AliasName, aliasRecord{KeyID: k.ID, Created: now, Updated: now})
	})
}

// alias reads an alias of the caller's scope.
func (s *Service) alias(ctx context.Context, name string) (*aliasRecord, *keyRecord, error) {
	sc := callerScope(ctx)
	var a *aliasRecord
	var k *keyRecord
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		a, err = getJSON[aliasRecord](tx, tAliases, sc.prefix()+name)
		if errors.Is(err, store.ErrNotFound) {
			return errAliasNotFound(sc.aliasARN(name))
		}
		if err != nil {
			return err
		}
		k, err = getJSON[keyRecord](tx, tKeys, sc.prefix()+a.KeyID)
		if errors.Is(err, store.ErrNotFound) {
			return errAliasNotFound(sc.aliasARN(name))
		}
		return err
	})
	return a, k, err
}

func (s *Service) deleteAliasNeeds(ctx context.Context, in *deleteAliasInput) ([]need, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	_, k, err := s.alias(ctx, in.AliasName)
	if err != nil {
		return nil, err
	}
	return []need{aliasNeed("kms:DeleteAlias", callerScope(ctx), in.AliasName), keyNeed("kms:DeleteAlias", k, "")}, nil
}

func (s *Service) deleteAlias(ctx context.Context, in *deleteAliasInput) (*struct{}, error) {
	sc := callerScope(ctx)
	return nil, s.store.Update(ctx, func(tx store.Tx) error {
		switch ok, err := present(tx, tAliases, sc.prefix()+in.AliasName); {
		case err != nil:
			return err
		case !ok:
			return errAliasNotFound(sc.aliasARN(in.AliasName))
		}
		return tx.Delete(tAliases, []byte(sc.prefix()+in.AliasName))
	})
}

func (s *Service) updateAliasNeeds(ctx context.Context, in *aliasInput) ([]need, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	_, old, err := s.alias(ctx, in.AliasName)
	if err != nil {
		return nil, err
	}
	k, err := s.targetKey(ctx, in.TargetKeyID)
	if err != nil {
		return nil, err
	}
	sc := callerScope(ctx)
	return []need{aliasNeed("kms:UpdateAlias", sc, in.AliasName), keyNeed("kms:UpdateAlias", old, ""), keyNeed("kms:UpdateAlias", k, "")}, nil
}

// updateAlias points an alias at another key; the new key may not be
// pending deletion (the old one may).
func (s *Service) updateAlias(ctx context.Context, in *aliasInput) (*struct{}, error) {
	k, err := s.liveTargetKey(ctx, in.TargetKeyID)
	if err != nil {
		return nil, err
	}
	sc := callerScope(ctx)
	return nil, s.store.Update(ctx, func(tx store.Tx) error {
		a, err := getJSON[aliasRecord](tx, tAliases, sc.prefix()+in.AliasName)
		if errors.Is(err, store.ErrNotFound) {
			return errAliasNotFound(sc.aliasARN(in.AliasName))
		}
		if err != nil {
			return err
		}
		a.KeyID, a.Updated = k.ID, s.now().UTC()
		return putJSON(tx, tAliases, sc.prefix()+in.AliasName, a)
	})
}

// listAliases lists the aliases of the caller's account in the region,
// by name: its own, and the AWS managed ones (those whose key does not
// exist yet without a TargetKeyId); with KeyId, only that key's.
func (s *Service) listAliases(ctx context.Context, in *listAliasesInput) (*listAliasesOutput, error) {
	sc := callerScope(ctx)
	var only *keyRecord
	if in.KeyID != nil {
		k, _, err := s.key(ctx, *in.KeyID, false)
		if err != nil {
			return nil, err
		}
		only = k
	}
	start, err := decodeMarker(in.Marker, sc.prefix())
	if err != nil {
		return nil, err
	}
	var all []AliasListEntry
	seen := map[string]bool{}
	now := s.now()
	err = s.store.View(ctx, func(tx store.Tx) error {
		return scanJSON[aliasRecord](tx, tAliases, sc.prefix(), func(name string, a *aliasRecord) bool {
			alias := strings.TrimPrefix(name, sc.prefix())
			seen[alias] = true
			if only != nil && a.KeyID != only.ID {
				return true
			}
			if k, err := getJSON[keyRecord](tx, tKeys, sc.prefix()+a.KeyID); err != nil || k.gone(now) {
				return true
			}
			all = append(all, AliasListEntry{AliasName: alias, AliasArn: sc.aliasARN(alias), TargetKeyID: a.KeyID,
				CreationDate: awsjson.NewTime(a.Created), LastUpdatedDate: awsjson.NewTime(a.Updated)})
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	if only == nil {
		for alias := range managedAliases {
			if !seen[alias] {
				all = append(all, AliasListEntry{AliasName: alias, AliasArn: sc.aliasARN(alias)})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].AliasName < all[j].AliasName })
	n := limit(in.Limit, 50, 100)
	out := &listAliasesOutput{Aliases: []AliasListEntry{}}
	for _, a := range all {
		if sc.prefix()+a.AliasName < start {
			continue
		}
		if len(out.Aliases) == n {
			m := encodeMarker(sc.prefix() + a.AliasName)
			out.NextMarker, out.Truncated = &m, true
			break
		}
		out.Aliases = append(out.Aliases, a)
	}
	return out, nil
}

// aliasesOf returns the names of a key's aliases.
func aliasesOf(tx store.Tx, k *keyRecord) []string {
	var names []string
	prefix := k.scope().prefix()
	_ = scanJSON[aliasRecord](tx, tAliases, prefix, func(name string, a *aliasRecord) bool {
		if a.KeyID == k.ID {
			names = append(names, strings.TrimPrefix(name, prefix))
		}
		return true
	})
	return names
}
