package s3

import (
	"encoding/xml"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDueAfter: creation + days, rounded up to the next midnight UTC (the
// example of S3's user guide: 10:30 on Jan 15 + 3 days is Jan 19 00:00),
// and the same with a scaled day.
func TestDueAfter(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		created string
		days    int
		day     time.Duration
		want    string
	}{
		{"2014-01-15T10:30:00Z", 3, day, "2014-01-19T00:00:00Z"},
		{"2014-01-15T00:00:00Z", 1, day, "2014-01-17T00:00:00Z"}, // exactly midnight: the next one
		{"2014-01-15T23:59:59.999Z", 1, day, "2014-01-17T00:00:00Z"},
		{"2014-01-15T10:30:00+09:00", 1, day, "2014-01-17T00:00:00Z"}, // 01:30 UTC
		{"2024-02-28T12:00:00Z", 1, day, "2024-03-01T00:00:00Z"},      // leap day
		{"2014-01-15T10:30:00.400Z", 2, time.Second, "2014-01-15T10:30:03Z"},
		{"2014-01-15T10:30:00Z", 2, time.Second, "2014-01-15T10:30:03Z"},
	} {
		got := dueAfter(mustTime(t, c.created), c.days, c.day)
		if !got.Equal(mustTime(t, c.want)) {
			t.Errorf("dueAfter(%s, %d, %s) = %s, want %s", c.created, c.days, c.day, got, c.want)
		}
	}
	if got := nextBoundary(mustTime(t, "2014-01-15T10:30:00Z"), day); !got.Equal(mustTime(t, "2014-01-16T00:00:00Z")) {
		t.Errorf("nextBoundary = %s", got)
	}
}

func TestValidateLifecycle(t *testing.T) {
	for _, c := range []struct {
		name, rules string
		code, msg   string
	}{
		{"ok", `<Rule><ID>a</ID><Filter><Prefix>p/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, "", ""},
		{"legacy prefix", `<Rule><ID>a</ID><Prefix>p/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, "", ""},
		{"and", `<Rule><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>`, "", ""},
		{"no rules", ``, "MalformedXML", ""},
		{"status", `<Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>`, "MalformedXML", ""},
		{"no filter", `<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, "MalformedXML", ""},
		{"filter and prefix", `<Rule><Prefix/><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, "MalformedXML", ""},
		{"two predicates", `<Rule><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, "MalformedXML", ""},
		{"long id", `<Rule><ID>` + longID + `</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, "InvalidArgument", "ID length should not exceed allowed limit of 255"},
		{"same id", `<Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule><Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`, "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"},
		{"days 0", `<Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>`, "InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"date not midnight", `<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration></Rule>`, "InvalidArgument", "'Date' must be at midnight GMT"},
		{"eodm with days", `<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`, "MalformedXML", ""},
		{"eodm with tag", `<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`, "InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags."},
		{"no action", `<Rule><Filter/><Status>Enabled</Status></Rule>`, "InvalidRequest", "At least one action needs to be specified in a rule"},
		{"noncurrent 0", `<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration></Rule>`, "InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"noncurrent without days", `<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`, "MalformedXML", ""},
		{"abort 0", `<Rule><Filter/><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`, "InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
		{"abort with tags", `<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`, "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."},
		{"duplicate tags", `<Rule><Filter><And><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k</Key><Value>w</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, "InvalidRequest", "Duplicate Tag Keys are not allowed."},
		{"transition ia 29", `<Rule><Filter/><Status>Enabled</Status><Transition><Days>29</Days><StorageClass>STANDARD_IA</StorageClass></Transition></Rule>`, "InvalidArgument", "'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'"},
		{"transition class", `<Rule><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>FOO</StorageClass></Transition></Rule>`, "MalformedXML", ""},
		{"transition ok", `<Rule><Filter/><Status>Enabled</Status><Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var doc lifecycleConfiguration
			if err := xml.Unmarshal([]byte(`<LifecycleConfiguration>`+c.rules+`</LifecycleConfiguration>`), &doc); err != nil {
				t.Fatal(err)
			}
			err := validateLifecycle(&doc)
			if c.code == "" {
				if err != nil {
					t.Fatalf("want ok, got %v", err)
				}
				for _, r := range doc.Rules {
					if r.ID == "" {
						t.Fatal("no ID generated")
					}
				}
				return
			}
			ae, ok := awsproto.As(err)
			if !ok || ae.Code != c.code || (c.msg != "" && ae.Message != c.msg) {
				t.Fatalf("want %s %q, got %v", c.code, c.msg, err)
			}
		})
	}
}

var longID = string(func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = 'a'
	}
	return b
}())

// TestPlanKey: noncurrent versions expire NoncurrentDays after the next
// version replaced them, the NewerNoncurrentVersions newest kept; a lone
// delete marker goes once its versions are gone.
func TestPlanKey(t *testing.T) {
	day := time.Second
	t0 := mustTime(t, "2030-01-01T00:00:00.5Z")
	one := 1
	rules := []*lifecycleRule{{ID: "nc", Status: "Enabled", Filter: &lifecycleFilter{},
		NoncurrentVersionExpiration: &noncurrentExpiration{NoncurrentDays: &one, NewerNoncurrentVersions: &one}}}
	vs := []*versionRecord{
		{Key: "k", Seq: 4, Modified: t0.Add(3 * time.Second), DeleteMarker: true},
		{Key: "k", Seq: 3, Modified: t0.Add(2 * time.Second)},
		{Key: "k", Seq: 2, Modified: t0.Add(1 * time.Second)},
		{Key: "k", Seq: 1, Modified: t0},
	}
	var next time.Time
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	// At t0+10s everything is old: seq 3 is kept (the one newer
	// noncurrent version), 2 and 1 go.
	acts := planKey(rules, vs, t0.Add(10*time.Second), day, later)
	if len(acts) != 2 || acts[0].seq != 2 || acts[1].seq != 1 {
		t.Fatalf("acts %+v", acts)
	}
	// Seq 1 became noncurrent at t0+1s: due at the boundary after t0+2s.
	acts = planKey(rules, vs, t0.Add(2*time.Second), day, later)
	if len(acts) != 0 {
		t.Fatalf("acts %+v", acts)
	}
	if want := mustTime(t, "2030-01-01T00:00:03Z"); !next.Equal(want) {
		t.Fatalf("next %s, want %s", next, want)
	}
	// A delete marker whose versions all go is removed with them.
	eodm := true
	rules = append(rules, &lifecycleRule{ID: "dm", Status: "Enabled", Filter: &lifecycleFilter{}, Expiration: &lifecycleExpiration{ExpiredObjectDeleteMarker: &eodm}})
	rules[0].NoncurrentVersionExpiration.NewerNoncurrentVersions = nil
	acts = planKey(rules, vs, t0.Add(10*time.Second), day, later)
	if len(acts) != 4 || acts[3].seq != 4 {
		t.Fatalf("acts %+v", acts)
	}
}
