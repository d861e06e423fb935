package kms

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
	"github.com/gureum/gureum/internal/store/bolt"
)

const (
	acctA  = "111111111111"
	acctB  = "222222222222"
	region = "us-east-1"
)

var (
	rootA = request.Principal{Type: request.Root, Account: acctA, ARN: "arn:aws:iam::" + acctA + ":root", AccessKeyID: "AKIAROOTA"}
	rootB = request.Principal{Type: request.Root, Account: acctB, ARN: "arn:aws:iam::" + acctB + ":root", AccessKeyID: "AKIAROOTB"}
	// alice has no IAM policy; bob's allows kms:*; carol (account B)
	// has kms:* too; dave's denies kms:Decrypt.
	alice = user(acctA, "alice")
	bob   = user(acctA, "bob")
	carol = user(acctB, "carol")
	dave  = user(acctA, "dave")
	anon  = request.Principal{}
)

func user(acct, name string) request.Principal {
	return request.Principal{Type: request.User, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/" + name, Name: name, UserID: "AIDA" + strings.ToUpper(name), AccessKeyID: "AKIA" + strings.ToUpper(name)}
}

// identities is IAM as the tests set it: identity policies by principal.
type identities map[string]string

func (ids identities) Identity(_ context.Context, p request.Principal) (*policy.Input, error) {
	if p.Type == request.Root {
		return &policy.Input{IdentityAllowsAll: true}, nil
	}
	doc, ok := ids[p.ARN]
	if !ok {
		return &policy.Input{}, nil
	}
	pol, err := policy.Parse([]byte(doc))
	if err != nil {
		return nil, err
	}
	return &policy.Input{Identity: []policy.Source{{Kind: policy.Identity, Name: "test", Policy: pol}}}, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	s     *Service
	db    store.Store
	clock *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "meta.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	ids := identities{
		bob.ARN:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
		carol.ARN: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
		dave.ARN: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},
			{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`,
	}
	s := New(Config{Store: db, Identities: ids, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: c.now})
	return &env{t: t, s: s, db: db, clock: c}
}

func as(p request.Principal) context.Context {
	return request.With(context.Background(), &request.Context{Region: region, Principal: p})
}

// call invokes an operation as p.
func call[O any](e *env, p request.Principal, name string, in any) (*O, error) {
	e.t.Helper()
	out, err := e.s.ops.Invoke(as(p), name, in)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	return out.(*O), nil
}

// must is call that fails the test on an error.
func must[O any](e *env, p request.Principal, name string, in any) *O {
	e.t.Helper()
	out, err := call[O](e, p, name, in)
	if err != nil {
		e.t.Fatalf("%s as %s: %v", name, p.ARN, err)
	}
	return out
}

// wantErr asserts err is an AWS error with the code and, when msg is not
// empty, the message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae *awsproto.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.Code != code || (msg != "" && ae.Message != msg) {
		t.Fatalf("want %s %q, got %s %q", code, msg, ae.Code, ae.Message)
	}
}

func (e *env) createKey(p request.Principal, pol string) *KeyMetadata {
	e.t.Helper()
	in := &createKeyInput{}
	if pol != "" {
		in.Policy = &pol
		in.BypassPolicyLockoutSafetyCheck = true
	}
	return must[keyMetadataOutput](e, p, "CreateKey", in).KeyMetadata
}

func ptr[T any](v T) *T { return &v }

func reconcileItem(id string) reconcile.Item { return reconcile.Item{Kind: deletionKind, ID: id} }

func TestEncryptDecrypt(t *testing.T) {
	e := newEnv(t)
	k := e.createKey(rootA, "")
	if k.KeyState != "Enabled" || !k.Enabled || k.KeyManager != "CUSTOMER" || k.KeySpec != "SYMMETRIC_DEFAULT" || k.KeyUsage != "ENCRYPT_DECRYPT" ||
		k.Arn != "arn:aws:kms:us-east-1:"+acctA+":key/"+k.KeyID || !uuidRE.MatchString(k.KeyID) || k.AWSAccountID != acctA {
		t.Fatalf("CreateKey: %+v", k)
	}
	plain := []byte("attack at dawn")
	encCtx := map[string]string{"purpose": "test", "Dept": "1"}
	enc := must[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: plain, EncryptionContext: encCtx})
	if enc.KeyID != k.Arn || enc.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" || bytes.Contains(enc.CiphertextBlob, plain) {
		t.Fatalf("Encrypt: %+v", enc)
	}
	dec := must[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"Dept": "1", "purpose": "test"}})
	if !bytes.Equal(dec.Plaintext, plain) || dec.KeyID != k.Arn {
		t.Fatalf("Decrypt: %+v", dec)
	}
	// The encryption context must be the same, all of it.
	for _, c := range []map[string]string{nil, {"purpose": "test"}, {"purpose": "test", "Dept": "2"}, {"purpose": "test", "dept": "1"},
		{"purpose": "test", "Dept": "1", "more": ""}} {
		_, err := call[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: c})
		wantErr(t, err, "InvalidCiphertextException", "")
	}
	// Any changed byte, the key's name in the header included.
	for i := range enc.CiphertextBlob {
		b := bytes.Clone(enc.CiphertextBlob)
		b[i] ^= 0x20
		if _, err := call[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: b, EncryptionContext: encCtx}); err == nil {
			t.Fatalf("a blob changed at byte %d decrypted", i)
		}
	}
	_, err := call[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: []byte("not a ciphertext at all, really")})
	wantErr(t, err, "InvalidCiphertextException", "")

	// Decrypt naming another key than the blob's.
	other := e.createKey(rootA, "")
	_, err = call[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: encCtx, KeyID: &other.KeyID})
	wantErr(t, err, "IncorrectKeyException", "")

	// ReEncrypt to the other key and context; the plaintext never shows.
	re := must[reEncryptOutput](e, rootA, "ReEncrypt", &reEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: encCtx,
		DestinationKeyID: other.Arn, DestinationEncryptionContext: map[string]string{"new": "ctx"}})
	if re.SourceKeyID != k.Arn || re.KeyID != other.Arn {
		t.Fatalf("ReEncrypt: %+v", re)
	}
	dec = must[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"new": "ctx"}})
	if !bytes.Equal(dec.Plaintext, plain) || dec.KeyID != other.Arn {
		t.Fatalf("Decrypt after ReEncrypt: %+v", dec)
	}

	// Data keys: 32 bytes for AES_256, 16 for AES_128, NumberOfBytes.
	for _, tc := range []struct {
		in   generateDataKeyInput
		want int
	}{
		{generateDataKeyInput{KeyID: k.KeyID, KeySpec: ptr("AES_256")}, 32},
		{generateDataKeyInput{KeyID: k.KeyID, KeySpec: ptr("AES_128")}, 16},
		{generateDataKeyInput{KeyID: k.KeyID, NumberOfBytes: ptr[int32](7)}, 7},
	} {
		dk := must[generateDataKeyOutput](e, rootA, "GenerateDataKey", &tc.in)
		if len(dk.Plaintext) != tc.want {
			t.Fatalf("data key of %d bytes, want %d", len(dk.Plaintext), tc.want)
		}
		dec := must[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: dk.CiphertextBlob})
		if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
			t.Fatal("data key does not decrypt to itself")
		}
	}
	_, err = call[generateDataKeyOutput](e, rootA, "GenerateDataKey", &generateDataKeyInput{KeyID: k.KeyID})
	wantErr(t, err, "ValidationException", "Please specify either number of bytes or key spec.")
	wp := must[generateDataKeyOutput](e, rootA, "GenerateDataKeyWithoutPlaintext", &generateDataKeyInput{KeyID: k.KeyID, KeySpec: ptr("AES_256")})
	if wp.Plaintext != nil || len(wp.CiphertextBlob) == 0 {
		t.Fatalf("GenerateDataKeyWithoutPlaintext: %+v", wp)
	}
	_, err = call[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: plain, EncryptionAlgorithm: ptr("RSAES_OAEP_SHA_256")})
	wantErr(t, err, "InvalidKeyUsageException", "")
}

// TestMaterialStaysInside: the key's material is in its own table, never
// in the record that Describe and List read, and never in a ciphertext.
func TestMaterialStaysInside(t *testing.T) {
	e := newEnv(t)
	k := e.createKey(rootA, "")
	var material, record []byte
	_ = e.db.View(context.Background(), func(tx store.Tx) error {
		name := []byte(acctA + "/" + region + "/" + k.KeyID)
		m, _ := tx.Get(tMaterial, name)
		material = bytes.Clone(m)
		r, _ := tx.Get(tKeys, name)
		record = bytes.Clone(r)
		return nil
	})
	if len(material) != 32 || bytes.Equal(material, make([]byte, 32)) {
		t.Fatalf("material: %d bytes", len(material))
	}
	enc := must[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x")})
	for _, b := range [][]byte{record, enc.CiphertextBlob} {
		if bytes.Contains(b, material) || bytes.Contains(b, material[:8]) {
			t.Fatal("key material outside its table")
		}
	}
}

func TestKeyReferences(t *testing.T) {
	e := newEnv(t)
	k := e.createKey(rootA, "")
	must[struct{}](e, rootA, "CreateAlias", &aliasInput{AliasName: "alias/app", TargetKeyID: k.KeyID})
	for _, ref := range []string{k.KeyID, k.Arn, "alias/app", "arn:aws:kms:us-east-1:" + acctA + ":alias/app"} {
		d := must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: ref})
		if d.KeyMetadata.KeyID != k.KeyID {
			t.Fatalf("DescribeKey %s: %+v", ref, d.KeyMetadata)
		}
	}
	missing := "11111111-2222-3333-4444-555555555555"
	for _, tc := range []struct{ ref, code, msg string }{
		{"foo", "NotFoundException", "Invalid keyId 'foo'"},
		{missing, "NotFoundException", "Key 'arn:aws:kms:us-east-1:" + acctA + ":key/" + missing + "' does not exist"},
		{"arn:aws:kms:us-east-1:" + acctA + ":key/" + missing, "NotFoundException", "Key 'arn:aws:kms:us-east-1:" + acctA + ":key/" + missing + "' does not exist"},
		{"alias/nope", "NotFoundException", "Alias arn:aws:kms:us-east-1:" + acctA + ":alias/nope is not found."},
		{"arn:aws:kms:eu-west-1:" + acctA + ":key/" + k.KeyID, "NotFoundException", "Invalid arn eu-west-1"},
	} {
		_, err := call[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: tc.ref})
		wantErr(t, err, tc.code, tc.msg)
		_, err = call[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: tc.ref, Plaintext: []byte("x")})
		wantErr(t, err, tc.code, tc.msg)
	}
	// Another account's key id names no key of the caller's; its ARN does,
	// and then the key policy decides.
	_, err := call[keyMetadataOutput](e, rootB, "DescribeKey", &describeKeyInput{KeyID: k.KeyID})
	wantErr(t, err, "NotFoundException", "Key 'arn:aws:kms:us-east-1:"+acctB+":key/"+k.KeyID+"' does not exist")
	_, err = call[keyMetadataOutput](e, rootB, "DescribeKey", &describeKeyInput{KeyID: k.Arn})
	wantErr(t, err, "AccessDeniedException", "User: arn:aws:iam::"+acctB+":root is not authorized to perform: kms:DescribeKey on resource: "+k.Arn+" because no resource-based policy allows the kms:DescribeKey action")
	// A key managing operation takes no other account's key at all.
	_, err = call[struct{}](e, rootB, "DisableKey", &keyIDInput{KeyID: k.Arn})
	wantErr(t, err, "NotFoundException", "")
}

func TestKeyPolicyDecides(t *testing.T) {
	e := newEnv(t)
	byDefault := e.createKey(rootA, "")
	// A policy that names alice and carol, not the account: IAM does not speak.
	direct := e.createKey(rootA, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":["`+alice.ARN+`","`+carol.ARN+`"]},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"},
		{"Effect":"Allow","Principal":{"AWS":"`+acctB+`"},"Action":"kms:DescribeKey","Resource":"*"}]}`)
	// The default statement, and a Deny for bob.
	denyBob := e.createKey(rootA, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acctA+`:root"},"Action":"kms:*","Resource":"*"},
		{"Effect":"Deny","Principal":{"AWS":"`+bob.ARN+`"},"Action":"kms:Encrypt","Resource":"*"}]}`)
	// A condition on the encryption context.
	ctxOnly := e.createKey(rootA, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*",
		 "Condition":{"StringEquals":{"kms:EncryptionContext:app":"web","kms:CallerAccount":"`+acctA+`"}}}]}`)

	because := func(p request.Principal, action string, k *KeyMetadata, tail string) string {
		return "User: " + p.ARN + " is not authorized to perform: " + action + " on resource: " + k.Arn + " " + tail
	}
	noResource := func(action string) string { return "because no resource-based policy allows the " + action + " action" }
	noIdentity := func(action string) string { return "because no identity-based policy allows the " + action + " action" }
	for _, tc := range []struct {
		name string
		p    request.Principal
		k    *KeyMetadata
		ctx  map[string]string
		msg  string // "" = allowed
	}{
		{"root, default policy", rootA, byDefault, nil, ""},
		{"IAM user with kms:*, default policy", bob, byDefault, nil, ""},
		{"IAM user without a policy, default policy", alice, byDefault, nil, because(alice, "kms:Encrypt", byDefault, noIdentity("kms:Encrypt"))},
		{"explicit deny in IAM", dave, byDefault, nil, ""},
		{"named in the key policy, no IAM policy", alice, direct, nil, ""},
		{"IAM allows, key policy does not trust the account", bob, direct, nil, because(bob, "kms:Encrypt", direct, noResource("kms:Encrypt"))},
		{"even the root, when the key policy does not name it", rootA, direct, nil, because(rootA, "kms:Encrypt", direct, noResource("kms:Encrypt"))},
		{"another account's user named in the key policy and allowed by its IAM", carol, direct, nil, ""},
		{"another account's root, key policy names only its user", rootB, direct, nil, because(rootB, "kms:Encrypt", direct, noResource("kms:Encrypt"))},
		{"explicit deny in the key policy", bob, denyBob, nil, because(bob, "kms:Encrypt", denyBob, "with an explicit deny in a resource-based policy")},
		{"key policy condition met", alice, ctxOnly, map[string]string{"app": "web"}, ""},
		{"key policy condition not met", alice, ctxOnly, map[string]string{"app": "db"}, because(alice, "kms:Encrypt", ctxOnly, noResource("kms:Encrypt"))},
		{"key policy condition on the caller's account", carol, ctxOnly, map[string]string{"app": "web"}, because(carol, "kms:Encrypt", ctxOnly, noResource("kms:Encrypt"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call[encryptOutput](e, tc.p, "Encrypt", &encryptInput{KeyID: tc.k.Arn, Plaintext: []byte("x"), EncryptionContext: tc.ctx})
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, "AccessDeniedException", tc.msg)
			if err.(*awsproto.Error).Status != 400 {
				t.Fatalf("status %d", err.(*awsproto.Error).Status)
			}
		})
	}
	// dave's IAM policy denies Decrypt explicitly.
	enc := must[encryptOutput](e, dave, "Encrypt", &encryptInput{KeyID: byDefault.KeyID, Plaintext: []byte("x")})
	_, err := call[decryptOutput](e, dave, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantErr(t, err, "AccessDeniedException", because(dave, "kms:Decrypt", byDefault, "with an explicit deny in an identity-based policy"))
	// The key policy naming account B lets B's IAM speak: carol may
	// describe the key, B's root too.
	must[keyMetadataOutput](e, carol, "DescribeKey", &describeKeyInput{KeyID: direct.Arn})
	must[keyMetadataOutput](e, rootB, "DescribeKey", &describeKeyInput{KeyID: direct.Arn})
	// CreateKey and ListKeys are judged by IAM alone.
	_, err = call[keyMetadataOutput](e, alice, "CreateKey", &createKeyInput{})
	wantErr(t, err, "AccessDeniedException", "User: "+alice.ARN+" is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action")
	must[keyMetadataOutput](e, bob, "CreateKey", &createKeyInput{})
}

func TestKeyPolicyOperations(t *testing.T) {
	e := newEnv(t)
	k := e.createKey(rootA, "")
	got := must[getKeyPolicyOutput](e, rootA, "GetKeyPolicy", &getKeyPolicyInput{KeyID: k.KeyID})
	pol, err := policy.Parse([]byte(got.Policy))
	if err != nil || got.PolicyName != "default" || len(pol.Statements) != 1 || pol.Statements[0].Principal.AWS[0] != rootA.ARN ||
		pol.Statements[0].Action[0] != "kms:*" || pol.ID != "key-default-1" {
		t.Fatalf("default key policy: %s %v", got.Policy, err)
	}
	names := must[listKeyPoliciesOutput](e, rootA, "ListKeyPolicies", &listKeyPoliciesInput{KeyID: k.KeyID})
	if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "default" {
		t.Fatalf("ListKeyPolicies: %+v", names)
	}
	_, err = call[getKeyPolicyOutput](e, rootA, "GetKeyPolicy", &getKeyPolicyInput{KeyID: k.KeyID, PolicyName: ptr("other")})
	wantErr(t, err, "NotFoundException", "")

	onlyAlice := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + alice.ARN + `"},"Action":"kms:*","Resource":"*"}]}`
	// The lockout check: root could not change this policy again.
	_, err = call[struct{}](e, rootA, "PutKeyPolicy", &putKeyPolicyInput{KeyID: k.KeyID, Policy: onlyAlice})
	wantErr(t, err, "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.")
	for _, bad := range []string{`{"Statement":`, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`} {
		_, err = call[struct{}](e, rootA, "PutKeyPolicy", &putKeyPolicyInput{KeyID: k.KeyID, Policy: bad, BypassPolicyLockoutSafetyCheck: true})
		wantErr(t, err, "MalformedPolicyDocumentException", "")
	}
	must[struct{}](e, rootA, "PutKeyPolicy", &putKeyPolicyInput{KeyID: k.KeyID, Policy: onlyAlice, BypassPolicyLockoutSafetyCheck: true})
	_, err = call[getKeyPolicyOutput](e, rootA, "GetKeyPolicy", &getKeyPolicyInput{KeyID: k.KeyID})
	wantErr(t, err, "AccessDeniedException", "")
	got = must[getKeyPolicyOutput](e, alice, "GetKeyPolicy", &getKeyPolicyInput{KeyID: k.KeyID})
	if got.Policy != onlyAlice {
		t.Fatalf("policy after PutKeyPolicy: %s", got.Policy)
	}
	// alice may put a policy that keeps her in charge, without bypassing.
	must[struct{}](e, alice, "PutKeyPolicy", &putKeyPolicyInput{KeyID: k.KeyID, Policy: onlyAlice})
	// CreateKey with a policy is checked the same way.
	_, err = call[keyMetadataOutput](e, rootA, "CreateKey", &createKeyInput{Policy: &onlyAlice})
	wantErr(t, err, "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.")
}

func TestKeyStates(t *testing.T) {
	e := newEnv(t)
	k := e.createKey(rootA, "")
	enc := must[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x")})
	crypto := func() []error {
		_, e1 := call[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x")})
		_, e2 := call[decryptOutput](e, rootA, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob})
		_, e3 := call[generateDataKeyOutput](e, rootA, "GenerateDataKey", &generateDataKeyInput{KeyID: k.KeyID, KeySpec: ptr("AES_256")})
		_, e4 := call[createGrantOutput](e, rootA, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Decrypt"}})
		return []error{e1, e2, e3, e4}
	}
	must[struct{}](e, rootA, "DisableKey", &keyIDInput{KeyID: k.KeyID})
	if d := must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: k.KeyID}).KeyMetadata; d.KeyState != "Disabled" || d.Enabled {
		t.Fatalf("disabled: %+v", d)
	}
	for _, err := range crypto() {
		wantErr(t, err, "DisabledException", k.Arn+" is disabled.")
	}
	must[struct{}](e, rootA, "EnableKey", &keyIDInput{KeyID: k.KeyID})
	for _, err := range crypto() {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, days := range []int32{6, 31} {
		_, err := call[scheduleKeyDeletionOutput](e, rootA, "ScheduleKeyDeletion", &scheduleKeyDeletionInput{KeyID: k.KeyID, PendingWindowInDays: &days})
		wantErr(t, err, "ValidationException", "")
	}
	_, err := call[keyIDOutput](e, rootA, "CancelKeyDeletion", &keyIDInput{KeyID: k.KeyID})
	wantErr(t, err, "KMSInvalidStateException", k.Arn+" is not pending deletion.")
	sd := must[scheduleKeyDeletionOutput](e, rootA, "ScheduleKeyDeletion", &scheduleKeyDeletionInput{KeyID: k.KeyID})
	if sd.KeyState != "PendingDeletion" || sd.PendingWindowInDays != 30 || sd.KeyID != k.Arn ||
		!time.Time(*sd.DeletionDate).Equal(e.clock.now().Add(30*24*time.Hour)) {
		t.Fatalf("ScheduleKeyDeletion: %+v", sd)
	}
	for _, err := range crypto() {
		wantErr(t, err, "KMSInvalidStateException", k.Arn+" is pending deletion.")
	}
	for _, op := range []string{"EnableKey", "DisableKey"} {
		_, err := call[struct{}](e, rootA, op, &keyIDInput{KeyID: k.KeyID})
		wantErr(t, err, "KMSInvalidStateException", k.Arn+" is pending deletion.")
	}
	_, err = call[scheduleKeyDeletionOutput](e, rootA, "ScheduleKeyDeletion", &scheduleKeyDeletionInput{KeyID: k.KeyID})
	wantErr(t, err, "KMSInvalidStateException", "")
	if d := must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: k.KeyID}).KeyMetadata; d.DeletionDate == nil {
		t.Fatalf("pending deletion without DeletionDate: %+v", d)
	}
	// Cancelled: back to Disabled, as AWS leaves it.
	c := must[keyIDOutput](e, rootA, "CancelKeyDeletion", &keyIDInput{KeyID: k.KeyID})
	if d := must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: k.KeyID}).KeyMetadata; c.KeyID != k.Arn || d.KeyState != "Disabled" || d.DeletionDate != nil {
		t.Fatalf("CancelKeyDeletion: %+v %+v", c, d)
	}
	// Scheduled again, with an alias and a grant: once the period ends,
	// the key is gone, and the reconciler takes everything with it.
	must[struct{}](e, rootA, "CreateAlias", &aliasInput{AliasName: "alias/doomed", TargetKeyID: k.KeyID})
	must[scheduleKeyDeletionOutput](e, rootA, "ScheduleKeyDeletion", &scheduleKeyDeletionInput{KeyID: k.KeyID, PendingWindowInDays: ptr[int32](7)})
	e.clock.add(7*24*time.Hour - time.Second)
	must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: k.KeyID})
	e.clock.add(time.Second)
	_, err = call[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: k.KeyID})
	wantErr(t, err, "NotFoundException", "Key '"+k.Arn+"' does not exist")
	if keys := must[listKeysOutput](e, rootA, "ListKeys", &listKeysInput{}); len(keys.Keys) != 0 {
		t.Fatalf("ListKeys lists a deleted key: %+v", keys)
	}
	if _, err := e.s.deleteDue(context.Background(), reconcileItem(acctA+"/"+region+"/"+k.KeyID)); err != nil {
		t.Fatal(err)
	}
	_ = e.db.View(context.Background(), func(tx store.Tx) error {
		for _, table := range []string{tKeys, tMaterial, tAliases} {
			_ = tx.Scan(table, nil, nil, func(k, _ []byte) (bool, error) {
				t.Errorf("left in %s: %s", table, k)
				return true, nil
			})
		}
		return nil
	})
}

func TestAliases(t *testing.T) {
	e := newEnv(t)
	k1, k2 := e.createKey(rootA, ""), e.createKey(rootA, "")
	must[struct{}](e, rootA, "CreateAlias", &aliasInput{AliasName: "alias/app", TargetKeyID: k1.Arn})
	for _, tc := range []struct{ name, target, code, msg string }{
		{"alias/app", k2.KeyID, "AlreadyExistsException", "An alias with the name arn:aws:kms:us-east-1:" + acctA + ":alias/app already exists"},
		{"alias/aws/mine", k1.KeyID, "NotAuthorizedException", ""},
		{"alias/aws/s3", k1.KeyID, "NotAuthorizedException", ""},
		{"app2", k1.KeyID, "ValidationException", `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`},
		{"alias/a b", k1.KeyID, "ValidationException", "1 validation error detected: Value 'alias/a b' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"},
		{"alias/a:b", k1.KeyID, "ValidationException", "alias/a:b contains invalid characters for an alias"},
		{"alias/other", "alias/app", "ValidationException", "Aliases must refer to keys. Not aliases"},
		{"alias/other", "11111111-2222-3333-4444-555555555555", "NotFoundException", ""},
	} {
		_, err := call[struct{}](e, rootA, "CreateAlias", &aliasInput{AliasName: tc.name, TargetKeyID: tc.target})
		wantErr(t, err, tc.code, tc.msg)
	}
	// An alias needs kms:CreateAlias on the alias (IAM) and the key (its policy).
	_, err := call[struct{}](e, alice, "CreateAlias", &aliasInput{AliasName: "alias/alice", TargetKeyID: k1.KeyID})
	wantErr(t, err, "AccessDeniedException", "User: "+alice.ARN+" is not authorized to perform: kms:CreateAlias on resource: arn:aws:kms:us-east-1:"+acctA+":alias/alice because no identity-based policy allows the kms:CreateAlias action")
	must[struct{}](e, bob, "CreateAlias", &aliasInput{AliasName: "alias/bob", TargetKeyID: k1.KeyID})

	must[struct{}](e, rootA, "UpdateAlias", &aliasInput{AliasName: "alias/app", TargetKeyID: k2.KeyID})
	if d := must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: "alias/app"}).KeyMetadata; d.KeyID != k2.KeyID {
		t.Fatalf("alias/app after UpdateAlias: %s", d.KeyID)
	}
	_, err = call[struct{}](e, rootA, "UpdateAlias", &aliasInput{AliasName: "alias/aws/s3", TargetKeyID: k2.KeyID})
	wantErr(t, err, "NotAuthorizedException", "")
	_, err = call[struct{}](e, rootA, "DeleteAlias", &deleteAliasInput{AliasName: "alias/nope"})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:"+acctA+":alias/nope is not found.")

	// ListAliases: own aliases with their keys, and the AWS managed ones
	// without a key until something uses them.
	list := func(in *listAliasesInput) map[string]AliasListEntry {
		m := map[string]AliasListEntry{}
		for _, a := range must[listAliasesOutput](e, rootA, "ListAliases", in).Aliases {
			m[a.AliasName] = a
		}
		return m
	}
	all := list(&listAliasesInput{})
	if a := all["alias/app"]; a.TargetKeyID != k2.KeyID || a.AliasArn != "arn:aws:kms:us-east-1:"+acctA+":alias/app" || a.CreationDate == nil {
		t.Fatalf("alias/app: %+v", a)
	}
	if a, ok := all["alias/aws/s3"]; !ok || a.TargetKeyID != "" || a.CreationDate != nil {
		t.Fatalf("alias/aws/s3 before use: %+v %v", a, ok)
	}
	if got := list(&listAliasesInput{KeyID: &k1.KeyID}); len(got) != 1 || got["alias/bob"].TargetKeyID != k1.KeyID {
		t.Fatalf("ListAliases of k1: %+v", got)
	}
	// Paging: pages of 3 cover every alias once.
	seen := map[string]bool{}
	in := &listAliasesInput{Limit: ptr[int32](3)}
	for pages := 0; ; pages++ {
		out := must[listAliasesOutput](e, rootA, "ListAliases", in)
		for _, a := range out.Aliases {
			if seen[a.AliasName] {
				t.Fatalf("%s listed twice", a.AliasName)
			}
			seen[a.AliasName] = true
		}
		if !out.Truncated {
			break
		}
		if len(out.Aliases) != 3 || pages > 20 {
			t.Fatalf("page of %d", len(out.Aliases))
		}
		in.Marker = out.NextMarker
	}
	if len(seen) != len(all) {
		t.Fatalf("paged %d aliases, listed %d", len(seen), len(all))
	}
	_, err = call[listAliasesOutput](e, rootA, "ListAliases", &listAliasesInput{Marker: ptr("bogus")})
	wantErr(t, err, "InvalidMarkerException", "")

	must[struct{}](e, rootA, "DeleteAlias", &deleteAliasInput{AliasName: "alias/app"})
	_, err = call[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: "alias/app"})
	wantErr(t, err, "NotFoundException", "")
}

func TestAWSManagedKeyForS3(t *testing.T) {
	e := newEnv(t)
	ctx := as(alice) // no IAM policy at all: S3 permissions are all it takes
	encCtx := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}
	plain, blob, arn, err := e.s.GenerateDataKeyFor(ctx, "", encCtx)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 32 || !strings.HasPrefix(arn, "arn:aws:kms:us-east-1:"+acctA+":key/") {
		t.Fatalf("GenerateDataKeyFor: %d bytes, %s", len(plain), arn)
	}
	got, arn2, err := e.s.DecryptFor(ctx, blob, encCtx)
	if err != nil || !bytes.Equal(got, plain) || arn2 != arn {
		t.Fatalf("DecryptFor: %v %s", err, arn2)
	}
	_, _, err = e.s.DecryptFor(ctx, blob, map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/other"})
	wantErr(t, err, "InvalidCiphertextException", "")

	// The key exists now: alias/aws/s3 points at it, AWS manages it.
	d := must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: "alias/aws/s3"}).KeyMetadata
	if d.Arn != arn || d.KeyManager != "AWS" || d.Description == "" {
		t.Fatalf("alias/aws/s3: %+v", d)
	}
	// Used directly, not through S3, it refuses even the root; nobody may
	// disable it or change its policy.
	_, err = call[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: "alias/aws/s3", Plaintext: []byte("x")})
	wantErr(t, err, "AccessDeniedException", "User: "+rootA.ARN+" is not authorized to perform: kms:Encrypt on resource: "+arn+" because no resource-based policy allows the kms:Encrypt action")
	_, err = call[struct{}](e, rootA, "DisableKey", &keyIDInput{KeyID: d.KeyID})
	wantErr(t, err, "AccessDeniedException", "")
	_, err = call[struct{}](e, rootA, "PutKeyPolicy", &putKeyPolicyInput{KeyID: d.KeyID, Policy: defaultKeyPolicy(acctA), BypassPolicyLockoutSafetyCheck: true})
	wantErr(t, err, "AccessDeniedException", "")
	// Another account's caller gets its own account's key.
	_, _, arnB, err := e.s.GenerateDataKeyFor(as(carol), "", encCtx)
	if err != nil || !strings.Contains(arnB, ":"+acctB+":") {
		t.Fatalf("account B's aws/s3: %s %v", arnB, err)
	}
	// …and cannot decrypt account A's data key through S3. The denial
	// does not name the key: the ciphertext's key is not hers to know.
	_, _, err = e.s.DecryptFor(as(carol), blob, encCtx)
	wantErr(t, err, "AccessDeniedException", "User: "+carol.ARN+" is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
	// Anonymous callers cannot use KMS at all.
	_, _, _, err = e.s.GenerateDataKeyFor(as(anon), "", encCtx)
	wantErr(t, err, "AccessDeniedException", "User: anonymous is not authorized to perform: kms:GenerateDataKey because no resource-based policy allows the kms:GenerateDataKey action")

	// A customer key through S3: its policy decides (the default one lets
	// IAM speak: alice has no IAM policy, bob has).
	k := e.createKey(rootA, "")
	_, _, _, err = e.s.GenerateDataKeyFor(as(alice), k.Arn, encCtx)
	wantErr(t, err, "AccessDeniedException", "User: "+alice.ARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+k.Arn+" because no identity-based policy allows the kms:GenerateDataKey action")
	_, blob, _, err = e.s.GenerateDataKeyFor(as(bob), "alias/nope", encCtx)
	wantErr(t, err, "NotFoundException", "")
	_, blob, _, err = e.s.GenerateDataKeyFor(as(bob), k.KeyID, encCtx)
	if err != nil {
		t.Fatal(err)
	}
	must[struct{}](e, rootA, "DisableKey", &keyIDInput{KeyID: k.KeyID})
	_, _, err = e.s.DecryptFor(as(bob), blob, encCtx)
	wantErr(t, err, "DisabledException", k.Arn+" is disabled.")
	// A key policy may insist on S3.
	viaS3 := e.createKey(rootA, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"`+rootA.ARN+`"},"Action":"kms:*","Resource":"*"},
		{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:GenerateDataKey","Resource":"*",
		 "Condition":{"StringNotEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}`)
	if _, _, _, err := e.s.GenerateDataKeyFor(as(rootA), viaS3.KeyID, nil); err != nil {
		t.Fatal(err)
	}
	_, err = call[generateDataKeyOutput](e, rootA, "GenerateDataKey", &generateDataKeyInput{KeyID: viaS3.KeyID, KeySpec: ptr("AES_256")})
	wantErr(t, err, "AccessDeniedException", "")
}

