//go:build ignore

// Gen rebuilds catalogue.gz from a checkout of github.com/zoph-io/MAMIP:
//
//	go run gen.go -mamip /path/to/MAMIP
//
// MAMIP keeps AWS's ListPolicies output (Scope=AWS) in policies-list.json
// and, for each policy, the GetPolicyVersion output of its default version
// in policies/<PolicyName>. The catalogue keeps the list's order (the order
// IAM lists them in) and each policy's metadata and document, in the format
// awsmanaged.go describes; the document is indented with four spaces, its
// keys in the order MAMIP has them. Files of policies/ that the list does
// not name are deprecated policies AWS no longer lists; they are left out.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// listed is one policy of policies-list.json.
type listed struct {
	PolicyName       string
	PolicyID         string `json:"PolicyId"`
	Arn              string
	Path             string
	DefaultVersionID string `json:"DefaultVersionId"`
	IsAttachable     bool
	CreateDate       string
	UpdateDate       string
}

// version is a policies/<PolicyName> file.
type version struct {
	PolicyVersion struct {
		VersionID        string `json:"VersionId"`
		IsDefaultVersion bool
		Document         json.RawMessage
	}
}

func main() {
	dir := flag.String("mamip", "", "path of a MAMIP checkout")
	file := flag.String("out", "catalogue.gz", "file to write")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: go run gen.go -mamip DIR [-out FILE]")
		os.Exit(2)
	}
	if err := run(*dir, *file); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, file string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "policies-list.json"))
	if err != nil {
		return err
	}
	var list struct{ Policies []listed }
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("policies-list.json: %w", err)
	}
	if len(list.Policies) == 0 {
		return fmt.Errorf("policies-list.json lists no policies")
	}
	var out bytes.Buffer
	seen := map[string]bool{}
	for _, p := range list.Policies {
		if seen[p.PolicyName] {
			return fmt.Errorf("%s listed twice", p.PolicyName)
		}
		seen[p.PolicyName] = true
		if want := "arn:aws:iam::aws:policy" + p.Path + p.PolicyName; p.Arn != want {
			return fmt.Errorf("%s: ARN %s, want %s", p.PolicyName, p.Arn, want)
		}
		for _, f := range []string{p.PolicyName, p.Path, p.PolicyID, p.DefaultVersionID} {
			if f == "" || strings.ContainsAny(f, " \t\n") {
				return fmt.Errorf("%s: field %q is empty or holds a space", p.PolicyName, f)
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "policies", p.PolicyName))
		if err != nil {
			return err
		}
		var v version
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("policies/%s: %w", p.PolicyName, err)
		}
		if v.PolicyVersion.VersionID != p.DefaultVersionID || !v.PolicyVersion.IsDefaultVersion {
			return fmt.Errorf("policies/%s holds version %s, the list says %s", p.PolicyName, v.PolicyVersion.VersionID, p.DefaultVersionID)
		}
		var doc bytes.Buffer
		if err := json.Indent(&doc, v.PolicyVersion.Document, "", "    "); err != nil {
			return fmt.Errorf("policies/%s: %w", p.PolicyName, err)
		}
		created, err := date(p.CreateDate)
		if err != nil {
			return fmt.Errorf("%s: %w", p.PolicyName, err)
		}
		updated, err := date(p.UpdateDate)
		if err != nil {
			return fmt.Errorf("%s: %w", p.PolicyName, err)
		}
		attachable := "attachable"
		if !p.IsAttachable {
			attachable = "not-attachable"
		}
		fmt.Fprintf(&out, "%s %s %s %s %s %s %s %d\n", p.PolicyName, p.Path, p.PolicyID, p.DefaultVersionID, attachable, created, updated, doc.Len())
		out.Write(doc.Bytes())
		out.WriteByte('\n')
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(out.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(file, gz.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d policies, %d bytes (%d uncompressed)\n", file, len(seen), gz.Len(), out.Len())
	return nil
}

// date normalizes a ListPolicies date ("2015-02-06T18:39:46+00:00") to
// RFC 3339 in UTC.
func date(s string) (string, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "", err
	}
	return t.UTC().Format(time.RFC3339), nil
}
