// Package golden is the one golden-file convention of the module: a test
// compares what it generated with a file under its testdata/, and
// `go test ./... -update` rewrites every such file from what the code
// generates now, to be reviewed with git diff before committing.
//
// The -update flag is registered by this package: a test package that
// imports it must not define a flag of that name itself.
//
// Concurrency: Assert may be called from parallel tests, each with its own
// path.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from what the code generates")

// Update reports whether the tests run with -update, for a test whose
// artefact is not a whole file (it rewrites its part itself).
func Update() bool { return *update }

// Assert fails t unless got is byte for byte the content of the file at
// path; with -update it writes got there first, creating the directory.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was generated (check the change, then go test -update):\n%s", path, diff(got, want))
	}
}

// diff shows the first line where got and want part, with its number.
func diff(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "the files differ"
}
