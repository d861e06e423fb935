package main

import (
	"errors"
	"flag"
	"testing"
)

func TestParseOptions(t *testing.T) {
	if _, err := parseOptions([]string{"-help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-help: %v", err)
	}
	t.Setenv("GUREUM_LISTEN", "127.0.0.1:1")
	t.Setenv("GUREUM_ACCOUNTS", "111111111111:AK1:SK1,222222222222:AK2:SK2")
	o, err := parseOptions([]string{"--account", "333333333333:AK3:SK3", "--region", "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if o.listen != "127.0.0.1:1" || o.region != "eu-west-1" || len(o.accounts) != 3 || o.rootAccessKey != "test" {
		t.Fatalf("options = %+v", o)
	}
	if _, err := parseOptions([]string{"extra"}); err == nil {
		t.Fatal("stray argument accepted")
	}
}
