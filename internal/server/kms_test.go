package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/request"
)

// KMS against the server in-process, over the wire as the SDKs speak it:
// SigV4 with the credential scope kms (aws-sdk-go-v2's signer), POST / with
// X-Amz-Target TrentService.<Operation> and JSON 1.1 bodies, errors read
// from __type and message as smithy-go reads them. (boto3 parses the same
// answers with botocore's model of KMS: tests/clients/kms_boto3.py.)

// kmsClient is one caller of KMS.
type kmsClient struct {
	e              *testEnv
	ak, sk, region string
}

func (e *testEnv) kmsAs(ak, sk string) kmsClient { return kmsClient{e, ak, sk, "us-east-1"} }

// rootKMS is the default account's root; altKMS the other account's.
func (e *testEnv) rootKMS() kmsClient { return e.kmsAs("test", "test") }
func (e *testEnv) altKMS() kmsClient {
	return e.kmsAs(testAccounts[1].AccessKey, testAccounts[1].SecretKey)
}

// kmsError is an error answer: smithy.APIError (the code and message the
// SDKs show) and its HTTP status, for wantCode and wantStatus.
type kmsError struct {
	*smithy.GenericAPIError
	status int
}

func (e *kmsError) Error() string       { return fmt.Sprintf("%d %s: %s", e.status, e.Code, e.Message) }
func (e *kmsError) HTTPStatusCode() int { return e.status }

