package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec"
)

// acceptedInterop lists the accepted files of the importer corpora.
func acceptedInterop(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"sloth", "pyrra", "slogenerator"} {
		root := filepath.Join(interopRoot, dir)
		for _, e := range readManifest(t, filepath.Join(root, "MANIFEST.yaml")) {
			if e.Expect == "accept" {
				files = append(files, filepath.Join(root, e.File))
			}
		}
	}
	if len(files) == 0 {
		t.Fatal("no accepted file in the interop manifests")
	}
	return files
}

// Every accepted file of another tool converts to both formats, and the
// output loads back into the same SLOs.
func TestConvertRoundTripsEveryAcceptedInteropFile(t *testing.T) {
	files := acceptedInterop(t)
	files = append(files, filepath.Join("..", "..", "slo", "spec", "sloguard", "testdata", "checkout.yaml"))
	for _, file := range files {
		want, _, err := spec.Load([]string{file})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, to := range []string{"sloguard", "openslo"} {
			t.Run(filepath.Base(file)+" to "+to, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out.yaml")
				var stderr bytes.Buffer
				if err := Run(context.Background(), []string{"convert", "--to", to, "--out", out, file}, &bytes.Buffer{}, &stderr); err != nil {
					t.Fatalf("convert: %v\n%s", err, stderr.String())
				}
				got, _, err := spec.Load([]string{out})
				if err != nil {
					b, _ := os.ReadFile(out)
					t.Fatalf("the converted file does not load: %v\n%s", err, b)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("load(convert(%s)) differs:\n got %+v\nwant %+v", file, got, want)
				}
			})
		}
	}
}

func TestConvertTakesTheWindowOfSlothAndSloGeneratorFromTheFlag(t *testing.T) {
	for _, file := range []string{
		filepath.Join("..", "..", "testdata", "interop", "sloth", "getting-started.yaml"),
		filepath.Join("..", "..", "testdata", "interop", "slogenerator", "good-valid.yaml"),
	} {
		var stdout bytes.Buffer
		if err := Run(context.Background(), []string{"convert", "--to", "sloguard", "--window", "28d", file}, &stdout, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		got, err := spec.Parse("out.yaml", stdout.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if w := got.SLOs[0].Window; w != 28*slo.Day {
			t.Errorf("%s: window %v, want 28d", file, w)
		}
		stdout.Reset()
		if err := Run(context.Background(), []string{"convert", "--to", "sloguard", file}, &stdout, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if got, err = spec.Parse("out.yaml", stdout.Bytes()); err != nil || got.SLOs[0].Window != 30*24*time.Hour {
			t.Errorf("%s: without --window: %v, %v; want 30 days", file, got.SLOs, err)
		}
	}
}

func TestConvertRefusesBadUsageAndBadFiles(t *testing.T) {
	refused := filepath.Join("..", "..", "testdata", "interop", "sloth", "raw-ratio.yaml")
	ok := filepath.Join("..", "..", "testdata", "interop", "sloth", "getting-started.yaml")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"an unknown output format", []string{"convert", "--to", "sloth", ok}, 2, `--to "sloth"`},
		{"no output format", []string{"convert", ok}, 2, "--to"},
		{"no file", []string{"convert", "--to", "sloguard"}, 2, "name at least one spec file"},
		{"a window without unit", []string{"convert", "--to", "sloguard", "--window", "30", ok}, 2, "--window"},
		{"a refused file", []string{"convert", "--to", "sloguard", refused}, 1, "raw-ratio.yaml:8: slos[0].sli.raw:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), tc.args, &stdout, &stderr)
			code := exitCode(err, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.inStderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", code, stderr.String(), tc.code, tc.inStderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("wrote %q to stdout on an error", stdout.String())
			}
		})
	}
}
