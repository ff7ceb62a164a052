package slo

import "time"

// Status is the health of one SLO or of the whole service, as the Flask app's
// slo_guard defined it: OK (< 2% of the budget burned per day), WARNING
// (2–5%/day), CRITICAL (> 5%/day or budget exhausted).
type Status string

const (
	StatusOK       Status = "OK"
	StatusWarning  Status = "WARNING"
	StatusCritical Status = "CRITICAL"
	// StatusNoData means no event in the SLO window: neither good nor bad.
	StatusNoData Status = "NO_DATA"
	// StatusUnknown means the SLI source could not be read; Report.Error says why.
	StatusUnknown Status = "UNKNOWN"
	// StatusLowTraffic replaces a WARNING or CRITICAL that would rest on
	// fewer events than the SLO's min_events: one failed request out of
	// three is no outage. The figures are reported as they are.
	StatusLowTraffic Status = "LOW_TRAFFIC"
)

// Report is the document written to logs/slo_report.json and served by
// /api/observability/slo. It keeps the Flask app's shape (ts, window_days,
// overall_status, breaches, slos.{name}.{actual_pct|actual_ms, target,
// status, error_budget}) and adds to it.
type Report struct {
	TS            time.Time            `json:"ts"`
	Service       string               `json:"service"`
	WindowDays    float64              `json:"window_days"`
	OverallStatus Status               `json:"overall_status"`
	Breaches      []string             `json:"breaches"`
	SLOs          map[string]SLOReport `json:"slos"`
	// Firing lists the alerts firing after this evaluation.
	Firing []Alert `json:"firing"`
	// Source names the SLI source: "otel" (this process) or "prometheus".
	Source string `json:"source"`
	// Error is set when the source could not be read; the statuses are then
	// UNKNOWN and the SLO figures are those of the last good evaluation.
	Error string `json:"error,omitempty"`
	// StoreError is set when the samples could not be written (a full
	// disk): the evaluation, its alerts and its sinks went on from what the
	// store could read and the samples kept in memory.
	StoreError string `json:"store_error,omitempty"`
	// LastSampleTS is the end of the newest sample behind the figures, and
	// DataAgeSeconds how long before ts that was; both null when unknown
	// (no sample yet, or a source such as Prometheus that keeps its own
	// history). `sloguard check` exits 4 when the data is older than twice
	// the evaluation interval.
	LastSampleTS   *time.Time `json:"last_sample_ts"`
	DataAgeSeconds *float64   `json:"data_age_seconds"`
}

// SLOReport is the state of one SLO at one evaluation.
type SLOReport struct {
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Kind        Kind    `json:"kind"`
	Objective   float64 `json:"objective"`   // fraction, 0.999
	Target      float64 `json:"target"`      // percent, 99.9 (the Flask app's field)
	WindowDays  float64 `json:"window_days"` // this SLO's window
	// PeriodStart and PeriodEnd are the calendar period of a calendar SLO,
	// [start, end): its budget counts the events since PeriodStart. Absent
	// for a rolling SLO, whose window is the last window_days before ts.
	PeriodStart *time.Time `json:"period_start,omitempty"`
	PeriodEnd   *time.Time `json:"period_end,omitempty"`
	// ActualPct is the SLI over the window in percent; nil (null) with no data.
	ActualPct *float64 `json:"actual_pct"`
	// ThresholdMS and ActualMS are set for latency SLOs: the threshold, and the
	// observed latency at the objective's quantile (p95 for 95%) over the window.
	ThresholdMS *float64 `json:"threshold_ms,omitempty"`
	ActualMS    *float64 `json:"actual_ms,omitempty"`
	Status      Status   `json:"status"`
	NoData      bool     `json:"no_data"`
	// LowTraffic is set when the last day holds fewer than min_events
	// events: always with Status LOW_TRAFFIC, and beside an OK (see Evaluate).
	LowTraffic  bool    `json:"low_traffic"`
	Good        float64 `json:"good"`
	Bad         float64 `json:"bad"`
	Total       float64 `json:"total"`
	ErrorBudget Budget  `json:"error_budget"`
	// BurnRates by window name ("5m", "30m", "1h", "2h", "6h", "1d", "3d" and
	// the SLO window, e.g. "30d"); null where the window holds no event.
	BurnRates map[string]*float64 `json:"burn_rates"`
	// Windows holds the counts behind each burn rate.
	Windows map[string]Counts `json:"windows"`
}

