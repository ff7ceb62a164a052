package slo

import "path/filepath"

// Default returns the demo's spec (internal/demo.Spec) as its documenting
// file, testdata/spec/default.yaml, states it, for the tests inside the
// package: they cannot import the demo, which imports this package. Every
// call reads the file again, so a test may change what it gets.
func Default() Spec {
	s, err := LoadFile(filepath.Join("testdata", "spec", "default.yaml"))
	if err != nil {
		panic("testdata/spec/default.yaml: " + err.Error())
	}
	return s
}
