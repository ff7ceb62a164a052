package openslo_test

import (
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

// loadFile loads the one spec file at path through the loader.
func loadFile(path string, opts ...slospec.Option) (slo.Spec, error) {
	s, _, err := slospec.Load([]string{path}, opts...)
	return s, err
}

// problem is what a test expects of one Problem: its line, field and a
// part of its message.
type problem struct {
	line  int
	field string
	msg   string
}

func checkProblems(t *testing.T, got []slo.Problem, want []problem, file string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), (&slo.ValidationError{Problems: got}).Error())
		return
	}
	for i, w := range want {
		g := got[i]
		if g.File != file || g.Line != w.line || g.Field != w.field || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("problem %d = %q (line %d, field %q), want line %d, field %q, message containing %q", i, g.String(), g.Line, g.Field, w.line, w.field, w.msg)
		}
	}
}
