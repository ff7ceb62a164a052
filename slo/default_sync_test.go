package slo_test

import (
	"reflect"
	"testing"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
)

func TestDefaultIsTheDemoSpec(t *testing.T) {
	if got, want := slo.Default(), demo.Spec(); !reflect.DeepEqual(got, want) {
		t.Errorf("the tests' Default() =\n%#v\nwant demo.Spec() =\n%#v", got, want)
	}
}
