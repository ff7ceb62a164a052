package rules_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo/rules"
)

func TestWriteFileReplacesTheFileWhole(t *testing.T) {
	f, err := rules.Generate(demo.Spec())
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "slo.rules.yaml")
	if err := os.WriteFile(path, []byte("groups: [old]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the file on disk is not what Marshal gives")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 (Prometheus reads it as another user)", st.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the rule file alone (no temporary file left)", len(entries))
	}

	// What was written reads back as the same rules.
	var back rules.RuleFile
	if err := yaml.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Groups) != len(f.Groups) || back.Groups[2].Rules[0].Expr != f.Groups[2].Rules[0].Expr {
		t.Error("the YAML does not read back as the generated rules")
	}
}

func TestWriteFileWhereNoDirectoryCanBeMadeFailsNamingThePath(t *testing.T) {
	f, err := rules.Generate(demo.Spec())
	if err != nil {
		t.Fatal(err)
	}
	// A missing directory is created; one whose parent is a file cannot be.
	parent := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(parent, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(parent, "rules", "slo.rules.yaml")
	err = f.WriteFile(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want one naming %s", err, path)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("a file exists at %s after the failure", path)
	}
}

func TestWriteFileCreatesAMissingDirectory(t *testing.T) {
	f, err := rules.Generate(demo.Spec())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "otel-config", "rules", "slo.rules.yaml")
	if err := f.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	want, _ := f.Marshal()
	if got, err := os.ReadFile(path); err != nil || string(got) != string(want) {
		t.Fatalf("read back %d bytes (%v), want the %d marshalled", len(got), err, len(want))
	}
}
