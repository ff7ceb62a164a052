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

	BurnAlert     = slo.AlertErrorBudgetBurn
	BreachAlert   = slo.AlertBreach
	BurnDayAlert  = slo.AlertBudgetBurnRate
	ConsumedAlert = slo.AlertBudgetConsumed
	AbsentAlert   = "SLOMetricAbsent"
)

// MinRateWindow is the shortest window a rule computes a rate over. Scaled
// alert windows shorter than the floor, the longest of this, four scrape
// intervals (WithScrapeInterval) and the rule groups' interval, are
// lengthened to it (slo.FloorAlertWindows): rate() needs two samples in its
// range, and a window shorter than the evaluation interval changes unseen
// between two evaluations.
const MinRateWindow = slo.MinAlertWindow

// scrapesPerWindow is how many scrape intervals the shortest window spans.
const scrapesPerWindow = 4

// MinWindow and MaxWindow bound the SLO windows the rules support: under an
// hour the scaled alert windows would all be the one-minute floor.
const (
	MinWindow = time.Hour
	MaxWindow = 365 * slo.Day
)

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
	var errs []error
	for _, s := range spec.SLOs {
		groups, err := g.sloGroups(spec.ServiceOf(s), s)
		if err != nil {
			errs = append(errs, fmt.Errorf("rules: slo %q: %w", s.Name, err))
			continue
		}
		file.Groups = append(file.Groups, groups...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
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
	if g.cfg.scrape <= 0 {
		return fmt.Errorf("rules: scrape interval %v is not positive", g.cfg.scrape)
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
	// alertTiers are the tiers the SLO raises alerts for (SLO.BurnWindows,
	// floored like tiers); tiers still give every recorded window.
	alertTiers []slo.BurnWindow
	day        time.Duration   // the last day, or the whole window if shorter
	windows    []time.Duration // ascending, distinct: alert windows, the day and the SLO window
	// eventWindows are those the low-traffic guard counts events over: the
	// long alert windows, the day and the SLO window.
	eventWindows []time.Duration
	q            sliQueries
}

func (g *generator) sloGroups(service string, s slo.SLO) ([]RuleGroup, error) {
	switch {
	case s.Calendar != nil:
		return nil, fmt.Errorf("window: a calendar %s cannot be written as Prometheus rules: a PromQL range is rolling, it cannot restart at the start of a %s; evaluate it with sloguard serve or check (--source prometheus for a fleet)", s.Calendar.Unit, s.Calendar.Unit)
	case s.Window < MinWindow:
		return nil, fmt.Errorf("window: %s is shorter than %s, the shortest window the rules support: the alert windows would be shorter than Prometheus can compute a rate over",
			slo.WindowName(s.Window), slo.WindowName(MinWindow))
	case s.Window > MaxWindow:
		return nil, fmt.Errorf("window: %s is longer than %s, the longest window the rules support", slo.WindowName(s.Window), slo.WindowName(MaxWindow))
	}
	r := sloRules{
		SLO:     s,
		service: service,
		labels:  map[string]string{"slo": s.Name, "service": service},
		budget:  1 - s.Objective,
	}
	for k, v := range s.Labels {
		if slices.Contains(g.grouping, k) {
			return nil, fmt.Errorf("label %q is also a grouping label: the series would carry two values of it", k)
		}
		r.labels[k] = v
	}
	for _, m := range []map[string]string{s.Alerting.Labels, s.Alerting.Page.Labels, s.Alerting.Ticket.Labels} {
		for k := range m {
			if slices.Contains(g.grouping, k) {
				return nil, fmt.Errorf("alerting label %q is also a grouping label: the alerts would carry two values of it", k)
			}
		}
	}
	floor := max(MinRateWindow, scrapesPerWindow*g.cfg.scrape, g.cfg.interval)
	if g.cfg.windows != nil {
		tiers, err := g.cfg.windows.Windows(s.Window)
		if err != nil {
			return nil, fmt.Errorf("window: %w", err)
		}
		for _, t := range tiers {
			if t.Short < floor {
				return nil, fmt.Errorf("alert windows: the %s window pair %s/%s is shorter than %s, the shortest window these rules can read (%d scrape intervals of %s, at least the rule groups' interval and %s)",
					t.Severity, slo.WindowName(t.Long), slo.WindowName(t.Short), slo.WindowName(floor), scrapesPerWindow, slo.WindowName(g.cfg.scrape), slo.WindowName(MinRateWindow))
			}
		}
		r.tiers = tiers
		r.alertTiers = s.BurnWindows(tiers)
	} else {
		r.tiers = slo.FloorAlertWindows(slo.AlertWindows(s.Window), s.Window, floor)
		r.alertTiers = slo.FloorAlertWindows(s.BurnWindows(slo.AlertWindows(s.Window)), s.Window, floor)
	}
	r.day = min(slo.Day, s.Window)
	for _, t := range r.tiers {
		r.windows = appendNew(r.windows, t.Short, t.Long)
	}
	r.windows = appendNew(r.windows, r.day, s.Window)
	slices.Sort(r.windows)
	r.eventWindows = appendNew(longWindows(r.tiers), r.day, s.Window)
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
		for _, w := range r.eventWindows {
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
		out = appendNew(out, t.Long)
	}
	return out
}

// appendNew appends those of ws that list does not hold yet.
func appendNew(list []time.Duration, ws ...time.Duration) []time.Duration {
	for _, w := range ws {
		if !slices.Contains(list, w) {
			list = append(list, w)
		}
	}
	return list
}

// metaRules records the metadata series under Sloth's names; the period
// series do not depend on the window, so one dashboard shows every SLO.
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
