package spec_test

import (
	"errors"
	"strings"
	"testing"

	slospec "github.com/sloguard/sloguard/slo/spec"

	"github.com/sloguard/sloguard/slo"
)

// FuzzParseSpec feeds Parse arbitrary bytes, starting from the native
// and OpenSLO specs of testdata/fuzz/FuzzParseSpec. Parse must not panic;
// a refused input gets a *ValidationError whose every problem says what is
// wrong and names the file and the line or field it is about; an accepted
// spec passes Validate and Parse gives the same answer twice.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte("version: sloguard/v1\nservice: s\nslos:\n  - name: a\n    objective: 99.9\n    window: 30d\n    sli:\n      availability: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.yaml"
		spec, err := slospec.Parse(file, data)
		spec2, err2 := slospec.Parse(file, data)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) || len(spec.SLOs) != len(spec2.SLOs) {
			t.Fatalf("two parses of the same input differ: %v / %v", err, err2)
		}
		if err != nil {
			var ve *slo.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Parse error %T %q is not a *ValidationError with problems", err, err)
			}
			for _, p := range ve.Problems {
				if strings.TrimSpace(p.Msg) == "" {
					t.Fatalf("a problem without a message: %+v", p)
				}
				if p.File != file {
					t.Fatalf("problem %q names file %q, want %q", p, p.File, file)
				}
				if p.Line <= 0 && p.Field == "" && !wholeFile(p.Msg) {
					t.Fatalf("problem %q names neither a line nor a field", p)
				}
			}
			if len(spec.SLOs) != 0 {
				t.Fatalf("Parse returned %d SLOs with its error", len(spec.SLOs))
			}
			return
		}
		if len(spec.SLOs) == 0 {
			t.Fatalf("Parse accepted a spec without SLOs")
		}
		if err := spec.Validate(nil); err != nil {
			t.Fatalf("Parse accepted a spec that Validate refuses: %v", err)
		}
		for _, s := range spec.SLOs {
			if !(s.Objective > 0 && s.Objective < 1) || s.Window <= 0 {
				t.Fatalf("SLO %q: objective %v, window %v", s.Name, s.Objective, s.Window)
			}
		}
	})
}

// wholeFile reports whether a problem has no line or field to name: it is
// about the file as a whole ("the file is empty", "the file holds no
// SLO"), or the YAML parser refused the file without saying where (it
// gives no line for some syntax errors, such as an unexpected end of
// stream).
func wholeFile(msg string) bool {
	return strings.HasPrefix(msg, "the file ") || strings.HasPrefix(msg, "invalid YAML: ")
}
