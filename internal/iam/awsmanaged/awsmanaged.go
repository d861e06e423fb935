// Package awsmanaged holds the AWS managed policies gureum ships, with their real documents.
//
// The documents under policies/ are the default versions of the policies as
// returned by IAM GetPolicyVersion, taken from the zoph-io/MAMIP mirror of AWS
// managed policies (commit 0387244e53a3dbe038810ef3463489c2c6836f06,
// 2026-03-07). The metadata in the table below comes from the same snapshot's
// ListPolicies output. ListPolicies carries no descriptions, so those were
// taken from AWS's managed policy reference and lists generated from GetPolicy.
package awsmanaged

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// arnPrefix is the ARN prefix shared by every AWS managed policy.
const arnPrefix = "arn:aws:iam::aws:policy"

// Policy is one AWS managed policy with its default version's document.
type Policy struct {
	// Name is the policy name, e.g. "AmazonS3ReadOnlyAccess".
	Name string
	// ARN is the policy ARN, including the path when it is not "/",
	// e.g. "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess".
	ARN string
	// Path is the policy path, "/" or e.g. "/job-function/".
	Path string
	// PolicyID is the unique id AWS assigned to the policy, e.g. "ANPA...".
	PolicyID string
	// DefaultVersionID is the id of the default version, e.g. "v3".
	DefaultVersionID string
	// Description is the policy description as AWS returns it.
	Description string
	// CreateDate is when AWS created the policy.
	CreateDate time.Time
	// UpdateDate is when the default version was last changed.
	UpdateDate time.Time
	// Document is the JSON policy document of the default version.
	Document string
}

//go:embed policies/*.json
var documents embed.FS

// metadata is the static description of one policy; its document lives in
// policies/<Name>.json.
type metadata struct {
	Name             string
	Path             string
	PolicyID         string
	DefaultVersionID string
	Description      string
	CreateDate       string // RFC 3339
	UpdateDate       string // RFC 3339
}

// table lists the shipped policies, sorted by name.
var table = []metadata{
	{
		Name:             "AdministratorAccess",
		Path:             "/",
		PolicyID:         "ANPAIWMBCKSKIEE64ZLYK",
		DefaultVersionID: "v1",
		Description:      "Provides full access to AWS services and resources.",
		CreateDate:       "2015-02-06T18:39:46Z",
		UpdateDate:       "2015-02-06T18:39:46Z",
	},
	{
		Name:             "AmazonEC2FullAccess",
		Path:             "/",
		PolicyID:         "ANPAI3VAJF5ZCRZ7MCQE6",
		DefaultVersionID: "v5",
		Description:      "Provides full access to Amazon EC2 via the AWS Management Console.",
		CreateDate:       "2015-02-06T18:40:15Z",
		UpdateDate:       "2018-11-27T02:16:56Z",
	},
	{
		Name:             "AmazonEC2ReadOnlyAccess",
		Path:             "/",
		PolicyID:         "ANPAIGDT4SV4GSETWTBZK",
		DefaultVersionID: "v5",
		Description:      "Provides read only access to Amazon EC2 via the AWS Management Console.",
		CreateDate:       "2015-02-06T18:40:17Z",
		UpdateDate:       "2026-02-12T18:03:17Z",
	},
	{
		Name:             "AmazonS3FullAccess",
		Path:             "/",
		PolicyID:         "ANPAIFIR6V6BVTRAHWINE",
		DefaultVersionID: "v2",
		Description:      "Provides full access to all buckets via the AWS Management Console.",
		CreateDate:       "2015-02-06T18:40:58Z",
		UpdateDate:       "2021-09-27T20:16:37Z",
	},
	{
		Name:             "AmazonS3ReadOnlyAccess",
		Path:             "/",
		PolicyID:         "ANPAIZTJ4DXE7G6AGAE6M",
		DefaultVersionID: "v3",
		Description:      "Provides read only access to all buckets via the AWS Management Console.",
		CreateDate:       "2015-02-06T18:40:59Z",
		UpdateDate:       "2023-08-10T21:31:39Z",
	},
	{
		Name:             "AmazonSSMManagedInstanceCore",
		Path:             "/",
		PolicyID:         "ANPAIXSHM2BNB2D3AXXRU",
		DefaultVersionID: "v2",
		Description:      "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.",
		CreateDate:       "2019-03-15T17:22:12Z",
		UpdateDate:       "2019-05-23T16:54:21Z",
	},
	{
		Name:             "AmazonVPCFullAccess",
		Path:             "/",
		PolicyID:         "ANPAJBWPGNOVKZD3JI2P2",
		DefaultVersionID: "v13",
		Description:      "Provides full access to Amazon VPC via the AWS Management Console.",
		CreateDate:       "2015-02-06T18:41:16Z",
		UpdateDate:       "2026-02-12T18:00:44Z",
	},
	{
		Name:             "IAMFullAccess",
		Path:             "/",
		PolicyID:         "ANPAI7XKCFMBPM3QQRRVQ",
		DefaultVersionID: "v2",
		Description:      "Provides full access to IAM via the AWS Management Console.",
		CreateDate:       "2015-02-06T18:40:38Z",
		UpdateDate:       "2019-06-21T19:40:00Z",
	},
	{
		Name:             "IAMReadOnlyAccess",
		Path:             "/",
		PolicyID:         "ANPAJKSO7NDY4T57MWDSQ",
		DefaultVersionID: "v4",
		Description:      "Provides read only access to IAM via the AWS Management Console.",
		CreateDate:       "2015-02-06T18:40:39Z",
		UpdateDate:       "2018-01-25T19:11:27Z",
	},
	{
		Name:             "PowerUserAccess",
		Path:             "/",
		PolicyID:         "ANPAJYRXTHIB4FOVS3ZXS",
		DefaultVersionID: "v12",
		Description:      "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
		CreateDate:       "2015-02-06T18:39:47Z",
		UpdateDate:       "2026-02-12T17:59:14Z",
	},
	{
		Name:             "ReadOnlyAccess",
		Path:             "/",
		PolicyID:         "ANPAILL3HVNFSB6DCOWYQ",
		DefaultVersionID: "v178",
		Description:      "Provides read-only access to AWS services and resources.",
		CreateDate:       "2015-02-06T18:39:48Z",
		UpdateDate:       "2026-02-12T18:01:33Z",
	},
	{
		Name:             "SecurityAudit",
		Path:             "/",
		PolicyID:         "ANPAIX2T3QCXHR2OGGCTO",
		DefaultVersionID: "v85",
		Description:      "The security audit template grants access to read security configuration metadata. It is useful for software that audits the configuration of an AWS account.",
		CreateDate:       "2015-02-06T18:41:01Z",
		UpdateDate:       "2026-03-02T17:12:11Z",
	},
	{
		Name:             "ViewOnlyAccess",
		Path:             "/job-function/",
		PolicyID:         "ANPAID22R6XPJATWOFDK6",
		DefaultVersionID: "v43",
		Description:      "This policy grants permissions to view resources and basic metadata across all AWS services.",
		CreateDate:       "2016-11-10T17:20:15Z",
		UpdateDate:       "2026-02-12T18:02:40Z",
	},
}

