package rules

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/internal/promql"
)

// Names of the generated series and alerts.
const (
	ErrorRatioPrefix  = "slo:sli_error:ratio_rate" // + window name: slo:sli_error:ratio_rate5m
	EventsPrefix      = "slo:sli_events:increase"  // + long window name: slo:sli_events:increase1h
	ObjectiveMetric   = "slo:objective:ratio"
	ErrorBudgetMetric = "slo:error_budget:ratio"
	TimePeriodMetric  = "slo:time_period:days"
	CurrentBurnMetric = "slo:current_burn_rate:ratio"
	PeriodBurnMetric  = "slo:period_burn_rate:ratio"
	RemainingMetric   = "slo:period_error_budget_remaining:ratio"

	BurnAlert   = "SLOErrorBudgetBurn"
	AbsentAlert = "SLOMetricAbsent"
)

// MinRateWindow is the shortest window a rule may compute a rate over:
// rate() needs two samples in the window, and at common scrape intervals
// (15s-30s) one minute holds two to four.
const MinRateWindow = time.Minute

// groupingReserved are the labels the rules set, or sum away (le), and so
// cannot group by.
var groupingReserved = []string{"slo", "service", "severity", "long_window", "short_window", "alertname", "le"}

type generator struct {
	cfg      config
	grouping []string
	matchers []promql.Matcher
}

// Generate returns the Prometheus rules of every SLO of spec: recording
// rules for the error ratios, the events and Sloth's metadata series, and
// the burn-rate and absent-metric alerts (see the package documentation).
// The alerts fire when the in-process processor's do: the windows and
// factors of slo.AlertWindows(SLO.Window) and the SLO's MinEvents.
//
// An error names the SLO and the field that cannot be turned into rules; no
// file is returned then.
func Generate(spec slo.Spec, opts ...Option) (*RuleFile, error) {
	g := &generator{cfg: newConfig(opts)}
	if err := g.checkConfig(); err != nil {
		return nil, err
	}
	// The rules check what only rules need; the spec's own rules are the
	// validator's, with the thresholds checked against the buckets queried.
	if err := spec.Validate(g.cfg.buckets); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	file := &RuleFile{}
	for _, s := range spec.SLOs {
		groups, err := g.sloGroups(spec.ServiceOf(s), s)
		if err != nil {
			return nil, fmt.Errorf("rules: slo %q: %w", s.Name, err)
		}
		file.Groups = append(file.Groups, groups...)
	}
	return file, nil
}

func (g *generator) checkConfig() error {
	seen := map[string]bool{}
	for _, l := range g.cfg.grouping {
		if err := checkLabelName(l); err != nil {
			return fmt.Errorf("rules: grouping label: %w", err)
		}
		if slices.Contains(groupingReserved, l) {
			return fmt.Errorf("rules: grouping label %q: the rules set or sum away that label", l)
		}
		if seen[l] {
			return fmt.Errorf("rules: grouping label %q is given twice", l)
		}
		seen[l] = true
	}
	g.grouping = g.cfg.grouping
	if g.cfg.interval < 0 {
		return fmt.Errorf("rules: rule group interval %v is negative", g.cfg.interval)
	}
	if g.cfg.names.HTTPDuration == "" {
		return errors.New("rules: the HTTP duration histogram has no Prometheus name")
	}
	for _, raw := range g.cfg.matchers {
		m, err := promql.ParseMatcher(raw)
		if err != nil {
			return fmt.Errorf("rules: %w", err)
		}
		g.matchers = append(g.matchers, m)
	}
	return nil
}

// sloRules holds what the groups of one SLO share.
type sloRules struct {
	slo.SLO
	service string
	labels  map[string]string // slo, service and the SLO's labels
	budget  float64
	tiers   []slo.BurnWindow
	windows []time.Duration // ascending, distinct: alert windows and the SLO window
	q       sliQueries
}