// TestViaS3KeepsTheRequest: a call for S3 leaves the request's operation
// (the access log's) as S3's.
func TestViaS3KeepsTheRequest(t *testing.T) {
	e := newEnv(t)
	rc := &request.Context{Region: region, Principal: rootA, Operation: "PutObject"}
	if _, _, _, err := e.s.GenerateDataKeyFor(request.With(context.Background(), rc), "", nil); err != nil {
		t.Fatal(err)
	}
	if rc.Operation != "PutObject" {
		t.Fatalf("operation %q", rc.Operation)
	}
}

func TestGrants(t *testing.T) {
	e := newEnv(t)
	// A key whose policy trusts only the root: alice gets in by grant.
	k := e.createKey(rootA, "")
	enc := must[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x"), EncryptionContext: map[string]string{"team": "a"}})
	_, err := call[decryptOutput](e, alice, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"team": "a"}})
	wantErr(t, err, "AccessDeniedException", "")
	g := must[createGrantOutput](e, rootA, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: alice.ARN, RetiringPrincipal: &bob.ARN,
		Operations: []string{"Decrypt", "DescribeKey"}, Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"team": "a"}}, Name: ptr("g1")})
	if len(g.GrantID) != 64 || g.GrantToken == "" {
		t.Fatalf("CreateGrant: %+v", g)
	}
	if d := must[decryptOutput](e, alice, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"team": "a"}}); string(d.Plaintext) != "x" {
		t.Fatal("decrypt by grant")
	}
	must[keyMetadataOutput](e, alice, "DescribeKey", &describeKeyInput{KeyID: k.Arn})
	// Not Encrypt, and not outside the constraint.
	_, err = call[encryptOutput](e, alice, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x"), EncryptionContext: map[string]string{"team": "a"}})
	wantErr(t, err, "AccessDeniedException", "")
	enc2 := must[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x"), EncryptionContext: map[string]string{"team": "b"}})
	_, err = call[decryptOutput](e, alice, "Decrypt", &decryptInput{CiphertextBlob: enc2.CiphertextBlob, EncryptionContext: map[string]string{"team": "b"}})
	wantErr(t, err, "AccessDeniedException", "")

	// The same name and terms: the same grant, a new token.
	g2 := must[createGrantOutput](e, rootA, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: alice.ARN, RetiringPrincipal: &bob.ARN,
		Operations: []string{"DescribeKey", "Decrypt"}, Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"team": "a"}}, Name: ptr("g1")})
	if g2.GrantID != g.GrantID || g2.GrantToken == g.GrantToken {
		t.Fatalf("CreateGrant by name: %+v %+v", g, g2)
	}
	lg := must[listGrantsOutput](e, rootA, "ListGrants", &listGrantsInput{KeyID: k.KeyID})
	if len(lg.Grants) != 1 || lg.Grants[0].GrantID != g.GrantID || lg.Grants[0].GranteePrincipal != alice.ARN || lg.Grants[0].KeyID != k.Arn ||
		lg.Grants[0].IssuingAccount != rootA.ARN || lg.Grants[0].Name != "g1" || lg.Grants[0].Constraints == nil {
		t.Fatalf("ListGrants: %+v", lg)
	}
	if lr := must[listGrantsOutput](e, bob, "ListRetirableGrants", &listRetirableGrantsInput{RetiringPrincipal: bob.ARN}); len(lr.Grants) != 1 {
		t.Fatalf("ListRetirableGrants: %+v", lr)
	}
	// Only those the grant names may retire it: not alice (no RetireGrant
	// operation), but bob, its retiring principal, by token.
	_, err = call[struct{}](e, alice, "RetireGrant", &retireGrantInput{GrantToken: &g.GrantToken})
	wantErr(t, err, "AccessDeniedException", "")
	must[struct{}](e, bob, "RetireGrant", &retireGrantInput{GrantToken: &g2.GrantToken})
	_, err = call[decryptOutput](e, alice, "Decrypt", &decryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"team": "a"}})
	wantErr(t, err, "AccessDeniedException", "")
	_, err = call[struct{}](e, bob, "RetireGrant", &retireGrantInput{GrantToken: &g.GrantToken})
	wantErr(t, err, "InvalidGrantTokenException", "")
	_, err = call[struct{}](e, bob, "RetireGrant", &retireGrantInput{})
	wantErr(t, err, "ValidationException", "")

	// A grant with CreateGrant lets its grantee pass on part of it.
	g3 := must[createGrantOutput](e, rootA, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Encrypt", "CreateGrant"}})
	must[createGrantOutput](e, alice, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: carol.ARN, Operations: []string{"Encrypt"}})
	_, err = call[createGrantOutput](e, alice, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: carol.ARN, Operations: []string{"Decrypt"}})
	wantErr(t, err, "AccessDeniedException", "")
	// …and no looser than it: constraints go along.
	team := &GrantConstraints{EncryptionContextSubset: map[string]string{"team": "a"}}
	must[createGrantOutput](e, rootA, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Decrypt", "CreateGrant"}, Constraints: team})
	_, err = call[createGrantOutput](e, alice, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: carol.ARN, Operations: []string{"Decrypt"}})
	wantErr(t, err, "AccessDeniedException", "")
	must[createGrantOutput](e, alice, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: carol.ARN, Operations: []string{"Decrypt"},
		Constraints: &GrantConstraints{EncryptionContextEquals: map[string]string{"team": "a", "app": "x"}}})
	// carol, in another account, encrypts by her grant with the key's ARN.
	must[encryptOutput](e, carol, "Encrypt", &encryptInput{KeyID: k.Arn, Plaintext: []byte("x")})

	// RevokeGrant: kms:RevokeGrant on the key (alice has none).
	_, err = call[struct{}](e, alice, "RevokeGrant", &revokeGrantInput{KeyID: k.KeyID, GrantID: g3.GrantID})
	wantErr(t, err, "AccessDeniedException", "")
	must[struct{}](e, rootA, "RevokeGrant", &revokeGrantInput{KeyID: k.KeyID, GrantID: g3.GrantID})
	_, err = call[struct{}](e, rootA, "RevokeGrant", &revokeGrantInput{KeyID: k.KeyID, GrantID: g3.GrantID})
	wantErr(t, err, "InvalidGrantIdException", "")
	_, err = call[encryptOutput](e, alice, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x")})
	wantErr(t, err, "AccessDeniedException", "")
	_, err = call[createGrantOutput](e, rootA, "CreateGrant", &createGrantInput{KeyID: k.KeyID, GranteePrincipal: "not a principal", Operations: []string{"Encrypt"}})
	wantErr(t, err, "ValidationException", "")
}

