package rules_test

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// The names the Prometheus exporter gives the instruments (checked against
// the real exporter by the instrumentation package's tests).
const (
	durationSeries = "http_server_request_duration_seconds"
	webhookSeries  = "webhook_deliveries_total"
	testService    = "shop"
)

// verdicts are the model's decisions at the checked minutes.
type verdicts struct {
	model  scenarioModel
	conds  []alertCond
	checks map[string][]int // by alert name: minutes promtool checks
}

type alertRef struct {
	group string
	c     alertCond
}

// tier is the burn-rate pair of severity with the long window long.
func (v verdicts) tier(severity string, long time.Duration) alertRef {
	return v.tierIn("", severity, long)
}

func (v verdicts) tierIn(group, severity string, long time.Duration) alertRef {
	for _, c := range v.conds {
		if c.tier != nil && c.severity == severity && c.tier.Long == long {
			return alertRef{group: group, c: c}
		}
	}
	panic(fmt.Sprintf("no %s tier with a %v long window", severity, long))
}

// alert is the one alert of that name (not a burn-rate pair).
func (v verdicts) alert(name string) alertRef {
	for _, c := range v.conds {
		if c.name == name && c.tier == nil {
			return alertRef{c: c}
		}
	}
	panic("no alert " + name)
}

func (r alertRef) String() string {
	if r.c.tier != nil {
		return fmt.Sprintf("%s %s/%s %s", r.group, slo.WindowName(r.c.tier.Long), slo.WindowName(r.c.tier.Short), r.c.severity)
	}
	return r.group + " " + r.c.name
}

func (v verdicts) mustFire(t *testing.T, r alertRef, at int) {
	t.Helper()
	v.mustBeChecked(t, r, at)
	if d := v.model.steadyDecision(r.group, at, r.c); d != fires {
		t.Errorf("model: %s at %dm: want certainly firing, got %v", r, at, d)
	}
}

func (v verdicts) mustBeSilent(t *testing.T, r alertRef, at int) {
	t.Helper()
	v.mustBeChecked(t, r, at)
	if d := v.model.steadyDecision(r.group, at, r.c); d != silent {
		t.Errorf("model: %s at %dm: want certainly silent, got %v", r, at, d)
	}
}

// mustBeChecked fails unless promtool checks the alert at minute at.
func (v verdicts) mustBeChecked(t *testing.T, r alertRef, at int) {
	t.Helper()
	if !slices.Contains(v.checks[r.c.name], at) {
		t.Errorf("model: minute %d is not among the minutes %s is checked at (the model is not certain of every alert of that name there)", at, r.c.name)
	}
}

// mustNeverFire wants the alert silent at every checked minute, the checked
// minutes spanning the whole scenario.
func (v verdicts) mustNeverFire(t *testing.T, r alertRef) {
	t.Helper()
	checks := v.checks[r.c.name]
	for _, m := range checks {
		if d := v.model.steadyDecision(r.group, m, r.c); d != silent {
			t.Errorf("model: %s is %v at %dm; the scenario wants it silent throughout", r, d, m)
			return
		}
	}
	if len(checks) == 0 || checks[len(checks)-1] < v.model.minutes-60 {
		t.Errorf("model: the checked minutes %v do not span the scenario", checks)
	}
}

func (v verdicts) mustFireSomewhere(t *testing.T, r alertRef) {
	t.Helper()
	for _, m := range v.checks[r.c.name] {
		if v.model.steadyDecision(r.group, m, r.c) == fires {
			return
		}
	}
	t.Errorf("model: %s never certainly fires at a checked minute", r)
}

// mustBurnAboveFactor checks that at minute at every window of the alert
// is above its limit: the alert is silent for another reason (the guard).
func (v verdicts) mustBurnAboveFactor(t *testing.T, r alertRef, at int) {
	t.Helper()
	for _, w := range r.c.windows {
		if b, _ := v.model.errorRatio(r.group, at, w); !b.ok || b.lo <= r.c.limit {
			t.Errorf("model: error ratio over %dm at %dm is %+v, want above %v", w, at, b, r.c.limit)
		}
	}
}

func (d decision) String() string {
	return [...]string{"undecided", "firing", "silent"}[d]
}

