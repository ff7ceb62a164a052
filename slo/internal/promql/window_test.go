package promql

import (
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
)

func TestParsePromQLFillsEveryWindow(t *testing.T) {
	tests := []struct {
		name      string
		p         slo.PromQL
		window    string
		total     string
		part      string
		partIsBad bool
	}{
		{
			name:      "bad events",
			p:         slo.PromQL{Total: `sum(increase(jobs_total[{{.window}}]))`, Bad: `sum(increase(jobs_total{outcome="failure"}[{{.window}}]))`},
			window:    "5m",
			total:     `sum(increase(jobs_total[5m]))`,
			part:      `sum(increase(jobs_total{outcome="failure"}[5m]))`,
			partIsBad: true,
		},
		{
			name:   "good events, the placeholder used twice",
			p:      slo.PromQL{Total: `sum(increase(a_total[{{.window}}])) + sum(increase(b_total[{{.window}}]))`, Good: `sum(increase(ok_total[{{.window}}]))`},
			window: "30d",
			total:  `sum(increase(a_total[30d])) + sum(increase(b_total[30d]))`,
			part:   `sum(increase(ok_total[30d]))`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParsePromQL(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			total, err := q.Total.Fill(tt.window)
			if err != nil {
				t.Fatal(err)
			}
			part, err := q.Part.Fill(tt.window)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || part != tt.part || q.PartIsBad != tt.partIsBad {
				t.Errorf("got total %s, part %s (bad: %v); want %s, %s (bad: %v)", total, part, q.PartIsBad, tt.total, tt.part, tt.partIsBad)
			}
		})
	}
}

func TestParsePromQLRefusesQueriesThatCannotCount(t *testing.T) {
	const ok = `sum(increase(x_total[{{.window}}]))`
	tests := []struct {
		name  string
		p     slo.PromQL
		wants []string
	}{
		{"no total", slo.PromQL{Bad: ok}, []string{"total is not set"}},
		{"both good and bad", slo.PromQL{Total: ok, Good: ok, Bad: ok}, []string{"both good and bad"}},
		{"neither good nor bad", slo.PromQL{Total: ok}, []string{"neither good nor bad"}},
		{"a part without the placeholder", slo.PromQL{Total: ok, Good: `sum(increase(x_total[5m]))`}, []string{"good", "does not use the {{.window}} placeholder"}},
		{"a total without the placeholder", slo.PromQL{Total: `sum(x_total)`, Bad: ok}, []string{"total", "does not use the {{.window}} placeholder"}},
		{"another placeholder", slo.PromQL{Total: ok, Bad: `sum(increase(x_total[{{.range}}]))`}, []string{"bad", "range"}},
		{"a template that does not parse", slo.PromQL{Total: `sum(increase(x_total[{{.window]))`, Bad: ok}, []string{"total"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePromQL(tt.p)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
