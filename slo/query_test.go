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