// loaded holds the policies built from table and the embedded documents.
var loaded = sync.OnceValues(func() ([]Policy, map[string]int) {
	policies := make([]Policy, 0, len(table))
	byARN := make(map[string]int, len(table))
	for _, m := range table {
		p, err := build(m)
		if err != nil {
			panic(err)
		}
		policies = append(policies, p)
	}
	slices.SortFunc(policies, func(a, b Policy) int { return strings.Compare(a.Name, b.Name) })
	for i, p := range policies {
		byARN[p.ARN] = i
	}
	return policies, byARN
})

// build turns one metadata entry into a Policy, reading its embedded document.
func build(m metadata) (Policy, error) {
	doc, err := documents.ReadFile("policies/" + m.Name + ".json")
	if err != nil {
		return Policy{}, fmt.Errorf("awsmanaged: document for %s: %w", m.Name, err)
	}
	created, err := time.Parse(time.RFC3339, m.CreateDate)
	if err != nil {
		return Policy{}, fmt.Errorf("awsmanaged: create date of %s: %w", m.Name, err)
	}
	updated, err := time.Parse(time.RFC3339, m.UpdateDate)
	if err != nil {
		return Policy{}, fmt.Errorf("awsmanaged: update date of %s: %w", m.Name, err)
	}
	return Policy{
		Name:             m.Name,
		ARN:              policyARN(m.Path, m.Name),
		Path:             m.Path,
		PolicyID:         m.PolicyID,
		DefaultVersionID: m.DefaultVersionID,
		Description:      m.Description,
		CreateDate:       created,
		UpdateDate:       updated,
		Document:         string(doc),
	}, nil
}

// policyARN returns the ARN of the AWS managed policy with the given path and
// name. An empty path is treated as "/".
func policyARN(path, name string) string {
	if path == "" {
		path = "/"
	}
	return arnPrefix + path + name
}

// All returns the policies sorted by name. The caller may modify the returned slice.
func All() []Policy {
	policies, _ := loaded()
	return slices.Clone(policies)
}

// ByARN returns one policy by ARN and reports whether it was found.
func ByARN(arn string) (Policy, bool) {
	policies, byARN := loaded()
	i, ok := byARN[arn]
	if !ok {
		return Policy{}, false
	}
	return policies[i], true
}
