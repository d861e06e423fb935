package awsmanaged

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/policy"
)

// statement is the subset of a policy statement the tests look at.
type statement struct {
	Effect    string
	Action    any
	NotAction any
	Resource  any
}

// document is the subset of a policy document the tests look at.
type document struct {
	Version   string
	Statement json.RawMessage
}

// statements decodes the Statement element, which may be one object or a list.
func statements(t *testing.T, raw json.RawMessage) []statement {
	t.Helper()
	var list []statement
	if err := json.Unmarshal(raw, &list); err == nil {
		return list
	}
	var one statement
	if err := json.Unmarshal(raw, &one); err != nil {
		t.Fatalf("Statement is neither an object nor a list: %v", err)
	}
	return []statement{one}
}

// strs turns an Action or Resource element (a string or a list of strings) into a list.
func strs(t *testing.T, v any) []string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				t.Fatalf("element %v is not a string", e)
			}
			out = append(out, s)
		}
		return out
	default:
		t.Fatalf("unexpected element %T", v)
		return nil
	}
}

// TestDocumentsAreValid checks that every document is valid JSON with Version 2012-10-17 and a non-empty Statement.
func TestDocumentsAreValid(t *testing.T) {
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			if !json.Valid([]byte(p.Document)) {
				t.Fatal("document is not valid JSON")
			}
			var doc document
			if err := json.Unmarshal([]byte(p.Document), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Version != "2012-10-17" {
				t.Errorf("Version = %q, want 2012-10-17", doc.Version)
			}
			sts := statements(t, doc.Statement)
			if len(sts) == 0 {
				t.Fatal("Statement is empty")
			}
			for i, st := range sts {
				if st.Effect != "Allow" && st.Effect != "Deny" {
					t.Errorf("statement %d: Effect = %q", i, st.Effect)
				}
				if st.Action == nil && st.NotAction == nil {
					t.Errorf("statement %d has neither Action nor NotAction", i)
				}
			}
		})
	}
}

// TestMetadata checks that names, ARNs and ids are unique and that the metadata is well formed.
func TestMetadata(t *testing.T) {
	all := All()
	if len(all) < 1400 {
		t.Fatalf("All() returned %d policies, want the whole catalogue (some 1,450)", len(all))
	}
	if len(Listed()) != len(all) {
		t.Fatalf("Listed() returned %d policies, All() %d", len(Listed()), len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b Policy) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted by name")
	}
	names := map[string]bool{}
	arns := map[string]bool{}
	ids := map[string]bool{}
	for _, p := range all {
		if names[p.Name] {
			t.Errorf("duplicate name %s", p.Name)
		}
		if arns[p.ARN] {
			t.Errorf("duplicate ARN %s", p.ARN)
		}
		if ids[p.PolicyID] {
			t.Errorf("duplicate policy id %s", p.PolicyID)
		}
		names[p.Name], arns[p.ARN], ids[p.PolicyID] = true, true, true

		if !strings.HasPrefix(p.Path, "/") || !strings.HasSuffix(p.Path, "/") {
			t.Errorf("%s: bad path %q", p.Name, p.Path)
		}
		if want := "arn:aws:iam::aws:policy" + p.Path + p.Name; p.ARN != want {
			t.Errorf("%s: ARN = %q, want %q", p.Name, p.ARN, want)
		}
		if !strings.HasPrefix(p.PolicyID, "ANPA") || len(p.PolicyID) != 21 {
			t.Errorf("%s: bad policy id %q", p.Name, p.PolicyID)
		}
		if !strings.HasPrefix(p.DefaultVersionID, "v") {
			t.Errorf("%s: bad default version id %q", p.Name, p.DefaultVersionID)
		}
		if p.CreateDate.IsZero() || p.UpdateDate.Before(p.CreateDate) {
			t.Errorf("%s: bad dates %v, %v", p.Name, p.CreateDate, p.UpdateDate)
		}
		if p.UpdateDate.Location() != time.UTC {
			t.Errorf("%s: update date not in UTC", p.Name)
		}
	}
	for name := range descriptions {
		if !names[name] {
			t.Errorf("description of %s, which the catalogue does not hold", name)
		}
	}
	for _, p := range all {
		if _, ok := descriptions[p.Name]; ok && p.Description == "" {
			t.Errorf("%s: empty description", p.Name)
		}
	}
}

// TestListedOrder checks that Listed keeps IAM's ListPolicies order, which
// starts with the oldest policies, and that paths and attachability come
// through.
func TestListedOrder(t *testing.T) {
	listed := Listed()
	var first []string
	for _, p := range listed[:3] {
		first = append(first, p.Name)
	}
	if want := []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"}; !slices.Equal(first, want) {
		t.Errorf("Listed() starts with %v, want %v", first, want)
	}
	paths := map[string]int{}
	for _, p := range listed {
		paths[p.Path]++
	}
	for _, path := range []string{"/", "/service-role/", "/aws-service-role/", "/job-function/"} {
		if paths[path] == 0 {
			t.Errorf("no policy with path %s", path)
		}
	}
	p, ok := ByARN("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole")
	if !ok || p.Path != "/service-role/" || !p.Attachable {
		t.Errorf("AmazonEC2ContainerServiceRole: %+v %v", p, ok)
	}
	p, ok = ByARN("arn:aws:iam::aws:policy/service-role/AWSConfigRole")
	if !ok || p.Attachable {
		t.Errorf("AWSConfigRole is listed as not attachable: %+v %v", p.Attachable, ok)
	}
}