func TestTagsAndListKeys(t *testing.T) {
	e := newEnv(t)
	k := must[keyMetadataOutput](e, rootA, "CreateKey", &createKeyInput{Description: ptr("d"), Tags: []Tag{{"env", "dev"}, {"team", "a"}}}).KeyMetadata
	must[struct{}](e, rootA, "TagResource", &tagResourceInput{KeyID: k.KeyID, Tags: []Tag{{"env", "prod"}, {"cost", "1"}}})
	must[struct{}](e, rootA, "UntagResource", &untagResourceInput{KeyID: k.KeyID, TagKeys: []string{"team"}})
	tags := must[listResourceTagsOutput](e, rootA, "ListResourceTags", &listResourceTagsInput{KeyID: k.KeyID})
	if len(tags.Tags) != 2 || tags.Tags[0] != (Tag{"cost", "1"}) || tags.Tags[1] != (Tag{"env", "prod"}) {
		t.Fatalf("tags: %+v", tags)
	}
	for _, bad := range [][]Tag{{{"aws:x", "y"}}, {{"a", "1"}, {"a", "2"}}} {
		_, err := call[struct{}](e, rootA, "TagResource", &tagResourceInput{KeyID: k.KeyID, Tags: bad})
		wantErr(t, err, "TagException", "")
	}
	// A condition on a resource tag.
	tagged := e.createKey(rootA, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"`+rootA.ARN+`"},"Action":"kms:*","Resource":"*"},
		{"Effect":"Allow","Principal":{"AWS":"`+alice.ARN+`"},"Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}}]}`)
	_, err := call[encryptOutput](e, alice, "Encrypt", &encryptInput{KeyID: tagged.KeyID, Plaintext: []byte("x")})
	wantErr(t, err, "AccessDeniedException", "")
	must[struct{}](e, rootA, "TagResource", &tagResourceInput{KeyID: tagged.KeyID, Tags: []Tag{{"env", "dev"}}})
	must[encryptOutput](e, alice, "Encrypt", &encryptInput{KeyID: tagged.KeyID, Plaintext: []byte("x")})

	must[struct{}](e, rootA, "UpdateKeyDescription", &updateKeyDescriptionInput{KeyID: k.KeyID, Description: ptr("new")})
	if d := must[keyMetadataOutput](e, rootA, "DescribeKey", &describeKeyInput{KeyID: k.KeyID}).KeyMetadata; d.Description != "new" {
		t.Fatalf("description %q", d.Description)
	}

	// ListKeys pages through the account's keys in the region only.
	for i := 0; i < 5; i++ {
		e.createKey(rootA, "")
	}
	e.createKey(rootB, "")
	seen := map[string]bool{}
	in := &listKeysInput{Limit: ptr[int32](2)}
	for {
		out := must[listKeysOutput](e, rootA, "ListKeys", in)
		for _, k := range out.Keys {
			if seen[k.KeyID] || !strings.Contains(k.KeyArn, ":"+acctA+":key/") {
				t.Fatalf("ListKeys: %+v", k)
			}
			seen[k.KeyID] = true
		}
		if !out.Truncated {
			break
		}
		in.Marker = out.NextMarker
	}
	if len(seen) != 7 {
		t.Fatalf("ListKeys paged %d keys, want 7", len(seen))
	}
	_, err = call[listKeysOutput](e, rootB, "ListKeys", &listKeysInput{Marker: in.Marker})
	if in.Marker != nil {
		wantErr(t, err, "InvalidMarkerException", "")
	}
}

func TestCreateKeyValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		in   createKeyInput
		code string
	}{
		{createKeyInput{KeySpec: ptr("RSA_2048")}, "NotImplemented"},
		{createKeyInput{KeyUsage: ptr("SIGN_VERIFY")}, "ValidationException"},
		{createKeyInput{Origin: ptr("EXTERNAL")}, "NotImplemented"},
		{createKeyInput{MultiRegion: ptr(true)}, "NotImplemented"},
		{createKeyInput{KeySpec: ptr("SYMMETRIC_DEFAULT"), CustomerMasterKeySpec: ptr("RSA_2048")}, "ValidationException"},
		{createKeyInput{Tags: []Tag{{"aws:cloudformation", "x"}}}, "TagException"},
	} {
		_, err := call[keyMetadataOutput](e, rootA, "CreateKey", &tc.in)
		wantErr(t, err, tc.code, "")
	}
	must[keyMetadataOutput](e, rootA, "CreateKey", &createKeyInput{KeySpec: ptr("SYMMETRIC_DEFAULT"), KeyUsage: ptr("ENCRYPT_DECRYPT")})
	// DryRun: authorized, then refused.
	k := e.createKey(rootA, "")
	_, err := call[encryptOutput](e, rootA, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x"), DryRun: ptr(true)})
	wantErr(t, err, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	_, err = call[encryptOutput](e, alice, "Encrypt", &encryptInput{KeyID: k.KeyID, Plaintext: []byte("x"), DryRun: ptr(true)})
	wantErr(t, err, "AccessDeniedException", "")
	// Operations AWS has and gureum does not, and ones nobody has.
	_, err = e.s.ops.Invoke(as(rootA), "Sign", &struct{}{})
	wantErr(t, err, "NotImplemented", "")
	_, err = e.s.ops.Invoke(as(rootA), "Frobnicate", &struct{}{})
	wantErr(t, err, "UnknownOperationException", "")
	out := must[generateRandomOutput](e, rootA, "GenerateRandom", &generateRandomInput{NumberOfBytes: ptr[int32](16)})
	if len(out.Plaintext) != 16 {
		t.Fatal("GenerateRandom")
	}
}