// call sends one operation; out, when not nil, receives the answer.
func (c kmsClient) call(op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, b, err := c.e.postSigned("kms", c.region, c.ak, c.sk, body, "Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "TrentService."+op)
	if err != nil {
		return err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		return fmt.Errorf("%s: Content-Type %q", op, ct)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(b, &e); err != nil || e.Type == "" {
			return fmt.Errorf("%s: %d without a JSON error: %s", op, resp.StatusCode, b)
		}
		return &kmsError{&smithy.GenericAPIError{Code: e.Type, Message: e.Message}, resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: %v: %s", op, err, b)
	}
	return nil
}

// must is call that fails the test on an error.
func (c kmsClient) must(op string, in, out any) {
	c.e.t.Helper()
	if err := c.call(op, in, out); err != nil {
		c.e.t.Fatalf("%s: %v", op, err)
	}
}

// obj is a JSON object of KMS's members.
type obj = map[string]any

// The shapes the tests read (botocore's names).
type keyMetadata struct {
	AWSAccountID string   `json:"AWSAccountId"`
	KeyID        string   `json:"KeyId"`
	Arn          string   `json:"Arn"`
	CreationDate *float64 `json:"CreationDate"`
	Enabled      bool     `json:"Enabled"`
	Description  string   `json:"Description"`
	KeyUsage     string   `json:"KeyUsage"`
	KeyState     string   `json:"KeyState"`
	DeletionDate *float64 `json:"DeletionDate"`
	KeyManager   string   `json:"KeyManager"`
	KeySpec      string   `json:"KeySpec"`
}

type keyOutput struct {
	KeyMetadata keyMetadata `json:"KeyMetadata"`
}

type cryptoOutput struct {
	CiphertextBlob      []byte `json:"CiphertextBlob"`
	Plaintext           []byte `json:"Plaintext"`
	KeyID               string `json:"KeyId"`
	SourceKeyID         string `json:"SourceKeyId"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

type listOutput struct {
	Keys []struct {
		KeyID  string `json:"KeyId"`
		KeyArn string `json:"KeyArn"`
	} `json:"Keys"`
	Aliases []struct {
		AliasName   string  `json:"AliasName"`
		AliasArn    string  `json:"AliasArn"`
		TargetKeyID *string `json:"TargetKeyId"`
	} `json:"Aliases"`
	Grants []struct {
		GrantID          string              `json:"GrantId"`
		GranteePrincipal string              `json:"GranteePrincipal"`
		Operations       []string            `json:"Operations"`
		Constraints      map[string]obj      `json:"Constraints"`
		Tags             []map[string]string `json:"-"`
	} `json:"Grants"`
	Tags       []map[string]string `json:"Tags"`
	NextMarker *string             `json:"NextMarker"`
	Truncated  bool                `json:"Truncated"`
}

// kmsUser creates an IAM user, with an inline policy when policy is not
// empty, and returns its KMS client and ARN.
func (e *testEnv) kmsUser(name, policy string) (kmsClient, string) {
	e.t.Helper()
	root := e.rootIAM()
	u, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	if policy != "" {
		if _, err := root.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("kms"), PolicyDocument: aws.String(policy)}); err != nil {
			e.t.Fatalf("PutUserPolicy: %v", err)
		}
	}
	k, err := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.kmsAs(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey), *u.User.Arn
}

// wantKMSError asserts an error's code, message (when not empty) and KMS's
// HTTP 400.
func wantKMSError(t *testing.T, err error, code, msg string) {
	t.Helper()
	ae := wantCode(t, err, code)
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("%s: message %q, want %q", code, ae.ErrorMessage(), msg)
	}
	wantStatus(t, err, http.StatusBadRequest)
}

func TestKMSKeysAliasesAndCrypto(t *testing.T) {
	e := newEnv(t)
	c := e.rootKMS()
	acct := testAccounts[0].ID
	var ck keyOutput
	c.must("CreateKey", obj{"Description": "app key", "Tags": []obj{{"TagKey": "team", "TagValue": "a"}}}, &ck)
	k := ck.KeyMetadata
	id, arn := k.KeyID, k.Arn
	if arn != "arn:aws:kms:us-east-1:"+acct+":key/"+id || k.KeyState != "Enabled" || !k.Enabled || k.KeyManager != "CUSTOMER" ||
		k.KeySpec != "SYMMETRIC_DEFAULT" || k.KeyUsage != "ENCRYPT_DECRYPT" || k.Description != "app key" ||
		k.CreationDate == nil || time.Since(time.Unix(int64(*k.CreationDate), 0)) > time.Minute || k.AWSAccountID != acct {
		t.Fatalf("CreateKey: %+v", k)
	}
	c.must("CreateAlias", obj{"AliasName": "alias/app", "TargetKeyId": id}, nil)
	for _, ref := range []string{id, arn, "alias/app", "arn:aws:kms:us-east-1:" + acct + ":alias/app"} {
		var d keyOutput
		c.must("DescribeKey", obj{"KeyId": ref}, &d)
		if d.KeyMetadata.KeyID != id {
			t.Fatalf("DescribeKey %s: %+v", ref, d)
		}
	}
	var tags listOutput
	c.must("ListResourceTags", obj{"KeyId": id}, &tags)
	if len(tags.Tags) != 1 || tags.Tags[0]["TagKey"] != "team" || tags.Tags[0]["TagValue"] != "a" {
		t.Fatalf("ListResourceTags: %+v", tags)
	}

	// ListKeys and ListAliases page by Marker.
	for i := 0; i < 3; i++ {
		c.must("CreateKey", obj{}, nil)
	}
	var keys []string
	aliases := map[string]*string{}
	for _, op := range []string{"ListKeys", "ListAliases"} {
		in := obj{"Limit": 2}
		for pages := 0; ; pages++ {
			var page listOutput
			c.must(op, in, &page)
			for _, k := range page.Keys {
				keys = append(keys, k.KeyID)
			}
			for _, a := range page.Aliases {
				aliases[a.AliasName] = a.TargetKeyID
			}
			if !page.Truncated || pages > 30 {
				break
			}
			in["Marker"] = *page.NextMarker
		}
	}
	if len(keys) != 4 {
		t.Fatalf("ListKeys: %v", keys)
	}
	if a, ok := aliases["alias/app"]; !ok || a == nil || *a != id {
		t.Fatalf("alias/app: %v", a)
	}
	if a, ok := aliases["alias/aws/s3"]; !ok || a != nil {
		t.Fatalf("alias/aws/s3 before use: %v %v", a, ok)
	}

	// Encrypt and Decrypt under an encryption context.
	encCtx := map[string]string{"purpose": "test"}
	var enc, dec cryptoOutput
	c.must("Encrypt", obj{"KeyId": "alias/app", "Plaintext": []byte("secret"), "EncryptionContext": encCtx}, &enc)
	if enc.KeyID != arn || enc.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" || bytes.Contains(enc.CiphertextBlob, []byte("secret")) {
		t.Fatalf("Encrypt: %+v", enc)
	}
	c.must("Decrypt", obj{"CiphertextBlob": enc.CiphertextBlob, "EncryptionContext": encCtx}, &dec)
	if string(dec.Plaintext) != "secret" || dec.KeyID != arn {
		t.Fatalf("Decrypt: %+v", dec)
	}
	err := c.call("Decrypt", obj{"CiphertextBlob": enc.CiphertextBlob, "EncryptionContext": obj{"purpose": "other"}}, nil)
	wantKMSError(t, err, "InvalidCiphertextException", "")
	err = c.call("Decrypt", obj{"CiphertextBlob": enc.CiphertextBlob}, nil)
	wantKMSError(t, err, "InvalidCiphertextException", "")

	var dk, dk2, wp, re cryptoOutput
	c.must("GenerateDataKey", obj{"KeyId": id, "KeySpec": "AES_256", "EncryptionContext": encCtx}, &dk)
	c.must("Decrypt", obj{"CiphertextBlob": dk.CiphertextBlob, "EncryptionContext": encCtx}, &dk2)
	if len(dk.Plaintext) != 32 || dk.KeyID != arn || !bytes.Equal(dk2.Plaintext, dk.Plaintext) {
		t.Fatalf("GenerateDataKey: %d bytes, %s", len(dk.Plaintext), dk.KeyID)
	}
	c.must("GenerateDataKeyWithoutPlaintext", obj{"KeyId": id, "NumberOfBytes": 16}, &wp)
	if wp.Plaintext != nil || len(wp.CiphertextBlob) == 0 {
		t.Fatalf("GenerateDataKeyWithoutPlaintext: %+v", wp)
	}
	c.must("ReEncrypt", obj{"CiphertextBlob": enc.CiphertextBlob, "SourceEncryptionContext": encCtx, "DestinationKeyId": keys[0]}, &re)
	if re.SourceKeyID != arn {
		t.Fatalf("ReEncrypt: %+v", re)
	}
	c.must("Decrypt", obj{"CiphertextBlob": re.CiphertextBlob}, &dec)
	if string(dec.Plaintext) != "secret" {
		t.Fatal("Decrypt after ReEncrypt")
	}

	// Errors, with KMS's codes, messages and HTTP 400.
	missing := "11111111-2222-3333-4444-555555555555"
	err = c.call("DescribeKey", obj{"KeyId": missing}, nil)
	wantKMSError(t, err, "NotFoundException", "Key 'arn:aws:kms:us-east-1:"+acct+":key/"+missing+"' does not exist")
	err = c.call("Encrypt", obj{"KeyId": "not-a-key", "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "NotFoundException", "Invalid keyId 'not-a-key'")
	err = c.call("DescribeKey", obj{"KeyId": "alias/nope"}, nil)
	wantKMSError(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:"+acct+":alias/nope is not found.")
	err = c.call("CreateAlias", obj{"AliasName": "alias/aws/mine", "TargetKeyId": id}, nil)
	wantKMSError(t, err, "NotAuthorizedException", "")
	err = c.call("CreateAlias", obj{"AliasName": "alias/app", "TargetKeyId": id}, nil)
	wantKMSError(t, err, "AlreadyExistsException", "An alias with the name arn:aws:kms:us-east-1:"+acct+":alias/app already exists")
	err = c.call("ScheduleKeyDeletion", obj{"KeyId": id, "PendingWindowInDays": 5}, nil)
	wantKMSError(t, err, "ValidationException", "PendingWindowInDays should be between 7 and 30, but it is 5")

	c.must("DisableKey", obj{"KeyId": id}, nil)
	err = c.call("Encrypt", obj{"KeyId": id, "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "DisabledException", arn+" is disabled.")
	err = c.call("Decrypt", obj{"CiphertextBlob": enc.CiphertextBlob, "EncryptionContext": encCtx}, nil)
	wantKMSError(t, err, "DisabledException", arn+" is disabled.")
	c.must("EnableKey", obj{"KeyId": id}, nil)
	var sd struct {
		KeyID               string  `json:"KeyId"`
		KeyState            string  `json:"KeyState"`
		PendingWindowInDays int     `json:"PendingWindowInDays"`
		DeletionDate        float64 `json:"DeletionDate"`
	}
	c.must("ScheduleKeyDeletion", obj{"KeyId": id}, &sd)
	if sd.KeyID != arn || sd.KeyState != "PendingDeletion" || sd.PendingWindowInDays != 30 || time.Until(time.Unix(int64(sd.DeletionDate), 0)) < 29*24*time.Hour {
		t.Fatalf("ScheduleKeyDeletion: %+v", sd)
	}
	err = c.call("Encrypt", obj{"KeyId": id, "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "KMSInvalidStateException", arn+" is pending deletion.")
	err = c.call("GenerateDataKey", obj{"KeyId": id, "KeySpec": "AES_256"}, nil)
	wantKMSError(t, err, "KMSInvalidStateException", arn+" is pending deletion.")
	var d keyOutput
	c.must("DescribeKey", obj{"KeyId": id}, &d)
	if d.KeyMetadata.DeletionDate == nil || d.KeyMetadata.Enabled {
		t.Fatalf("DescribeKey pending deletion: %+v", d)
	}
	var cd struct {
		KeyID string `json:"KeyId"`
	}
	c.must("CancelKeyDeletion", obj{"KeyId": id}, &cd)
	c.must("DescribeKey", obj{"KeyId": id}, &d)
	if cd.KeyID != arn || d.KeyMetadata.KeyState != "Disabled" {
		t.Fatalf("after CancelKeyDeletion: %s %s", cd.KeyID, d.KeyMetadata.KeyState)
	}
	err = c.call("CancelKeyDeletion", obj{"KeyId": id}, nil)
	wantKMSError(t, err, "KMSInvalidStateException", arn+" is not pending deletion.")

	// Another region has none of this region's keys.
	west := c
	west.region = "us-west-2"
	err = west.call("DescribeKey", obj{"KeyId": id}, nil)
	wantKMSError(t, err, "NotFoundException", "Key 'arn:aws:kms:us-west-2:"+acct+":key/"+id+"' does not exist")
}

func TestKMSAuthorization(t *testing.T) {
	e := newEnv(t)
	root := e.rootKMS()
	acct := testAccounts[0].ID
	newKey := func(policy string) (string, string) {
		in := obj{}
		if policy != "" {
			in["Policy"], in["BypassPolicyLockoutSafetyCheck"] = policy, true
		}
		var k keyOutput
		root.must("CreateKey", in, &k)
		return k.KeyMetadata.KeyID, k.KeyMetadata.Arn
	}
	id, arn := newKey("")
	var enc cryptoOutput
	root.must("Encrypt", obj{"KeyId": id, "Plaintext": []byte("secret")}, &enc)

	// An IAM user with no policy: the default key policy lets IAM speak,
	// and IAM says nothing.
	nobody, nobodyARN := e.kmsUser("nobody", "")
	err := nobody.call("Decrypt", obj{"CiphertextBlob": enc.CiphertextBlob}, nil)
	wantKMSError(t, err, "AccessDeniedException", "User: "+nobodyARN+" is not authorized to perform: kms:Decrypt on resource: "+arn+" because no identity-based policy allows the kms:Decrypt action")
	err = nobody.call("CreateKey", obj{}, nil)
	wantKMSError(t, err, "AccessDeniedException", "User: "+nobodyARN+" is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action")

	// An IAM user whose policy allows decrypting this key, only.
	reader, readerARN := e.kmsUser("reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"`+arn+`"}]}`)
	var dec cryptoOutput
	reader.must("Decrypt", obj{"CiphertextBlob": enc.CiphertextBlob}, &dec)
	if string(dec.Plaintext) != "secret" {
		t.Fatal("Decrypt allowed by IAM")
	}
	err = reader.call("Encrypt", obj{"KeyId": id, "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: kms:Encrypt on resource: "+arn+" because no identity-based policy allows the kms:Encrypt action")

	// A key whose policy does not trust the account: IAM's kms:* does not
	// count, the root is refused too, and the user it names needs no IAM.
	admin, adminARN := e.kmsUser("admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)
	named, namedARN := e.kmsUser("named", "")
	privID, privARN := newKey(`{"Version":"2012-10-17","Statement":[{"Sid":"OnlyNamed","Effect":"Allow","Principal":{"AWS":"` + namedARN + `"},"Action":"kms:*","Resource":"*"}]}`)
	for who, c := range map[string]kmsClient{adminARN: admin, "arn:aws:iam::" + acct + ":root": root} {
		err = c.call("Encrypt", obj{"KeyId": privID, "Plaintext": []byte("x")}, nil)
		wantKMSError(t, err, "AccessDeniedException", "User: "+who+" is not authorized to perform: kms:Encrypt on resource: "+privARN+" because no resource-based policy allows the kms:Encrypt action")
	}
	var penc cryptoOutput
	named.must("Encrypt", obj{"KeyId": privARN, "Plaintext": []byte("mine"), "EncryptionContext": obj{"app": "x"}}, &penc)
	// The lockout check keeps the root from handing a key away by mistake.
	err = root.call("PutKeyPolicy", obj{"KeyId": id, "PolicyName": "default",
		"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + namedARN + `"},"Action":"kms:*","Resource":"*"}]}`}, nil)
	wantKMSError(t, err, "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.")
	var gp struct{ Policy, PolicyName string }
	named.must("GetKeyPolicy", obj{"KeyId": privID, "PolicyName": "default"}, &gp)
	if !strings.Contains(gp.Policy, "OnlyNamed") || gp.PolicyName != "default" {
		t.Fatalf("GetKeyPolicy: %+v", gp)
	}

	// A grant lets the admin decrypt that key, within its constraint, and
	// the admin, its retiring principal, may retire it.
	var g struct{ GrantId, GrantToken string }
	named.must("CreateGrant", obj{"KeyId": privID, "GranteePrincipal": adminARN, "RetiringPrincipal": adminARN,
		"Operations": []string{"Decrypt"}, "Constraints": obj{"EncryptionContextSubset": obj{"app": "x"}}}, &g)
	admin.must("Decrypt", obj{"CiphertextBlob": penc.CiphertextBlob, "EncryptionContext": obj{"app": "x"}}, &dec)
	if string(dec.Plaintext) != "mine" {
		t.Fatal("Decrypt by grant")
	}
	err = admin.call("Encrypt", obj{"KeyId": privARN, "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "AccessDeniedException", "")
	var lg listOutput
	named.must("ListGrants", obj{"KeyId": privID}, &lg)
	if len(lg.Grants) != 1 || lg.Grants[0].GrantID != g.GrantId || lg.Grants[0].GranteePrincipal != adminARN ||
		lg.Grants[0].Operations[0] != "Decrypt" || lg.Grants[0].Constraints["EncryptionContextSubset"]["app"] != "x" {
		t.Fatalf("ListGrants: %+v", lg)
	}
	admin.must("RetireGrant", obj{"GrantToken": g.GrantToken}, nil)
	// Refused by the key's side, a Decrypt does not learn the key's ARN.
	err = admin.call("Decrypt", obj{"CiphertextBlob": penc.CiphertextBlob, "EncryptionContext": obj{"app": "x"}}, nil)
	wantKMSError(t, err, "AccessDeniedException", "User: "+adminARN+" is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")

	// Another account uses a key by its ARN only, and only once the key
	// policy names it.
	alt := e.altKMS()
	altID := testAccounts[1].ID
	err = alt.call("Encrypt", obj{"KeyId": arn, "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+altID+":root is not authorized to perform: kms:Encrypt on resource: "+arn+" because no resource-based policy allows the kms:Encrypt action")
	root.must("PutKeyPolicy", obj{"KeyId": id, "Policy": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"},
		{"Effect":"Allow","Principal":{"AWS":"` + altID + `"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`}, nil)
	alt.must("Encrypt", obj{"KeyId": arn, "Plaintext": []byte("x")}, nil)
	err = alt.call("Encrypt", obj{"KeyId": id, "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "NotFoundException", "Key 'arn:aws:kms:us-east-1:"+altID+":key/"+id+"' does not exist")
}

// TestKMSForS3 drives the API S3 calls (GenerateDataKeyFor, DecryptFor)
// as an IAM user, and checks what it leaves visible through the API.
func TestKMSForS3(t *testing.T) {
	e := newEnv(t)
	c := e.rootKMS()
	if _, err := e.rootIAM().CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("uploader")}); err != nil {
		t.Fatal(err)
	}
	_, _, p := e.inlineKey("uploader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	uctx := request.With(context.Background(), &request.Context{Region: "us-east-1", Principal: p, Operation: "PutObject"})
	encCtx := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}
	plain, blob, arn, err := e.srv.KMS.GenerateDataKeyFor(uctx, "", encCtx)
	if err != nil || len(plain) != 32 {
		t.Fatalf("GenerateDataKeyFor alias/aws/s3: %v", err)
	}
	if request.From(uctx).Operation != "PutObject" {
		t.Fatal("the S3 request's operation changed")
	}
	got, arn2, err := e.srv.KMS.DecryptFor(uctx, blob, encCtx)
	if err != nil || !bytes.Equal(got, plain) || arn2 != arn {
		t.Fatalf("DecryptFor: %v", err)
	}
	_, _, err = e.srv.KMS.DecryptFor(uctx, blob, map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/other"})
	wantProtoCode(t, err, "InvalidCiphertextException")
	// The AWS managed key now exists, in the account, under alias/aws/s3.
	var d keyOutput
	c.must("DescribeKey", obj{"KeyId": "alias/aws/s3"}, &d)
	if d.KeyMetadata.Arn != arn || d.KeyMetadata.KeyManager != "AWS" {
		t.Fatalf("alias/aws/s3: %+v", d)
	}
	var la listOutput
	c.must("ListAliases", obj{"KeyId": d.KeyMetadata.KeyID}, &la)
	if len(la.Aliases) != 1 || la.Aliases[0].AliasName != "alias/aws/s3" {
		t.Fatalf("ListAliases of the AWS managed key: %+v", la)
	}
	// It serves S3's callers only: not even the root may use it directly.
	err = c.call("Encrypt", obj{"KeyId": "alias/aws/s3", "Plaintext": []byte("x")}, nil)
	wantKMSError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+testAccounts[0].ID+":root is not authorized to perform: kms:Encrypt on resource: "+arn+" because no resource-based policy allows the kms:Encrypt action")
	// A customer key through S3: the user needs the key's permission.
	var k keyOutput
	c.must("CreateKey", obj{}, &k)
	_, _, _, err = e.srv.KMS.GenerateDataKeyFor(uctx, k.KeyMetadata.Arn, encCtx)
	wantProtoCode(t, err, "AccessDeniedException")
	_, _, _, err = e.srv.KMS.GenerateDataKeyFor(uctx, "alias/missing", encCtx)
	wantProtoCode(t, err, "NotFoundException")
}

