package ec2

import "strings"

// publicDNSName is the ec2-203-0-113-5.compute-1.amazonaws.com name.
func publicDNSName(region, ip string) string {
	h := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return h + ".compute-1.amazonaws.com"
	}
	return h + "." + region + ".compute.amazonaws.com"
}
