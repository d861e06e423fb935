package awsjson

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/operation"
)

type tag struct {
	TagKey   string `json:"TagKey" aws:"required,min=1,max=128"`
	TagValue string `json:"TagValue" aws:"required,max=256"`
}

type input struct {
	KeyID      string            `json:"KeyId" aws:"required,min=1,max=20"`
	Plaintext  []byte            `json:"Plaintext" aws:"min=1,max=8,sensitive"`
	Context    map[string]string `json:"EncryptionContext"`
	Limit      *int32            `json:"Limit" aws:"min=1,max=1000"`
	Spec       string            `json:"KeySpec" aws:"enum=AES_256|AES_128"`
	Ops        []string          `json:"Operations" aws:"min=1,enum=Encrypt|Decrypt"`
	Tags       []tag             `json:"Tags"`
	Bypass     bool              `json:"BypassPolicyLockoutSafetyCheck"`
	DryRun     *bool             `json:"DryRun"`
	Nested     *struct{ A string }
	unexported string
}

func code(err error) string {
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func TestDecode(t *testing.T) {
	lim := int32(5)
	yes := true
	for _, tc := range []struct {
		name string
		body string
		want input
		code string
		msg  string
	}{
		{name: "all members",
			body: `{"KeyId":"k","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"},"Limit":5,"KeySpec":"AES_128",` +
				`"Operations":["Encrypt"],"Tags":[{"TagKey":"t","TagValue":""}],"BypassPolicyLockoutSafetyCheck":true,"DryRun":true,"Nested":{"A":"x"},"Unknown":1}`,
			want: input{KeyID: "k", Plaintext: []byte("hello"), Context: map[string]string{"a": "b"}, Limit: &lim, Spec: "AES_128",
				Ops: []string{"Encrypt"}, Tags: []tag{{TagKey: "t"}}, Bypass: true, DryRun: &yes, Nested: &struct{ A string }{"x"}}},
		{name: "null is absent", body: `{"KeyId":"k","Limit":null,"Tags":null}`, want: input{KeyID: "k"}},
		{name: "empty body is an empty object", body: ``, code: "ValidationException",
			msg: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"},
		{name: "empty string is not absent", body: `{"KeyId":""}`, code: "ValidationException",
			msg: "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "several errors", body: `{"KeyId":"k","Limit":0,"KeySpec":"AES_512","Tags":[{"TagKey":""}]}`, code: "ValidationException",
			msg: "4 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]; " +
				"Value '' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value null at 'tags.1.member.tagValue' failed to satisfy constraint: Member must not be null"},
		{name: "sensitive values are not echoed", body: `{"KeyId":"k","Plaintext":"MTIzNDU2Nzg5"}`, code: "ValidationException",
			msg: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 8"},
		{name: "list enum", body: `{"KeyId":"k","Operations":["Encrypt","Sign"]}`, code: "ValidationException",
			msg: "1 validation error detected: Value '[Encrypt, Sign]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Encrypt, Decrypt]]"},
		{name: "not JSON", body: `{"KeyId":`, code: "SerializationException"},
		{name: "two values", body: `{} {}`, code: "SerializationException"},
		{name: "not an object", body: `["KeyId"]`, code: "SerializationException"},
		{name: "wrong type", body: `{"KeyId":5}`, code: "SerializationException"},
		{name: "bad base64", body: `{"KeyId":"k","Plaintext":"!!"}`, code: "SerializationException"},
		{name: "fraction for an integer", body: `{"KeyId":"k","Limit":1.5}`, code: "SerializationException"},
		{name: "overflow", body: `{"KeyId":"k","Limit":99999999999}`, code: "SerializationException"},
		{name: "map of non-strings", body: `{"KeyId":"k","EncryptionContext":{"a":1}}`, code: "SerializationException"},
		{name: "list element of the wrong type", body: `{"KeyId":"k","Tags":["x"]}`, code: "SerializationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got input
			err := Decode([]byte(tc.body), &got)
			if tc.code != "" {
				if code(err) != tc.code {
					t.Fatalf("want %s, got %v", tc.code, err)
				}
				if tc.msg != "" && err.(*awsproto.Error).Message != tc.msg {
					t.Fatalf("message:\n got %s\nwant %s", err.(*awsproto.Error).Message, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestTimeIsEpochSeconds(t *testing.T) {
	b, err := json.Marshal(struct{ T *Time }{NewTime(time.UnixMilli(1700000000123))})
	if err != nil || string(b) != `{"T":1700000000.123}` {
		t.Fatalf("%s %v", b, err)
	}
}

type echoIn struct {
	Name string `json:"Name" aws:"required"`
}
type echoOut struct {
	Said string `json:"Said"`
}

func TestDispatcher(t *testing.T) {
	svc := &operation.Service{
		Ops: map[string]*operation.Operation{
			"Echo": operation.New("Echo", "", func(_ context.Context, in *echoIn) (*echoOut, error) {
				return &echoOut{Said: in.Name}, nil
			}),
			"Nothing": operation.New("Nothing", "", func(context.Context, *echoIn) (*struct{}, error) { return nil, nil }),
			"Fail": operation.New("Fail", "", func(context.Context, *echoIn) (*struct{}, error) {
				return nil, awsproto.New(http.StatusBadRequest, "NotFoundException", "gone")
			}),
			"Fault": operation.New("Fault", "", func(context.Context, *echoIn) (*struct{}, error) {
				return nil, errors.New("secret path /x")
			}),
		},
		Unknown: func(name string) error { return UnknownOperationException() },
	}
	d := &awsproto.Dispatcher{Service: svc, Protocol: &Protocol{TargetPrefix: "TrentService", Version: "1.1"}, Log: slogDiscard()}
	do := func(method, target, body string) (int, http.Header, string) {
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		w := httptest.NewRecorder()
		d.ServeHTTP(w, req)
		return w.Code, w.Header(), w.Body.String()
	}
	for _, tc := range []struct {
		method, target, body string
		status               int
		want                 string
	}{
		{"POST", "TrentService.Echo", `{"Name":"hi"}`, 200, `{"Said":"hi"}`},
		{"POST", "TrentService.Nothing", `{"Name":"hi"}`, 200, `{}`},
		{"POST", "TrentService.Echo", `{`, 400, `{"__type":"SerializationException","message":"Malformed JSON in the request body."}`},
		{"POST", "TrentService.Echo", `{}`, 400, `{"__type":"ValidationException","message":"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"}`},
		{"POST", "TrentService.Fail", `{"Name":"x"}`, 400, `{"__type":"NotFoundException","message":"gone"}`},
		{"POST", "TrentService.Fault", `{"Name":"x"}`, 500, `{"__type":"InternalError","message":"We encountered an internal error. Please try again."}`},
		{"POST", "TrentService.Missing", `{}`, 400, `{"__type":"UnknownOperationException"}`},
		{"POST", "DynamoDB_20120810.Echo", `{}`, 400, `{"__type":"UnknownOperationException"}`},
		{"POST", "", `{}`, 400, `{"__type":"UnknownOperationException"}`},
		{"GET", "TrentService.Echo", ``, 400, `{"__type":"UnknownOperationException"}`},
	} {
		status, h, body := do(tc.method, tc.target, tc.body)
		if status != tc.status || body != tc.want {
			t.Errorf("%s %s %s: %d %s, want %d %s", tc.method, tc.target, tc.body, status, body, tc.status, tc.want)
		}
		if ct := h.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Errorf("%s: Content-Type %q", tc.target, ct)
		}
		if status != 200 && h.Get("x-amzn-ErrorType") == "" {
			t.Errorf("%s: no x-amzn-ErrorType", tc.target)
		}
	}
	status, _, body := do("POST", "TrentService.Echo", `{"Name":"`+strings.Repeat("x", MaxBody)+`"}`)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "RequestEntityTooLarge") {
		t.Fatalf("oversized body: %d %s", status, body)
	}
}

// FuzzDecode: no body, however malformed, panics the decoder, and every
// refusal is AWS's SerializationException or ValidationException.
func FuzzDecode(f *testing.F) {
	f.Add(`{"KeyId":"k","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"},"Limit":5}`)
	f.Add(`{"KeyId":"","Tags":[{"TagKey":"a","TagValue":"b"},{}],"Operations":["Encrypt","x"]}`)
	f.Add(`{"Nested":{"A":1},"DryRun":"yes","Limit":-1e400}`)
	f.Add(`[[[[[[[[[[[[{}]]]]]]]]]]]]`)
	f.Add("\xff\xfe{\"KeyId\":\"\\ud800\"}")
	f.Fuzz(func(t *testing.T, body string) {
		var in input
		err := Decode([]byte(body), &in)
		if err == nil {
			if in.KeyID == "" {
				t.Fatal("accepted an input without its required member")
			}
			return
		}
		if c := code(err); c != "SerializationException" && c != "ValidationException" {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