// promtool unit-test file, as `promtool test rules` reads it.
type unitTestFile struct {
	RuleFiles          []string    `yaml:"rule_files"`
	EvaluationInterval string      `yaml:"evaluation_interval"`
	Tests              []testGroup `yaml:"tests"`
}

type testGroup struct {
	Name            string          `yaml:"name"`
	Interval        string          `yaml:"interval"`
	InputSeries     []inputSeries   `yaml:"input_series"`
	AlertRuleTests  []alertTestCase `yaml:"alert_rule_test,omitempty"`
	PromqlExprTests []promqlTest    `yaml:"promql_expr_test,omitempty"`
}

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTestCase struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

type promqlTest struct {
	Expr       string      `yaml:"expr"`
	EvalTime   string      `yaml:"eval_time"`
	ExpSamples []expSample `yaml:"exp_samples"`
}

type expSample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

// promLabels formats a label set as promtool's exp_samples labels.
func promLabels(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(l[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// testScrape is the interval of the synthetic series: the rules are told
// (WithScrapeInterval), so that no alert window is under four samples.
const testScrape = time.Minute

// testTiers are the window pairs the rules must alert on for window.
func testTiers(window time.Duration) []slo.BurnWindow {
	return slo.FloorAlertWindows(slo.AlertWindows(window), window, 4*testScrape)
}

// withoutFigures returns a copy of file whose annotations that show the
// alert's value ({{ ... $value }}) are left out.
func withoutFigures(file *rules.RuleFile) *rules.RuleFile {
	out := &rules.RuleFile{}
	for _, g := range file.Groups {
		g.Rules = slices.Clone(g.Rules)
		for i, r := range g.Rules {
			if r.Annotations == nil {
				continue
			}
			a := map[string]string{}
			for k, v := range r.Annotations {
				if !strings.Contains(v, "$value") {
					a[k] = v
				}
			}
			g.Rules[i].Annotations = a
		}
		out.Groups = append(out.Groups, g)
	}
	return out
}

// figure is how the rules print an alert's value in an annotation.
const figure = `{{ printf "%.2f" $value }}`

// unitTests turns the model's certain verdicts into promtool test cases
// for the rules of file, as given to promtool.
func unitTests(t *testing.T, m scenarioModel, file *rules.RuleFile, grouping, exactFigures bool) (testGroup, verdicts) {
	tiers := testTiers(m.slo.Window)
	v := verdicts{model: m, conds: m.conditions(tiers), checks: map[string][]int{}}
	tg := testGroup{Name: "synthetic series", Interval: slo.WindowName(testScrape)}
	for _, s := range m.series {
		series, values := s.promSeries()
		tg.InputSeries = append(tg.InputSeries, inputSeries{Series: series, Values: values})
	}
	if len(m.series) == 0 {
		// Some data, none of it the SLI's: Prometheus is up, the metric is not.
		vals := strings.TrimSpace(strings.Repeat("1 ", m.minutes+1))
		tg.InputSeries = append(tg.InputSeries, inputSeries{Series: `up{job="shop",instance="app-0:8080"}`, Values: vals})
	}

	base := map[string]string{"slo": m.slo.Name, "service": m.service}
	for k, val := range m.slo.Labels {
		base[k] = val
	}
	groupLabels := func(g string) map[string]string {
		l := merge(base, "slo", m.slo.Name)
		if grouping {
			l["cluster"] = g
		}
		return l
	}
	annotations := func(alert string, labels map[string]string) map[string]string {
		for _, g := range file.Groups {
			for _, r := range g.Rules {
				// Two severities may share a window pair once short
				// windows are floored: the severity tells them apart.
				if r.Alert == alert && r.Labels["severity"] == labels["severity"] &&
					r.Labels["long_window"] == labels["long_window"] && r.Labels["short_window"] == labels["short_window"] {
					return r.Annotations
				}
			}
		}
		t.Fatalf("no %s rule for %v in the generated file", alert, labels)
		return nil
	}
	// withFigure fills in the figure the alert shows, which the model must
	// know to the cent.
	withFigure := func(a map[string]string, g string, at int, c alertCond) (map[string]string, bool) {
		r, unsure := m.errorRatio(g, at, c.windows[0])
		lo, hi := fmt.Sprintf("%.2f", c.value(r.lo)), fmt.Sprintf("%.2f", c.value(r.hi))
		if unsure || !r.ok || lo != hi {
			return nil, false
		}
		out := map[string]string{}
		for k, val := range a {
			out[k] = strings.ReplaceAll(val, figure, lo)
			if strings.Contains(out[k], "{{") {
				t.Fatalf("annotation %s of %s holds a template the test does not know: %s", k, c.name, val)
			}
		}
		return out, true
	}

	var names []string
	for _, c := range v.conds {
		if !slices.Contains(names, c.name) {
			names = append(names, c.name)
		}
	}
	absentFor := minutes(tiers[0].Long)
	// Checked minutes are 2, 7, 12, ...: off the tens where the low-traffic
	// scenario's failures land, so that its 5m window is certain.
	for at := 2; at <= m.minutes; at += 5 {
		evalTime := strconv.Itoa(at) + "m"

		// Each alert name only where every alert of that name, in every
		// group, is certain.
		for _, name := range names {
			var exp []expAlert
			certain := true
			for _, g := range m.groups {
				for _, c := range v.conds {
					if c.name != name {
						continue
					}
					switch m.steadyDecision(g, at, c) {
					case undecided:
						certain = false
					case fires:
						l := groupLabels(g)
						l["severity"] = c.severity
						if c.tier != nil {
							l["long_window"] = slo.WindowName(c.tier.Long)
							l["short_window"] = slo.WindowName(c.tier.Short)
						}
						a := annotations(name, l)
						if exactFigures {
							var ok bool
							if a, ok = withFigure(a, g, at, c); !ok {
								certain = false
							}
						}
						exp = append(exp, expAlert{ExpLabels: l, ExpAnnotations: a})
					}
				}
			}
			if certain {
				v.checks[name] = append(v.checks[name], at)
				tg.AlertRuleTests = append(tg.AlertRuleTests, alertTestCase{EvalTime: evalTime, Alertname: name, ExpAlerts: exp})
			}
		}

		// The absent alert: its metric is there from the first event on.
		var absentExp []expAlert
		if len(m.series) == 0 && at >= absentFor+2 {
			l := merge(base, "severity", "ticket")
			absentExp = append(absentExp, expAlert{ExpLabels: l, ExpAnnotations: annotations(rules.AbsentAlert, l)})
		}
		if len(m.series) > 0 || at >= absentFor+2 || at <= absentFor-2 {
			tg.AlertRuleTests = append(tg.AlertRuleTests, alertTestCase{EvalTime: evalTime, Alertname: rules.AbsentAlert, ExpAlerts: absentExp})
		}

		// Recorded ratios: absent without events, within the model's bounds
		// with them, never NaN. Every 15 minutes: they change more slowly
		// than alerts, and each check is a query over up to 30 days.
		if at%15 != 2 {
			continue
		}
		windows := []time.Duration{m.slo.Window, min(slo.Day, m.slo.Window)}
		for _, bw := range tiers {
			windows = append(windows, bw.Short, bw.Long)
		}
		for _, w := range windows {
			name := rules.ErrorRatioPrefix + slo.WindowName(w)
			tg.PromqlExprTests = append(tg.PromqlExprTests, promqlTest{Expr: name + " != " + name, EvalTime: evalTime, ExpSamples: []expSample{}})
			for _, g := range m.groups {
				l := groupLabels(g)
				sel := name + promLabels(l)
				r, und := m.errorRatio(g, at, minutes(w))
				switch {
				case und:
				case !r.ok:
					tg.PromqlExprTests = append(tg.PromqlExprTests, promqlTest{Expr: sel, EvalTime: evalTime, ExpSamples: []expSample{}})
				default:
					lo, hi := r.lo*(1-1e-9)-1e-12, r.hi*(1+1e-9)+1e-12
					tg.PromqlExprTests = append(tg.PromqlExprTests, promqlTest{
						Expr:       fmt.Sprintf("(%s >= bool %s) * (%s <= bool %s)", sel, fnum(lo), sel, fnum(hi)),
						EvalTime:   evalTime,
						ExpSamples: []expSample{{Labels: promLabels(l), Value: 1}},
					})
					// The budget left, 1 - ratio / budget, reads the ratio of
					// this minute or of the one before: promtool, like
					// Prometheus, evaluates the groups in no set order.
					prev, prevUnsure := m.errorRatio(g, at-1, minutes(w))
					if w == m.slo.Window && prev.ok && !prevUnsure {
						b := 1 - m.slo.Objective
						rem := rules.RemainingMetric + promLabels(l)
						rlo, rhi := 1-math.Max(r.hi, prev.hi)/b, 1-math.Min(r.lo, prev.lo)/b
						rlo, rhi = rlo-math.Abs(rlo)*1e-9-1e-9, rhi+math.Abs(rhi)*1e-9+1e-9
						tg.PromqlExprTests = append(tg.PromqlExprTests, promqlTest{
							Expr:       fmt.Sprintf("(%s >= bool %s) * (%s <= bool %s)", rem, fnum(rlo), rem, fnum(rhi)),
							EvalTime:   evalTime,
							ExpSamples: []expSample{{Labels: promLabels(l), Value: 1}},
						})
					}
				}
			}
		}
		for _, name := range []string{rules.CurrentBurnMetric, rules.PeriodBurnMetric, rules.RemainingMetric} {
			tg.PromqlExprTests = append(tg.PromqlExprTests, promqlTest{Expr: name + " != " + name, EvalTime: evalTime, ExpSamples: []expSample{}})
		}
	}
	return tg, v
}

// TestRulesUnderPromtool runs the generated rules in promtool's rule engine
// on synthetic series, and checks every alert (burn-rate pairs, breach, burn
// per day, budget consumed, absent metric) and the recorded series against
// the model at every minute where the model is certain.
func TestRulesUnderPromtool(t *testing.T) {
	for _, sc := range scenarios() {
		windows := []time.Duration{30 * slo.Day, 28 * slo.Day}
		if sc.window > 0 {
			windows = []time.Duration{sc.window}
		}
		for _, window := range windows {
			t.Run(slo.WindowName(window)+"/"+sc.name, func(t *testing.T) {
				t.Parallel()
				m := sc.model(window)
				opts := []rules.Option{rules.WithScrapeInterval(testScrape)}
				if sc.grouping {
					opts = append(opts, rules.WithGroupingLabels("cluster"))
				}
				file, err := rules.Generate(slo.Spec{Version: slo.Version, Service: testService, SLOs: []slo.SLO{m.slo}}, opts...)
				if err != nil {
					t.Fatal(err)
				}
				if !sc.exactFigures {
					file = withoutFigures(file)
				}
				tg, v := unitTests(t, m, file, sc.grouping, sc.exactFigures)
				if sc.sanity != nil {
					sc.sanity(t, v)
				}
				for _, name := range []string{rules.BurnAlert, rules.BreachAlert, rules.BurnDayAlert, rules.ConsumedAlert} {
					if n := len(v.checks[name]); n < 20 {
						t.Fatalf("the model is certain of %s at only %d checked minutes: the scenario checks too little", name, n)
					}
				}
				runPromtool(t, file, tg)
			})
		}
	}
}

// runPromtool checks file with promtool and runs the unit tests of tg on it.
func runPromtool(t *testing.T, file *rules.RuleFile, tg testGroup) {
	t.Helper()
	promtool := testbin.Path(t, "promtool")
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := file.WriteFile(rulesPath); err != nil {
		t.Fatal(err)
	}
	checkRules(t, promtool, rulesPath)
	data, err := yaml.Marshal(unitTestFile{RuleFiles: []string{"rules.yaml"}, EvaluationInterval: "1m", Tests: []testGroup{tg}})
	if err != nil {
		t.Fatal(err)
	}
	testPath := filepath.Join(dir, "rules_test.yaml")
	if err := os.WriteFile(testPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "test", "rules", testPath).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, truncate(string(out), 6000))
	}
}

// TestGoldenFilesPassPromtoolCheck loads every golden rule file in promtool.
func TestGoldenFilesPassPromtoolCheck(t *testing.T) {
	promtool := testbin.Path(t, "promtool")
	files, err := filepath.Glob(filepath.Join("testdata", "*.rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < len(goldenCases()) {
		t.Fatalf("found %d golden files, want %d", len(files), len(goldenCases()))
	}
	for _, f := range files {
		checkRules(t, promtool, f)
	}
}

func checkRules(t *testing.T, promtool, path string) {
	t.Helper()
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules %s: %v\n%s", path, err, out)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool check rules %s did not report success:\n%s", path, out)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "\n…"
}
