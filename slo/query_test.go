package slo

import (
	"strings"
	"testing"
)

func TestClassifyQueryTellsCountsFromRatesAndRefusesTheRest(t *testing.T) {
	tests := []struct {
		name, expr string
		want       QueryKind
		wantErr    string
	}{
		{name: "an increase is a count", expr: `increase(x_total[{{.window}}])`, want: QueryCount},
		{name: "a summed increase is a count", expr: `sum by (job) (increase(x_total{code=~"5.."}[{{.window}}]))`, want: QueryCount},
		{name: "a rate is a rate", expr: `sum(rate(x_total[{{.window}}]))`, want: QueryRate},
		{name: "the placeholder may be capitalised", expr: `sum(rate(x_total[{{.Window}}]))`, want: QueryRate},
		{name: "a difference of rates is a rate", expr: `sum(rate(a_total[{{.window}}])) - sum(rate(b_total[{{.window}}]))`, want: QueryRate},
		{name: "or vector(0) keeps the kind", expr: `sum(rate(a_total[{{.window}}])) or vector(0)`, want: QueryRate},
		{name: "a scaled count is a count", expr: `2 * sum(increase(a_total[{{.window}}]))`, want: QueryCount},
		{name: "a rate minus a count is refused", expr: `sum(rate(a_total[{{.window}}])) - sum(increase(b_total[{{.window}}]))`, wantErr: "both sides must be counts, or both rates"},
		{name: "irate is refused", expr: `sum(irate(a_total[{{.window}}]))`, wantErr: "irate() is the rate between the last two samples"},
		{name: "a range other than the window is refused", expr: `sum(rate(a_total[5m])) + 0 * sum(rate(a_total[{{.window}}]))`, wantErr: "the range of rate() is 5m, not the window"},
		{name: "a bare counter is refused", expr: `sum(a_total) + 0 * sum(rate(a_total[{{.window}}]))`, wantErr: "is a counter's value since it started"},
		{name: "an average is refused", expr: `avg(rate(a_total[{{.window}}]))`, wantErr: "avg() of events is not a number of events"},
		{name: "a ratio is refused", expr: `sum(rate(a_total[{{.window}}])) / sum(rate(b_total[{{.window}}]))`, wantErr: "/ between two queries"},
		{name: "a gauge function is refused", expr: `max_over_time(a[{{.window}}])`, wantErr: "max_over_time() is not a count or a rate"},
		{name: "PromQL that does not parse is refused", expr: `sum(rate(a_total[{{.window}}])`, wantErr: "not valid PromQL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ClassifyQuery(tt.expr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ClassifyQuery(%q) = %v, %v; want an error containing %q", tt.expr, q, err, tt.wantErr)
				}
				return
			}
			if err != nil || q.Kind != tt.want {
				t.Fatalf("ClassifyQuery(%q) = %v, %v; want %v", tt.expr, q.Kind, err, tt.want)
			}
		})
	}
}

func TestQueryCountTurnsARateIntoEventsOverTheWindow(t *testing.T) {
	rate := Query{Expr: `sum(rate(x_total[{{.window}}]))`, Kind: QueryRate}
	got, err := rate.Count("1h")
	if want := `(sum(rate(x_total[1h]))) * 3600`; err != nil || got != want {
		t.Errorf("Count(1h) = %q, %v; want %q", got, err, want)
	}
	count := Query{Expr: `sum(increase(x_total[{{.window}}]))`, Kind: QueryCount}
	if got, err := count.Count("30d"); err != nil || got != `sum(increase(x_total[30d]))` {
		t.Errorf("Count(30d) of an increase = %q, %v", got, err)
	}
	if _, err := (Query{Expr: "x"}).Count("5m"); err == nil {
		t.Error("Count of an unclassified query gave no error")
	}
}

func TestValidateRefusesAQueryThatIsNotACountNamingIt(t *testing.T) {
	s := Spec{Version: Version, Service: "s", SLOs: []SLO{{Name: "a", Objective: 0.99, Window: DefaultWindow,
		SLI: SLI{Kind: KindEvents, Metric: "m", Bad: Matcher{"o": {"f"}},
			PromQL: &PromQL{Bad: `sum(irate(m_total{o="f"}[{{.window}}]))`, Total: `sum(rate(m_total[{{.window}}]))`}}}}}
	err := s.Validate(nil)
	if err == nil || !strings.Contains(err.Error(), `slos[0].sli.promql.bad: "sum(irate(m_total{o=\"f\"}[{{.window}}]))": irate()`) {
		t.Errorf("Validate = %v, want the irate query refused by name", err)
	}
}

func TestCounterQueryTakesTheIncreaseOfABareSelector(t *testing.T) {
	tests := []struct {
		name, expr, want, err string
	}{
		{"a selector with matchers becomes its increase over the window", `http_requests_total{code=~"5.."}`, `sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))`, ""},
		{"a selector in parentheses is the same selector", `(x_total)`, `sum(increase(x_total[{{.window}}]))`, ""},
		{"a sum of a selector keeps its grouping", `sum by (job) (x_total{le="2.5"})`, `sum by (job) (increase(x_total{le="2.5"}[{{.window}}]))`, ""},
		{"a plain sum of a selector", `sum(x_total)`, `sum(increase(x_total[{{.window}}]))`, ""},
		{"a query is not a selector", `sum(rate(x_total[5m]))`, "", "is not a counter selector"},
		{"an offset is refused", `x_total offset 5m`, "", "offset"},
		{"broken PromQL is named", `x_total{`, "", "not valid PromQL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CounterQuery(tt.expr)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("CounterQuery(%q) = %q, %v; want an error containing %q", tt.expr, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CounterQuery(%q) = %q, %v; want %q", tt.expr, got, err, tt.want)
			}
			if q, err := ClassifyQuery(got); err != nil || q.Kind != QueryCount {
				t.Fatalf("the result %q classifies as %v, %v; want a count", got, q.Kind, err)
			}
		})
	}
}

func TestHistogramQueriesCountTheBucketAtTheThresholdOverTheCount(t *testing.T) {
	sel, err := HistogramSelector(`sum(http_request_duration_seconds_bucket{job="api",le="1"})`)
	if err != nil {
		t.Fatal(err)
	}
	good, total := HistogramQueries(sel, "0.4")
	if want := `sum(increase(http_request_duration_seconds_bucket{job="api", le="0.4"}[{{.window}}]))`; good != want {
		t.Errorf("good = %s, want %s", good, want)
	}
	if want := `sum(increase(http_request_duration_seconds_count{job="api"}[{{.window}}]))`; total != want {
		t.Errorf("total = %s, want %s", total, want)
	}
	for _, q := range []string{good, total} {
		if k, err := ClassifyQuery(q); err != nil || k.Kind != QueryCount {
			t.Errorf("%s classifies as %v, %v; want a count", q, k.Kind, err)
		}
	}
	if _, err := HistogramSelector(`histogram_quantile(0.99, rate(x_bucket[5m]))`); err == nil || !strings.Contains(err.Error(), "measured values") {
		t.Errorf("a quantile is not refused as measured values: %v", err)
	}
}