// TestDecodeRejectsDamage checks that a damaged catalogue is an error, not
// a partial set.
func TestDecodeRejectsDamage(t *testing.T) {
	if _, err := decode(catalogue[:len(catalogue)/2]); err == nil {
		t.Error("decode accepted a truncated catalogue")
	}
	if _, err := decode([]byte("not gzip")); err == nil {
		t.Error("decode accepted a file that is not gzip")
	}
}

// TestByARN checks that every policy is found by its ARN and that unknown ARNs are not.
func TestByARN(t *testing.T) {
	for _, p := range All() {
		got, ok := ByARN(p.ARN)
		if !ok || got.Name != p.Name || got.Document != p.Document {
			t.Errorf("ByARN(%q) = %q, %v", p.ARN, got.Name, ok)
		}
	}
	p, ok := ByARN("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
	if !ok || p.Name != "ViewOnlyAccess" || p.Path != "/job-function/" {
		t.Errorf("ByARN(ViewOnlyAccess) = %+v, %v", p.Name, ok)
	}
	for _, arn := range []string{
		"",
		"arn:aws:iam::aws:policy/NoSuchPolicy",
		"arn:aws:iam::aws:policy/ViewOnlyAccess",
		"arn:aws:iam::123456789012:policy/AdministratorAccess",
	} {
		if _, ok := ByARN(arn); ok {
			t.Errorf("ByARN(%q) found a policy", arn)
		}
	}
}

// TestAllReturnsCopy checks that callers cannot change the package's policies through All.
func TestAllReturnsCopy(t *testing.T) {
	a := All()
	a[0].Name = "changed"
	if All()[0].Name == "changed" {
		t.Error("All() shares its backing array with the package")
	}
}

// TestAdministratorAccess checks that AdministratorAccess allows every action on every resource.
func TestAdministratorAccess(t *testing.T) {
	p, ok := ByARN("arn:aws:iam::aws:policy/AdministratorAccess")
	if !ok {
		t.Fatal("AdministratorAccess not found")
	}
	if p.PolicyID != "ANPAIWMBCKSKIEE64ZLYK" || p.DefaultVersionID != "v1" {
		t.Errorf("metadata = %s %s", p.PolicyID, p.DefaultVersionID)
	}
	var doc document
	if err := json.Unmarshal([]byte(p.Document), &doc); err != nil {
		t.Fatal(err)
	}
	sts := statements(t, doc.Statement)
	if len(sts) != 1 {
		t.Fatalf("%d statements, want 1", len(sts))
	}
	st := sts[0]
	if st.Effect != "Allow" || !slices.Equal(strs(t, st.Action), []string{"*"}) ||
		!slices.Equal(strs(t, st.Resource), []string{"*"}) {
		t.Errorf("statement = %+v, want Allow * on *", st)
	}
}

// TestAmazonS3ReadOnlyAccess checks the actions AmazonS3ReadOnlyAccess allows.
func TestAmazonS3ReadOnlyAccess(t *testing.T) {
	p, ok := ByARN("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	if !ok {
		t.Fatal("AmazonS3ReadOnlyAccess not found")
	}
	if p.PolicyID != "ANPAIZTJ4DXE7G6AGAE6M" || p.DefaultVersionID != "v3" {
		t.Errorf("metadata = %s %s", p.PolicyID, p.DefaultVersionID)
	}
	var doc document
	if err := json.Unmarshal([]byte(p.Document), &doc); err != nil {
		t.Fatal(err)
	}
	sts := statements(t, doc.Statement)
	if len(sts) != 1 {
		t.Fatalf("%d statements, want 1", len(sts))
	}
	st := sts[0]
	want := []string{"s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"}
	if st.Effect != "Allow" || !slices.Equal(strs(t, st.Action), want) ||
		!slices.Equal(strs(t, st.Resource), []string{"*"}) {
		t.Errorf("statement = %+v, want Allow %v on *", st, want)
	}
}

// TestExpectedPolicies checks that the policies gureum relies on are all shipped.
func TestExpectedPolicies(t *testing.T) {
	for _, name := range []string{
		"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess",
		"IAMFullAccess", "IAMReadOnlyAccess",
		"AmazonS3FullAccess", "AmazonS3ReadOnlyAccess",
		"AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess", "AmazonVPCFullAccess",
		"SecurityAudit", "AmazonSSMManagedInstanceCore",
	} {
		if _, ok := ByARN("arn:aws:iam::aws:policy/" + name); !ok {
			t.Errorf("%s missing", name)
		}
	}
}

// TestEngineParsesEveryDocument checks that gureum's policy engine accepts
// every document as an identity policy: a policy it could not parse would
// grant nothing when attached.
func TestEngineParsesEveryDocument(t *testing.T) {
	for _, p := range All() {
		if _, err := policy.ParseAs([]byte(p.Document), policy.Identity); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// BenchmarkDecode measures the first-use cost of the catalogue.
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(catalogue); err != nil {
			b.Fatal(err)
		}
	}
}
