package demo_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sloguard/sloguard/internal/demo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

func TestTheDemoSpecIsTheOneItsDocumentingFileDescribes(t *testing.T) {
	path := filepath.Join("..", "..", "slo", "spec", "sloguard", "testdata", "default.yaml")
	want, _, err := slospec.Load([]string{path})
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	got := demo.Spec()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Spec() =\n%#v\nslo/spec/sloguard/testdata/default.yaml =\n%#v", got, want)
	}
	if got.Service != demo.Service {
		t.Errorf("Spec().Service = %q, want %q", got.Service, demo.Service)
	}
	if err := got.Validate(nil); err != nil {
		t.Errorf("Spec().Validate: %v", err)
	}
}
