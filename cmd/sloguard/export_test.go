package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sloguard/sloguard/slo"
)

// export writes OpenSLO that --slo-file reads back as the same SLOs.
func TestExportOpenSLORoundTripsThroughTheSpecLoader(t *testing.T) {
	for _, src := range []string{"", filepath.Join("..", "..", "examples", "fast-slos.yaml")} {
		want, err := loadSpec(nonEmpty(src), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "openslo.yaml")
		args := []string{"export", "--format", "openslo", "--out", out}
		if src != "" {
			args = append(args, "--slo-file", src)
		}
		if err := Run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		got, err := loadSpec([]string{out}, io.Discard)
		if err != nil {
			t.Fatalf("reading the export of %q back: %v", src, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Errorf("export of %q read back as\n%+v\nwant\n%+v", src, got, want)
		}
	}
}

func TestExportRefusesUnknownFormats(t *testing.T) {
	err := Run(context.Background(), []string{"export", "--format", "sloth"}, &bytes.Buffer{}, &bytes.Buffer{})
	if code := exitCode(err, &bytes.Buffer{}); code != 2 {
		t.Fatalf("exit status %d, want 2", code)
	}
}

// normalize drops the version, which OpenSLO files do not carry.
func normalize(s slo.Spec) slo.Spec {
	s.Version = ""
	return s
}

// nonEmpty is the paths of --slo-file for src: none when src is "".
func nonEmpty(src string) []string {
	if src == "" {
		return nil
	}
	return []string{src}
}
