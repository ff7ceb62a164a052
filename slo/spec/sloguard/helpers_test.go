package sloguard_test

import (
	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

// loadFile loads the one spec file at path through the loader.
func loadFile(path string, opts ...slospec.Option) (slo.Spec, error) {
	s, _, err := slospec.Load([]string{path}, opts...)
	return s, err
}