// Budget is the error budget of one SLO over its window.
type Budget struct {
	// TotalPct is the share of events allowed to be bad: 100 − target.
	TotalPct float64 `json:"total_pct"`
	// AllowedBad is the number of bad events the budget allows for the events seen.
	AllowedBad   float64 `json:"allowed_bad"`
	ConsumedPct  float64 `json:"consumed_pct"`
	RemainingPct float64 `json:"remaining_pct"`
	// BurnPerDayPct is the Flask app's figure: percent of the whole budget burned in the last 24h.
	BurnPerDayPct float64 `json:"burn_per_day_pct"`
	Exhausted     bool    `json:"exhausted"`
	// ExhaustionAt is when the budget runs out at the current (1d) burn; nil
	// when it does not run out within the window or is already exhausted.
	ExhaustionAt *time.Time `json:"exhaustion_at"`
	// HoursToExhaustion is the same forecast in hours from ts.
	HoursToExhaustion *float64 `json:"hours_to_exhaustion"`
}

// Alert is one alert, as written to logs/production_alerts.ndjson (one per
// line, when it starts firing and when it is resolved) and sent to sinks.
type Alert struct {
	TS    time.Time `json:"ts"`
	Event string    `json:"event"` // always "slo_alert" (the Flask app's value)
	// State is "firing" or "resolved".
	State string `json:"state"`
	// Name is the alert name: SLOErrorBudgetBurn (multiwindow burn rate),
	// SLOBreach, SLOBudgetBurnRate (> 2% of the budget per day) or
	// SLOBudgetConsumed (> 50% consumed).
	Name     string `json:"alertname"`
	SLO      string `json:"slo"`
	Service  string `json:"service"`
	Severity string `json:"severity"` // page, ticket, warning or critical
	// LongWindow and ShortWindow are set on SLOErrorBudgetBurn alerts.
	LongWindow  string   `json:"long_window,omitempty"`
	ShortWindow string   `json:"short_window,omitempty"`
	BurnRate    *float64 `json:"burn_rate,omitempty"` // long window's
	Factor      float64  `json:"factor,omitempty"`    // the threshold it crossed
	// Breaches, budgets and p95 are the Flask app's alert fields.
	Breaches           []string          `json:"breaches"`
	BudgetRemainingPct float64           `json:"budget_remaining_pct"`
	BudgetConsumedPct  float64           `json:"budget_consumed_pct"`
	BurnPerDayPct      float64           `json:"burn_per_day_pct"`
	P95LatencyMS       *float64          `json:"p95_latency_ms"`
	Summary            string            `json:"summary"`
	Labels             map[string]string `json:"labels,omitempty"`
	// Annotations are those the spec gives the alert (SLO.Alerting); a
	// sink puts them over its own (summary, description, runbook).
	Annotations map[string]string `json:"annotations,omitempty"`
	StartsAt    time.Time         `json:"starts_at"`
	EndsAt      *time.Time        `json:"ends_at,omitempty"`
}

// LatencySummary is the latency of the requests over a window, as served by
// /api/observability/latency. Percentiles are nil (null) when Count is 0.
type LatencySummary struct {
	Window string   `json:"window"`
	Route  string   `json:"route,omitempty"`
	Count  uint64   `json:"count"`
	P50MS  *float64 `json:"p50_ms"`
	P95MS  *float64 `json:"p95_ms"`
	P99MS  *float64 `json:"p99_ms"`
	// Recent60 holds the durations (ms) of the last 60 requests, oldest first.
	Recent60 []float64 `json:"recent_60"`
}
