package server_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/gureum/gureum/internal/server"
)

// TestKMSThroughSDK: aws-sdk-go-v2's own KMS client, over HTTPS with
// gureum's CA, reads every answer and error with its generated
// deserializers: keys, an alias, Encrypt/Decrypt bound to an encryption
// context, data keys, ReEncrypt, and KMS's typed errors.
func TestKMSThroughSDK(t *testing.T) {
	e := newTLSEnv(t, server.Config{})
	c := kms.NewFromConfig(e.awsConfig("test", "test", ""), func(o *kms.Options) { o.RetryMaxAttempts = 1 })
	key, err := c.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String("sdk"), Tags: []kmstypes.Tag{{TagKey: aws.String("team"), TagValue: aws.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	md := key.KeyMetadata
	if md.KeyState != kmstypes.KeyStateEnabled || md.KeySpec != kmstypes.KeySpecSymmetricDefault || md.KeyManager != kmstypes.KeyManagerTypeCustomer || md.CreationDate == nil {
		t.Fatalf("CreateKey: %+v", md)
	}
	if _, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/sdk"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/sdk")})
	if err != nil || aws.ToString(d.KeyMetadata.Arn) != aws.ToString(md.Arn) {
		t.Fatalf("DescribeKey by alias: %+v %v", d, err)
	}
	encCtx := map[string]string{"app": "web"}
	ct, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/sdk"), Plaintext: []byte("a secret"), EncryptionContext: encCtx})
	if err != nil || aws.ToString(ct.KeyId) != aws.ToString(md.Arn) || bytes.Contains(ct.CiphertextBlob, []byte("a secret")) {
		t.Fatalf("Encrypt: %+v %v", ct, err)
	}
	pt, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: ct.CiphertextBlob, EncryptionContext: encCtx})
	if err != nil || string(pt.Plaintext) != "a secret" {
		t.Fatalf("Decrypt: %+v %v", pt, err)
	}
	_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: ct.CiphertextBlob, EncryptionContext: map[string]string{"app": "other"}})
	var bad *kmstypes.InvalidCiphertextException
	if !errors.As(err, &bad) {
		t.Fatalf("Decrypt with another context: %v", err)
	}
	dk, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: md.KeyId, KeySpec: kmstypes.DataKeySpecAes256})
	if err != nil || len(dk.Plaintext) != 32 || len(dk.CiphertextBlob) == 0 {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	other, err := c.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	re, err := c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: dk.CiphertextBlob, DestinationKeyId: other.KeyMetadata.KeyId})
	if err != nil || aws.ToString(re.KeyId) != aws.ToString(other.KeyMetadata.Arn) {
		t.Fatalf("ReEncrypt: %+v %v", re, err)
	}
	back, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob})
	if err != nil || !bytes.Equal(back.Plaintext, dk.Plaintext) {
		t.Fatalf("Decrypt after ReEncrypt: %v", err)
	}
	// Typed errors.
	_, err = c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/nothing-here")})
	var nf *kmstypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeKey of a missing alias: %v", err)
	}
	if _, err := c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
	var dis *kmstypes.DisabledException
	if !errors.As(err, &dis) {
		t.Fatalf("Encrypt with a disabled key: %v", err)
	}
	_, err = c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: ct.CiphertextBlob, EncryptionContext: encCtx})
	var state *kmstypes.KMSInvalidStateException
	if !errors.As(err, &state) {
		t.Fatalf("Decrypt with a key pending deletion: %v", err)
	}
	keys, err := c.ListKeys(ctx(), &kms.ListKeysInput{})
	if err != nil || len(keys.Keys) < 2 {
		t.Fatalf("ListKeys: %+v %v", keys, err)
	}
	aliases, err := c.ListAliases(ctx(), &kms.ListAliasesInput{})
	found := false
	for _, a := range aliases.Aliases {
		found = found || aws.ToString(a.AliasName) == "alias/sdk"
	}
	if err != nil || !found {
		t.Fatalf("ListAliases: %+v %v", aliases, err)
	}
	tags, err := c.ListResourceTags(ctx(), &kms.ListResourceTagsInput{KeyId: md.KeyId})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagKey) != "team" {
		t.Fatalf("ListResourceTags: %+v %v", tags, err)
	}
}
