package foreign_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

// FuzzForeignFormats feeds the loader arbitrary bytes, seeded with every
// Sloth, Pyrra and slo-generator file of testdata/interop, so that the
// fuzzer mutates their documents. The loader must not panic; a refused
// input is a *ValidationError whose every problem names the file and a
// line or field; an accepted one passes the model's Validate.
func FuzzForeignFormats(f *testing.F) {
	for _, dir := range []string{"sloth", "pyrra", "slogenerator"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "testdata", "interop", dir, "*.yaml"))
		if err != nil || len(files) == 0 {
			f.Fatalf("no seed in testdata/interop/%s: %v", dir, err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.yaml"
		spec, err := slospec.Parse(file, data)
		if err != nil {
			var ve *slo.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %T %q is not a *ValidationError with problems", err, err)
			}
			for _, p := range ve.Problems {
				if strings.TrimSpace(p.Msg) == "" || p.File != file {
					t.Fatalf("problem %+v has no message or names another file", p)
				}
				if p.Line <= 0 && p.Field == "" && !strings.HasPrefix(p.Msg, "the file ") && !strings.HasPrefix(p.Msg, "invalid YAML: ") {
					t.Fatalf("problem %q names neither a line nor a field", p)
				}
			}
			return
		}
		if err := spec.Validate(nil); err != nil {
			t.Fatalf("accepted a spec that Validate refuses: %v", err)
		}
	})
}
