package tools

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sloguard/sloguard/internal/testbin"
)

// slothRules is the part of a Prometheus rule file the checks read.
type slothRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record string            `yaml:"record"`
			Alert  string            `yaml:"alert"`
			Expr   string            `yaml:"expr"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// The Sloth pinned in tools/sloth is the one the peer comparisons run: the
// pin is the release those comparisons were written against, and its
// generator turns a spec into the recording rules and the page and ticket
// alerts of the multiwindow, multi-burn-rate method.
func TestSlothGeneratesPageAndTicketAlerts(t *testing.T) {
	sloth := testbin.Path(t, "sloth")

	// Sloth logs to the same streams; the version is a line of its own.
	out, ok := run(t, cleanEnv(), sloth, "version")
	if !ok || !slices.Contains(strings.Split(out, "\n"), "v0.16.0") {
		t.Fatalf("sloth version printed %q (exit ok: %v), want v0.16.0: the pin in tools/sloth/go.mod moved", out, ok)
	}

	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	out, ok = run(t, cleanEnv(), sloth, "generate", "-i", repoPath(t, "tools", "testdata", "sloth", "checkout.yaml"), "-o", rulesFile)
	if !ok {
		t.Fatalf("sloth generate failed:\n%s", out)
	}
	var rules slothRules
	if err := yaml.Unmarshal([]byte(readFile(t, rulesFile)), &rules); err != nil {
		t.Fatalf("sloth wrote rules that are not YAML: %v", err)
	}

	var records []string
	alerts := map[string]string{} // sloth_severity -> expr
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				records = append(records, r.Record)
				continue
			}
			if r.Alert != "CheckoutHighErrorRate" {
				t.Errorf("alert %q in group %s: want the spec's alerting.name", r.Alert, g.Name)
			}
			sev := r.Labels["sloth_severity"]
			alerts[sev] = r.Expr
			want := map[string]string{"page": "critical", "ticket": "warning"}[sev]
			if r.Labels["severity"] != want || r.Labels["category"] != "availability" {
				t.Errorf("%s alert labels %v: want the spec's severity %q and category", sev, r.Labels, want)
			}
		}
	}

	// One error-ratio recording rule per alert window and one for the SLO
	// period (30 days, the generator's default).
	for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"} {
		if !slices.Contains(records, "slo:sli_error:ratio_rate"+w) {
			t.Errorf("no recording rule slo:sli_error:ratio_rate%s among %v", w, records)
		}
	}

	// Page: 5m and 1h over 14.4 times the budget, or 30m and 6h over 6
	// times. Ticket: 2h and 1d over 3 times, or 6h and 3d over once.
	for sev, want := range map[string][]string{
		"page":   {"ratio_rate5m", "ratio_rate1h", "ratio_rate30m", "ratio_rate6h", "14.4 *", "(6 *"},
		"ticket": {"ratio_rate2h", "ratio_rate1d", "ratio_rate6h", "ratio_rate3d", "(3 *", "(1 *"},
	} {
		expr, ok := alerts[sev]
		if !ok {
			t.Errorf("no alert with sloth_severity=%s in %s", sev, rulesFile)
			continue
		}
		for _, w := range want {
			if !strings.Contains(expr, w) {
				t.Errorf("the %s alert's expression lacks %q:\n%s", sev, w, expr)
			}
		}
	}
	if len(alerts) != 2 {
		t.Errorf("alerts by severity %v: want exactly page and ticket", alerts)
	}
}
