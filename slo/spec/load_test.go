package spec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

const sharedSLI = `apiVersion: openslo/v1
kind: SLI
metadata: {name: requests}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, status: 5xx}}}
    total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}
`

const sloUsingSharedSLI = `apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  service: shop
  indicatorRef: requests
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

const sloguardSpec = `version: sloguard/v1
service: shop
slos:
  - {name: latency, objective: 95, sli: {latency: {threshold: 400ms}}}
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadResolvesReferencesAcrossFilesAndFormats(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a-sli.yaml": sharedSLI, "b-slo.yaml": sloUsingSharedSLI, "c.yml": sloguardSpec, "notes.txt": "not a spec"})
	for _, paths := range [][]string{
		{dir},
		{filepath.Join(dir, "b-slo.yaml"), filepath.Join(dir, "a-sli.yaml"), filepath.Join(dir, "c.yml")},
	} {
		s, warnings, err := slospec.Load(paths)
		if err != nil {
			t.Fatalf("Load(%q): %v", paths, err)
		}
		if len(warnings) != 0 {
			t.Errorf("Load(%q) warned: %v", paths, warnings)
		}
		var names []string
		for _, o := range s.SLOs {
			names = append(names, o.Name)
		}
		if s.Service != "shop" || strings.Join(names, ",") != "availability,latency" {
			t.Errorf("Load(%q) = service %q, SLOs %q; want shop with availability,latency", paths, s.Service, names)
		}
		if got := s.SLOs[0].SLI.Kind; got != slo.KindAvailability {
			t.Errorf("the SLO of b-slo.yaml read SLI kind %q from a-sli.yaml, want availability", got)
		}
	}
}

func TestLoadNamesTheFileOfEachProblem(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"slo.yaml":   strings.Replace(sloUsingSharedSLI, "target: 0.999", "target: 2", 1),
		"other.yaml": strings.Replace(sloguardSpec, "service: shop", "service: cart", 1),
	})
	_, _, err := slospec.Load([]string{filepath.Join(dir, "slo.yaml")})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "slo.yaml")+":6: SLO/availability.spec.indicatorRef: no SLI named \"requests\"") {
		t.Errorf("a reference to an SLI of no file loaded gave %v, want it named at slo.yaml:6", err)
	}
	_, _, err = slospec.Load([]string{filepath.Join(dir, "other.yaml"), filepath.Join(dir, "slo.yaml")})
	if err == nil || !strings.Contains(err.Error(), `service "cart" differs from "shop"`) {
		t.Errorf("files of two services loaded together gave %v, want the services named", err)
	}
}

func TestLoadReadsStandardInputAsDash(t *testing.T) {
	s, _, err := slospec.Load([]string{"-"}, slospec.WithStdin(strings.NewReader(sloguardSpec)))
	if err != nil || len(s.SLOs) != 1 || s.SLOs[0].Name != "latency" {
		t.Fatalf("Load(-) = %+v, %v; want the latency SLO", s, err)
	}
	_, _, err = slospec.Load([]string{"-"}, slospec.WithStdin(strings.NewReader("version: sloguard/v1\n")))
	if err == nil || !strings.HasPrefix(err.Error(), "-:") {
		t.Errorf("a bad spec on standard input gave %v, want problems naming -", err)
	}
}

func TestLoadRefusesDocumentsOfNoKnownFormat(t *testing.T) {
	_, err := slospec.Parse("x.yaml", []byte("apiVersion: example.com/v9\nkind: SLO\n"))
	want := `x.yaml:1: apiVersion: unsupported apiVersion "example.com/v9": this release reads openslo/v1, sloguard/v1`
	if err == nil || err.Error() != want {
		t.Errorf("Parse = %v, want %q", err, want)
	}
}

func TestLoadRefusesAnEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := slospec.Load([]string{dir}); err == nil || !strings.Contains(err.Error(), "holds no .yaml or .yml file") {
		t.Errorf("Load of an empty directory = %v", err)
	}
}
