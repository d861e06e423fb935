package operation

import (
	"context"
	"errors"
	"slices"
	"testing"
)

type echoIn struct{ Name string }
type echoOut struct{ Said string }

func TestCallOrder(t *testing.T) {
	var trace []string
	denied := errors.New("denied")
	s := &Service{
		Ops: map[string]*Operation{"Echo": New("Echo", "svc:Echo", func(_ context.Context, in *echoIn) (*echoOut, error) {
			trace = append(trace, "handler")
			return &echoOut{Said: in.Name}, nil
		})},
		Authorize: func(_ context.Context, action, resource string) error {
			trace = append(trace, "authorize "+action+" "+resource)
			if resource == "arn:nobody" {
				return denied
			}
			return nil
		},
		Unknown: func(name string) error { return errors.New("unknown " + name) },
		Before:  func(context.Context, *Operation, any) error { trace = append(trace, "before"); return nil },
		After: func(_ context.Context, _ *Operation, in any, err error) error {
			_, pending := in.(*Pending)
			trace = append(trace, "after pending="+map[bool]string{true: "yes", false: "no"}[pending])
			return err
		},
	}
	s.Ops["Echo"].Resources = func(_ context.Context, in any) []string { return []string{"arn:" + Field(in, "Name")} }
	out, err := s.Invoke(context.Background(), "Echo", &echoIn{Name: "x"})
	if err != nil || out.(*echoOut).Said != "x" {
		t.Fatalf("%v %v", out, err)
	}
	if want := []string{"authorize svc:Echo arn:x", "before", "handler", "after pending=no"}; !slices.Equal(trace, want) {
		t.Fatalf("trace %v, want %v", trace, want)
	}
	// A denied call never decodes its pending input nor runs, and After
	// sees the denial.
	trace = nil
	decoded := false
	_, err = s.Call(context.Background(), s.Ops["Echo"], &Pending{Input: DecodeFunc(func() (any, error) { decoded = true; return &echoIn{}, nil })})
	if err != nil || !decoded {
		t.Fatalf("pending: %v decoded=%v", err, decoded)
	}
	trace = nil
	decoded = false
	s.Ops["Echo"].Resources = func(context.Context, any) []string { return []string{"arn:nobody"} }
	_, err = s.Call(context.Background(), s.Ops["Echo"], &Pending{Input: DecodeFunc(func() (any, error) { decoded = true; return &echoIn{}, nil })})
	if !errors.Is(err, denied) || decoded || !slices.Equal(trace, []string{"authorize svc:Echo arn:nobody", "after pending=yes"}) {
		t.Fatalf("denied: %v decoded=%v trace=%v", err, decoded, trace)
	}
	if _, err := s.Invoke(context.Background(), "Nope", nil); err == nil || err.Error() != "unknown Nope" {
		t.Fatalf("unknown: %v", err)
	}
	if Field(&echoIn{Name: "n"}, "Name") != "n" || Field(&echoIn{}, "Missing") != "" || Field(42, "Name") != "" {
		t.Fatal("Field")
	}
}