// wantProtoCode asserts an in-process error is an *awsproto.Error with
// KMS's code (what S3 maps to its own errors).
func wantProtoCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae *awsproto.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("want *awsproto.Error %s, got %#v", code, err)
	}
}

// TestKMSWire checks what the SDKs never send: malformed JSON, unknown
// and unimplemented operations; and the health endpoint.
func TestKMSWire(t *testing.T) {
	e := newEnv(t)
	post := func(target, body string) (int, http.Header, map[string]string) {
		t.Helper()
		resp, b, err := e.postSigned("kms", "us-east-1", "test", "test", []byte(body), "Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", target)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if resp.StatusCode != 200 {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: not a JSON error: %s", target, b)
			}
		}
		return resp.StatusCode, resp.Header, m
	}
	for _, tc := range []struct {
		target, body string
		status       int
		code, msg    string
	}{
		{"TrentService.Encrypt", `{"KeyId":`, 400, "SerializationException", ""},
		{"TrentService.Encrypt", `{"KeyId":5,"Plaintext":"eA=="}`, 400, "SerializationException", ""},
		{"TrentService.Encrypt", `{"Plaintext":"eA=="}`, 400, "ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"},
		{"TrentService.CreateKey", `{"KeySpec":"AES_999"}`, 400, "ValidationException", ""},
		{"TrentService.Sign", `{}`, 501, "NotImplemented", ""},
		{"TrentService.Frobnicate", `{}`, 400, "UnknownOperationException", ""},
		{"DynamoDB_20120810.ListTables", `{}`, 400, "UnknownOperationException", ""},
	} {
		status, h, m := post(tc.target, tc.body)
		if status != tc.status || m["__type"] != tc.code || (tc.msg != "" && m["message"] != tc.msg) {
			t.Errorf("%s %s: %d %v, want %d %s %s", tc.target, tc.body, status, m, tc.status, tc.code, tc.msg)
		}
		if ct := h.Get("Content-Type"); ct != "application/x-amz-json-1.1" || h.Get("x-amzn-RequestId") == "" {
			t.Errorf("%s: Content-Type %q, request id %q", tc.target, ct, h.Get("x-amzn-RequestId"))
		}
	}
	if status, _, _ := post("TrentService.ListKeys", ``); status != 200 {
		t.Fatalf("ListKeys with an empty body: %d", status)
	}
	// A signature that does not verify is refused in KMS's JSON.
	err := kmsClient{e, "test", "wrong", "us-east-1"}.call("ListKeys", obj{}, nil)
	wantCode(t, err, "SignatureDoesNotMatch")
	resp, err := http.Get(e.URL + "/_gureum/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct{ Services map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil || health.Services["kms"] != "running" {
		t.Fatalf("health: %+v %v", health, err)
	}
}
