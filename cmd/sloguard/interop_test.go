package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sloguard/sloguard/internal/golden"
	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// interopRoot is the corpus of other tools' and vendors' SLO files, one
// directory per format, each with a MANIFEST.yaml.
var interopRoot = filepath.Join("..", "..", "testdata", "interop")

// interopEntry is one file of a format's MANIFEST.yaml.
type interopEntry struct {
	File    string `yaml:"file"`
	Follows struct {
		Repository string `yaml:"repository"`
		Path       string `yaml:"path"`
	} `yaml:"follows"`
	Expect  string   `yaml:"expect"`
	Reason  string   `yaml:"reason"`
	Engines []string `yaml:"engines"`
}

// readManifest reads a MANIFEST.yaml: a list of entries, or a mapping
// whose files key holds them.
func readManifest(t *testing.T, path string) []interopEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Files []interopEntry `yaml:"files"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		var list []interopEntry
		if err2 := yaml.Unmarshal(data, &list); err2 != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return list
	}
	return doc.Files
}

// TestInteropCorpus runs every command over every file of the corpus:
// validate says accept or refuse as the manifest does (a refusal names the
// reason, an acceptance the engines); rules of an accepted file pass
// promtool check rules and match their golden file; export reads back into
// the same model; check over an empty store reports no data.
func TestInteropCorpus(t *testing.T) {
	manifests, err := filepath.Glob(filepath.Join(interopRoot, "*", "MANIFEST.yaml"))
	if err != nil || len(manifests) == 0 {
		t.Fatalf("no manifest under %s: %v", interopRoot, err)
	}
	convert := hasCommand("convert")
	total := 0
	for _, m := range manifests {
		dir := filepath.Dir(m)
		format := filepath.Base(dir)
		entries := readManifest(t, m)
		listed := map[string]bool{}
		for _, e := range entries {
			listed[e.File] = true
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
		for _, f := range files {
			if b := filepath.Base(f); b != "MANIFEST.yaml" && !listed[b] {
				t.Errorf("%s: %s is not in the manifest", format, b)
			}
		}
		for _, e := range entries {
			total++
			t.Run(format+"/"+e.File, func(t *testing.T) {
				checkEntry(t, e)
				path := filepath.Join(dir, e.File)
				if e.Expect == "accept" {
					interopAccepted(t, path, e, filepath.Join(dir, "golden", strings.TrimSuffix(e.File, filepath.Ext(e.File))+".rules.yml"))
				} else {
					interopRefused(t, path, e)
				}
				if convert {
					interopConvert(t, path, e)
				}
			})
		}
	}
	t.Logf("%d files in %d formats", total, len(manifests))
}

func checkEntry(t *testing.T, e interopEntry) {
	t.Helper()
	if e.Follows.Repository == "" || e.Follows.Path == "" {
		t.Errorf("the manifest names no public file this one follows (follows: {repository, path})")
	}
	switch e.Expect {
	case "accept":
	case "refuse":
		if strings.TrimSpace(e.Reason) == "" {
			t.Errorf("a refused file needs the reason its error must give")
		}
	default:
		t.Fatalf("expect is %q, want accept or refuse", e.Expect)
	}
}

func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func hasCommand(name string) bool {
	_, stderr, code := runCLI(name, "-h")
	return !(code == 2 && strings.Contains(stderr, "unknown command"))
}

func interopAccepted(t *testing.T, path string, e interopEntry, goldenPath string) {
	stdout, stderr, code := runCLI("validate", path)
	if code != 0 {
		t.Fatalf("validate exit %d, want 0:\n%s", code, stderr)
	}
	if e.Engines != nil {
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
			_, engines, ok := strings.Cut(line, "; engines: ")
			if !ok || !slices.Equal(strings.Split(engines, ", "), e.Engines) {
				t.Errorf("validate says %q, want engines %v", line, e.Engines)
			}
		}
	}

	rules, stderr, code := runCLI("rules", "--slo-file", path)
	if e.Engines != nil && !slices.Contains(e.Engines, "rules") {
		// calendar SLOs: the rules refuse them by name, with the reason.
		if code == 0 || !strings.Contains(stderr, "a PromQL range is rolling") {
			t.Errorf("rules of a file without the rules engine: exit %d, want a refusal naming the reason:\n%s", code, stderr)
		}
	} else if code != 0 {
		t.Fatalf("rules exit %d:\n%s", code, stderr)
	} else {
		golden.Assert(t, goldenPath, []byte(rules))
	}
	t.Run("promtool check rules", func(t *testing.T) {
		if code != 0 {
			t.Skip("no rules to check")
		}
		promtool := testbin.Path(t, "promtool")
		f := filepath.Join(t.TempDir(), "rules.yml")
		if err := os.WriteFile(f, []byte(rules), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
			t.Fatalf("promtool check rules: %v\n%s", err, out)
		}
	})

	// load → export → load gives the same model.
	loaded, _, err := spec.Load([]string{path}, spec.WithBucketBoundaries(slo.DefaultBucketBoundaries()))
	if err != nil {
		t.Fatal(err)
	}
	exported, stderr, code := runCLI("export", "--slo-file", path)
	if code != 0 {
		t.Fatalf("export exit %d:\n%s", code, stderr)
	}
	again, _, err := spec.Read([]spec.File{{Name: "exported.yaml", Data: []byte(exported)}})
	if err != nil {
		t.Fatalf("the export does not read back: %v\n%s", err, exported)
	}
	if !reflect.DeepEqual(loaded, again) {
		t.Errorf("export read back differs:\nloaded   %+v\nexported %+v\n%s", loaded, again, exported)
	}

	// check over an empty store: every SLO without history, exit 5 (no
	// history), each named on stderr.
	dataDir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dataDir, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	report, stderr, code := runCLI("check", "--slo-file", path, "--data-dir", dataDir)
	if code != checkNoHistory {
		t.Fatalf("check over an empty store: exit %d, want %d (no history):\n%s", code, checkNoHistory, stderr)
	}
	for _, s := range loaded.SLOs {
		if !strings.Contains(stderr, "SLO "+s.Name+" has no history") {
			t.Errorf("check over an empty store does not name SLO %s:\n%s", s.Name, stderr)
		}
	}
	var rep struct {
		Overall string `json:"overall_status"`
		SLOs    map[string]struct {
			NoData bool `json:"no_data"`
		} `json:"slos"`
	}
	if err := json.Unmarshal([]byte(report), &rep); err != nil {
		t.Fatalf("check output is not a report: %v\n%s", err, report)
	}
	if rep.Overall != string(slo.StatusNoData) || len(rep.SLOs) != len(loaded.SLOs) {
		t.Errorf("check over an empty store: overall %q with %d SLOs, want %s with %d", rep.Overall, len(rep.SLOs), slo.StatusNoData, len(loaded.SLOs))
	}
}

func interopRefused(t *testing.T, path string, e interopEntry) {
	for _, args := range [][]string{
		{"validate", path},
		{"rules", "--slo-file", path},
		{"export", "--slo-file", path},
		{"check", "--slo-file", path, "--data-dir", t.TempDir()},
	} {
		_, stderr, code := runCLI(args...)
		if code == 0 {
			t.Errorf("%s accepted a file the manifest refuses", args[0])
			continue
		}
		if !strings.Contains(stderr, e.Reason) {
			t.Errorf("%s exit %d without the reason %q:\n%s", args[0], code, e.Reason, stderr)
		}
		if !strings.Contains(stderr, path+":") {
			t.Errorf("%s does not name the file: %s", args[0], stderr)
		}
	}
}

// interopConvert runs convert, once the command exists: an accepted file
// converts to OpenSLO that reads back, a refused one is refused.
func interopConvert(t *testing.T, path string, e interopEntry) {
	out, stderr, code := runCLI("convert", "--to", "openslo", path)
	if e.Expect == "refuse" {
		if code == 0 {
			t.Errorf("convert accepted a file the manifest refuses")
		}
		return
	}
	if code != 0 {
		t.Fatalf("convert exit %d:\n%s", code, stderr)
	}
	if _, _, err := spec.Read([]spec.File{{Name: "converted.yaml", Data: []byte(out)}}); err != nil {
		t.Errorf("converted file does not load: %v", err)
	}
}
