package promql

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
)

func TestSLISelectorsReadTheExportersSeries(t *testing.T) {
	exporter := Series{HTTPDuration: HTTPDuration()}
	region := []Matcher{{"region", "=", "eu"}}
	tests := []struct {
		name      string
		sli       slo.SLI
		names     Series
		extra     []Matcher
		total     string
		part      string
		partIsBad bool
	}{
		{
			name:      "availability counts 5xx answers as bad",
			sli:       slo.SLI{Kind: slo.KindAvailability},
			names:     exporter,
			total:     `http_server_request_duration_seconds_count`,
			part:      `http_server_request_duration_seconds_count{http_response_status_code=~"5.."}`,
			partIsBad: true,
		},
		{
			name:      "availability of some routes and methods, extra matchers first",
			sli:       slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/a", "/b/{id}"}, Methods: []string{"POST"}},
			names:     exporter,
			extra:     region,
			total:     `http_server_request_duration_seconds_count{region="eu",http_route=~"/a|/b/\\{id\\}",http_request_method="POST"}`,
			part:      `http_server_request_duration_seconds_count{region="eu",http_route=~"/a|/b/\\{id\\}",http_request_method="POST",http_response_status_code=~"5.."}`,
			partIsBad: true,
		},
		{
			name:  "latency counts the requests in the threshold's bucket as good",
			sli:   slo.SLI{Kind: slo.KindLatency, Threshold: 400 * time.Millisecond, Routes: []string{"/a"}},
			names: exporter,
			total: `http_server_request_duration_seconds_count{http_route="/a"}`,
			part:  `http_server_request_duration_seconds_bucket{http_route="/a",le="0.4"}`,
		},
		{
			name:  "a whole-second threshold matches both le forms",
			sli:   slo.SLI{Kind: slo.KindLatency, Threshold: time.Second},
			names: exporter,
			total: `http_server_request_duration_seconds_count`,
			part:  `http_server_request_duration_seconds_bucket{le=~"1|1\\.0"}`,
		},
		{
			name: "latency takes the bound the caller finds for the threshold",
			sli:  slo.SLI{Kind: slo.KindLatency, Threshold: 400 * time.Millisecond},
			names: Series{HTTPDuration: "edge_seconds", LatencyBound: func(time.Duration) (float64, error) {
				return 0.5, nil
			}},
			total: `edge_seconds_count`,
			part:  `edge_seconds_bucket{le="0.5"}`,
		},
		{
			name:      "events read the exporter's counter name, matchers in key order",
			sli:       slo.SLI{Kind: slo.KindEvents, Metric: "webhook.deliveries", Total: slo.Matcher{"tenant": {"x"}}, Bad: slo.Matcher{"outcome": {"failure", "timeout"}, "kind": {"push"}}},
			names:     exporter,
			extra:     region,
			total:     `webhook_deliveries_total{region="eu",tenant="x"}`,
			part:      `webhook_deliveries_total{region="eu",tenant="x",kind="push",outcome=~"failure|timeout"}`,
			partIsBad: true,
		},
		{
			name:  "events with good matchers",
			sli:   slo.SLI{Kind: slo.KindEvents, Metric: "payments.processed", Good: slo.Matcher{"outcome": {"success"}}},
			names: exporter,
			total: `payments_processed_total`,
			part:  `payments_processed_total{outcome="success"}`,
		},
		{
			name:      "a counter renamed by the caller",
			sli:       slo.SLI{Kind: slo.KindEvents, Metric: "webhook.deliveries", Bad: slo.Matcher{"outcome": {"failure"}}},
			names:     Series{HTTPDuration: HTTPDuration(), Counters: map[string]string{"webhook.deliveries": "hooks_sent_total"}},
			total:     `hooks_sent_total`,
			part:      `hooks_sent_total{outcome="failure"}`,
			partIsBad: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := SLISelectors(tt.sli, tt.names, tt.extra)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Total.String(); got != tt.total {
				t.Errorf("total %s, want %s", got, tt.total)
			}
			if got := r.Part.String(); got != tt.part {
				t.Errorf("part %s, want %s", got, tt.part)
			}
			if r.PartIsBad != tt.partIsBad {
				t.Errorf("part is bad: %v, want %v", r.PartIsBad, tt.partIsBad)
			}
		})
	}
}

func TestSLISelectorsRefuseSLIsWithoutSelectors(t *testing.T) {
	errNoBucket := errors.New("no such bucket")
	tests := []struct {
		name  string
		sli   slo.SLI
		names Series
		wants []string
	}{
		{"no kind", slo.SLI{}, Series{}, []string{"kind is not set"}},
		{"an unknown kind", slo.SLI{Kind: "throughput"}, Series{}, []string{`unknown kind "throughput"`}},
		{"a PromQL SLI", slo.SLI{Kind: slo.KindAvailability, PromQL: &slo.PromQL{}}, Series{}, []string{"promql"}},
		{"latency without threshold", slo.SLI{Kind: slo.KindLatency}, Series{}, []string{"threshold is not set"}},
		{
			"latency whose threshold has no bucket",
			slo.SLI{Kind: slo.KindLatency, Threshold: time.Millisecond},
			Series{LatencyBound: func(time.Duration) (float64, error) { return 0, errNoBucket }},
			[]string{errNoBucket.Error()},
		},
		{"an empty route", slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/a", ""}}, Series{}, []string{"routes[1] is empty"}},
		{"an empty method", slo.SLI{Kind: slo.KindLatency, Threshold: time.Second, Methods: []string{""}}, Series{}, []string{"methods[0] is empty"}},
		{"events without metric", slo.SLI{Kind: slo.KindEvents, Bad: slo.Matcher{"outcome": {"failure"}}}, Series{}, []string{"metric is not set"}},
		{"an attribute with no Prometheus label name", slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Bad: slo.Matcher{"__": {"x"}}}, Series{}, []string{"bad", `"__"`, "no Prometheus label name"}},
		{"events with good and bad", slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Good: slo.Matcher{"a": {"b"}}, Bad: slo.Matcher{"a": {"c"}}}, Series{}, []string{"both good and bad"}},
		{"events with neither", slo.SLI{Kind: slo.KindEvents, Metric: "jobs"}, Series{}, []string{"neither good nor bad"}},
		{"a matcher without values", slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Bad: slo.Matcher{"outcome": nil}}, Series{}, []string{"bad", `"outcome"`, "lists no value"}},
		{"a total matcher without values", slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Total: slo.Matcher{"tenant": {}}, Bad: slo.Matcher{"outcome": {"x"}}}, Series{}, []string{"total", `"tenant"`, "lists no value"}},
		{
			"two attributes that are one label",
			slo.SLI{Kind: slo.KindEvents, Metric: "jobs", Good: slo.Matcher{"job.kind": {"a"}, "job_kind": {"b"}}},
			Series{},
			[]string{"good", `"job.kind"`, `"job_kind"`, "both"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := SLISelectors(tt.sli, tt.names, nil)
			if err == nil {
				t.Fatalf("no error; selectors %s and %s", r.Total, r.Part)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
