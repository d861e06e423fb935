package kms

import (
	"errors"
	"sort"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/awsjson"
)

// FuzzDecodeInputs: every operation's input decodes any body into either
// a value or AWS's SerializationException or ValidationException, never
// a panic and never a Go error (which would be a 500): every member type
// of KMS's inputs is one the decoder knows.
func FuzzDecodeInputs(f *testing.F) {
	f.Add(`{"KeyId":"k","Plaintext":"eA==","EncryptionContext":{"a":"b"},"GrantTokens":["t"],"DryRun":true}`)
	f.Add(`{"Tags":[{"TagKey":"a","TagValue":"b"}],"Constraints":{"EncryptionContextSubset":{"a":"b"}},"Recipient":{"AttestationDocument":"eA=="}}`)
	f.Add(`{"Operations":["Decrypt"],"Limit":5,"PendingWindowInDays":7,"NumberOfBytes":1024,"KeySpec":"AES_256"}`)
	f.Add(`{"Policy":"{}","BypassPolicyLockoutSafetyCheck":false,"MultiRegion":null,"DryRunModifiers":["IGNORE_CIPHERTEXT"]}`)
	s := New(Config{})
	var names []string
	for name := range s.ops.Ops {
		names = append(names, name)
	}
	sort.Strings(names)
	f.Fuzz(func(t *testing.T, body string) {
		for _, name := range names {
			err := awsjson.Decode([]byte(body), s.ops.Ops[name].NewInput())
			var ae *awsproto.Error
			if err != nil && (!errors.As(err, &ae) || (ae.Code != "SerializationException" && ae.Code != "ValidationException")) {
				t.Fatalf("%s: %v", name, err)
			}
		}
	})
}