func (g *generator) sloGroups(service string, s slo.SLO) ([]RuleGroup, error) {
	r := sloRules{
		SLO:     s,
		service: service,
		labels:  map[string]string{"slo": s.Name, "service": service},
		budget:  1 - s.Objective,
		tiers:   slo.AlertWindows(s.Window),
	}
	for k, v := range s.Labels {
		if slices.Contains(g.grouping, k) {
			return nil, fmt.Errorf("label %q is also a grouping label: the series would carry two values of it", k)
		}
		r.labels[k] = v
	}
	for _, t := range r.tiers {
		for _, w := range []time.Duration{t.Short, t.Long} {
			if !slices.Contains(r.windows, w) {
				r.windows = append(r.windows, w)
			}
		}
	}
	if !slices.Contains(r.windows, s.Window) {
		r.windows = append(r.windows, s.Window)
	}
	slices.Sort(r.windows)
	if r.windows[0] < MinRateWindow {
		return nil, fmt.Errorf("window %s gives alert windows as short as %s, and Prometheus needs at least %s to compute a rate: use a window of at least %s",
			slo.WindowName(s.Window), slo.WindowName(r.windows[0]), slo.WindowName(MinRateWindow),
			slo.WindowName(time.Duration(float64(s.Window)*float64(MinRateWindow)/float64(r.windows[0])).Round(slo.Day)))
	}
	var err error
	if r.q, err = g.sliQueries(s); err != nil {
		return nil, err
	}
	interval := ""
	if g.cfg.interval > 0 {
		interval = slo.WindowName(g.cfg.interval)
	}
	prefix := "sloguard-" + service + "-" + s.Name
	return []RuleGroup{
		{Name: prefix + "-sli-recordings", Interval: interval, Rules: g.sliRules(r)},
		{Name: prefix + "-meta-recordings", Interval: interval, Rules: g.metaRules(r)},
		{Name: prefix + "-alerts", Interval: interval, Rules: g.alertRules(r)},
	}, nil
}

// sliRules records the error ratio over every window, and the events of
// each long alert window when the low-traffic guard needs them.
func (g *generator) sliRules(r sloRules) []Rule {
	var out []Rule
	for _, w := range r.windows {
		out = append(out, Rule{
			Record: ErrorRatioPrefix + slo.WindowName(w),
			Expr:   r.q.errorRatio(slo.WindowName(w)),
			Labels: maps.Clone(r.labels),
		})
	}
	if r.MinEvents > 0 {
		for _, w := range longWindows(r.tiers) {
			out = append(out, Rule{
				Record: EventsPrefix + slo.WindowName(w),
				Expr:   r.q.events(slo.WindowName(w)),
				Labels: maps.Clone(r.labels),
			})
		}
	}
	return out
}

func longWindows(tiers []slo.BurnWindow) []time.Duration {
	var out []time.Duration
	for _, t := range tiers {
		if !slices.Contains(out, t.Long) {
			out = append(out, t.Long)
		}
	}
	return out
}

// metaRules records Sloth's metadata series, so that dashboards built for
// Sloth's rules read these too.
func (g *generator) metaRules(r sloRules) []Rule {
	rec := func(name, expr string) Rule {
		return Rule{Record: name, Expr: expr, Labels: maps.Clone(r.labels)}
	}
	ratio := func(w time.Duration) string {
		return equalSelector(ErrorRatioPrefix+slo.WindowName(w), r.labels).String()
	}
	budget := number(r.budget)
	return []Rule{
		rec(ObjectiveMetric, "vector("+number(r.Objective)+")"),
		rec(ErrorBudgetMetric, "vector("+budget+")"),
		rec(TimePeriodMetric, "vector("+number(float64(r.Window)/float64(slo.Day))+")"),
		rec(CurrentBurnMetric, ratio(r.windows[0])+" / "+budget),
		rec(PeriodBurnMetric, ratio(r.Window)+" / "+budget),
		rec(RemainingMetric, "1 - "+equalSelector(PeriodBurnMetric, r.labels).String()),
	}
}
