package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
)

// VerifyPostPolicy checks the signature of a browser-form POST upload.
// fields are the form fields with lower-cased names. Signature Version 4
// forms carry x-amz-algorithm=AWS4-HMAC-SHA256, x-amz-credential,
// x-amz-date and x-amz-signature, the hex HMAC-SHA256 of the base64 policy
// under the credential's signing key; Version 2 forms carry AWSAccessKeyId
// and signature, the base64 HMAC-SHA1 of the policy under the secret. A
// form with none of these is anonymous.
//
// VerifyPostPolicy checks only who signed the policy: the policy's
// expiration and conditions are the caller's to enforce.
func (v *Verifier) VerifyPostPolicy(ctx context.Context, fields map[string]string) (*Auth, error) {
	if _, ok := fields["awsaccesskeyid"]; ok {
		return v.verifyPostV2(ctx, fields)
	}
	names := []string{"policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"}
	anyField := false
	for _, n := range names {
		if _, ok := fields[n]; ok {
			anyField = true
		}
	}
	if !anyField {
		return &Auth{Anonymous: true}, nil
	}
	for _, n := range names {
		if _, ok := fields[n]; !ok {
			return nil, errPostField(n)
		}
	}
	policy, algo, cred, date, sig := fields["policy"], fields["x-amz-algorithm"], fields["x-amz-credential"], fields["x-amz-date"], fields["x-amz-signature"]
	if algo != Algorithm {
		return nil, errInvalidArgument("Only AWS4-HMAC-SHA256 is supported", "X-Amz-Algorithm", algo)
	}
	sc, detail := parseCredential(cred)
	if detail != "" {
		return nil, errInvalidArgument(detail, "x-amz-credential", cred)
	}
	t, ok := parseAmzDate(date)
	if !ok {
		return nil, errInvalidArgument("X-Amz-Date must be formated via ISO8601 Long format", "X-Amz-Date", date)
	}
	secret, known, err := v.lookup(ctx, sc.accessKeyID)
	if err != nil {
		return nil, err
	}
	if known {
		mac := hmacSHA256(v.signingKey(secret, sc.date, sc.region, sc.service), policy)
		if !signatureEqual(mac, sig) {
			return nil, errMismatch(sc.accessKeyID, policy, sig, "")
		}
	}
	return &Auth{
		AccessKeyID:      sc.accessKeyID,
		SecurityToken:    fields["x-amz-security-token"],
		Region:           sc.region,
		Service:          sc.service,
		SignedAt:         t,
		Verified:         known,
		SignatureVersion: Algorithm,
	}, nil
}

// verifyPostV2 checks a Signature Version 2 form.
func (v *Verifier) verifyPostV2(ctx context.Context, fields map[string]string) (*Auth, error) {
	for _, n := range []string{"signature", "policy"} {
		if _, ok := fields[n]; !ok {
			return nil, errPostField(n)
		}
	}
	akid, policy, sig := fields["awsaccesskeyid"], fields["policy"], fields["signature"]
	if akid == "" {
		return nil, errUnknownKey(akid)
	}
	secret, known, err := v.lookup(ctx, akid)
	if err != nil {
		return nil, err
	}
	if known {
		m := hmac.New(sha1.New, []byte(secret))
		m.Write([]byte(policy))
		want := m.Sum(nil)
		got, derr := base64.StdEncoding.DecodeString(sig)
		if derr != nil || !hmac.Equal(want, got) {
			return nil, errMismatch(akid, policy, sig, "")
		}
	}
	return &Auth{
		AccessKeyID:      akid,
		SecurityToken:    fields["x-amz-security-token"],
		Service:          "s3",
		Verified:         known,
		SignatureVersion: SignatureV2,
	}, nil
}
