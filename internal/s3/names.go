package s3

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// validBucketName applies S3's general purpose bucket naming rules.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return false
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, suf := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, suf) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// regions are the region names S3 accepts as a LocationConstraint.
var regions = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true,
	"af-south-1": true, "ap-east-1": true, "ap-east-2": true, "ap-south-1": true, "ap-south-2": true,
	"ap-southeast-1": true, "ap-southeast-2": true, "ap-southeast-3": true, "ap-southeast-4": true,
	"ap-southeast-5": true, "ap-southeast-6": true, "ap-southeast-7": true,
	"ap-northeast-1": true, "ap-northeast-2": true, "ap-northeast-3": true,
	"ca-central-1": true, "ca-west-1": true, "eu-central-1": true, "eu-central-2": true,
	"eu-west-1": true, "eu-west-2": true, "eu-west-3": true, "eu-south-1": true, "eu-south-2": true,
	"eu-north-1": true, "il-central-1": true, "me-south-1": true, "me-central-1": true,
	"mx-central-1": true, "sa-east-1": true, "EU": true,
}

// CanonicalID is the S3 canonical user id of an account: 64 hex digits,
// stable for the account.
func CanonicalID(account string) string {
	if id, ok := canonicalIDs.Load(account); ok {
		return id.(string)
	}
	sum := sha256.Sum256([]byte("gureum-canonical-user:" + account))
	id := hex.EncodeToString(sum[:])
	canonicalIDs.Store(account, id)
	return id
}

// canonicalIDs remembers CanonicalID's answers: every caller passes an
// account that exists (an authenticated principal's, a stored owner's),
// so the set stays as small as the accounts, and an authorized request
// no longer hashes.
var canonicalIDs sync.Map // account id → canonical id

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }
