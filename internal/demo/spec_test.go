package demo_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
)

func TestTheDemoSpecIsTheOneItsDocumentingFileDescribes(t *testing.T) {
	want, err := slo.LoadFile(filepath.Join("..", "..", "slo", "testdata", "spec", "default.yaml"))
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	got := demo.Spec()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Spec() =\n%#v\nslo/testdata/spec/default.yaml =\n%#v", got, want)
	}
	if got.Service != demo.Service {
		t.Errorf("Spec().Service = %q, want %q", got.Service, demo.Service)
	}
	if err := got.Validate(nil); err != nil {
		t.Errorf("Spec().Validate: %v", err)
	}
}
