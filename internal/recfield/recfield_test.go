package recfield

import (
	"errors"
	"testing"
)

type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func TestEditList(t *testing.T) {
	add := func(have []tag) ([]tag, error) { return append(have, tag{"b", "2"}), nil }
	got, err := EditList([]byte(`{"id":"x","tags":[{"key":"a","value":"1"}]}`), "tags", add)
	if err != nil || string(got) != `{"id":"x","tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}]}` {
		t.Fatalf("add: %s %v", got, err)
	}
	clear := func([]tag) ([]tag, error) { return nil, nil }
	if got, err = EditList(got, "tags", clear); err != nil || string(got) != `{"id":"x"}` {
		t.Fatalf("clear: %s %v", got, err)
	}
	boom := errors.New("boom")
	if _, err = EditList([]byte(`{}`), "tags", func([]tag) ([]tag, error) { return nil, boom }); err != boom {
		t.Fatalf("fn's error: %v", err)
	}
	if _, err = EditList([]byte(`{"tags":"nope"}`), "tags", add); err == nil {
		t.Fatal("a field that is not a list was accepted")
	}
	if _, err = EditList([]byte(`[`), "tags", add); err == nil {
		t.Fatal("a broken record was accepted")
	}
}
