package openslo_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/internal/golden"
	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/spec/openslo"
)

// osBase is a valid OpenSLO SLO document; the table tests below change one
// thing in it at a time.
const osBase = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: a
spec:
  service: shop
  indicator:
    metadata: {name: a}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, status: 5xx}}}
        total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`

// osVariant returns osBase with old (which must occur once) replaced.
func osVariant(t *testing.T, old, new string) string {
	t.Helper()
	if strings.Count(osBase, old) != 1 {
		t.Fatalf("%q occurs %d times in the base document", old, strings.Count(osBase, old))
	}
	return strings.Replace(osBase, old, new, 1)
}

// osProblem is what a test expects of one Problem: the text of its line
// (the first line of the file containing it; "" for no line), its field
// and part of its message.
type osProblem struct {
	at    string
	field string
	msg   string
}

// lineOfText is the line where text first occurs in src; a text starting
// with a newline names the line after it.
func lineOfText(t *testing.T, src, text string) int {
	t.Helper()
	if text == "" {
		return 0
	}
	i := strings.Index(src, text)
	if i < 0 {
		t.Fatalf("the source does not contain %q", text)
	}
	if strings.HasPrefix(text, "\n") {
		i++
	}
	return strings.Count(src[:i], "\n") + 1
}

func TestOpenSLOExampleFileReadsIntoTheModel(t *testing.T) {
	spec, err := loadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	want := slo.Spec{
		Version: slo.Version,
		Service: "checkout",
		SLOs: []slo.SLO{
			{
				Name:        "availability",
				Description: "Item API requests answered without a server error",
				Objective:   0.999,
				Window:      30 * slo.Day,
				MinEvents:   500,
				Labels:      map[string]string{"team": "payments", "tier": "1"},
				SLI: slo.SLI{
					Kind:    slo.KindAvailability,
					Routes:  []string{"/api/items/{id}", "/api/items"},
					Methods: []string{"GET", "POST"},
				},
			},
			{
				Name:        "latency-p95",
				Description: "Item reads within 400ms",
				Objective:   0.95,
				Window:      28 * slo.Day,
				MinEvents:   slo.DefaultMinEvents,
				SLI: slo.SLI{
					Kind:      slo.KindLatency,
					Threshold: 400 * time.Millisecond,
					Routes:    []string{"/api/items/{id}"},
				},
			},
			{
				Name:      "webhook-success",
				Objective: 0.9995,
				Window:    30 * slo.Day,
				MinEvents: 0,
				SLI: slo.SLI{
					Kind:   slo.KindEvents,
					Metric: "webhook.deliveries",
					Bad:    slo.Matcher{"outcome": {"failure"}},
					PromQL: &slo.PromQL{
						Bad:   `sum(increase(webhook_deliveries_total{outcome="failure"}[{{.window}}]))`,
						Total: `sum(increase(webhook_deliveries_total[{{.window}}]))`,
					},
				},
			},
		},
	}
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("LoadFile parsed\n%#v\nwant\n%#v", spec, want)
	}
}

// richSpec uses every part of the model an OpenSLO file carries.
func richSpec() slo.Spec {
	return slo.Spec{
		Version: slo.Version,
		Service: "checkout",
		SLOs: []slo.SLO{
			{
				Name:        "Item_Availability",
				Description: "Item API: no 5xx",
				Objective:   0.9995,
				Window:      28 * slo.Day,
				MinEvents:   500,
				Labels:      map[string]string{"team": "payments", "tier": "1"},
				SLI: slo.SLI{
					Kind:    slo.KindAvailability,
					Routes:  []string{"/api/items/{id}", "/api/items"},
					Methods: []string{"POST", "GET"},
					PromQL: &slo.PromQL{
						Bad:   `sum(increase(http_server_request_duration_seconds_count{http_route=~"/api/items.*",http_response_status_code=~"5.."}[{{.window}}]))`,
						Total: `sum(increase(http_server_request_duration_seconds_count{http_route=~"/api/items.*"}[{{.window}}]))`,
					},
				},
			},
			{
				Name:      "latency.p99",
				Objective: 0.99,
				Window:    90 * time.Minute,
				MinEvents: 0,
				SLI: slo.SLI{
					Kind:      slo.KindLatency,
					Threshold: 250 * time.Millisecond,
					Methods:   []string{"GET"},
					PromQL: &slo.PromQL{
						Good:  `sum(increase(http_server_request_duration_seconds_bucket{le="0.25"}[{{.window}}]))`,
						Total: `sum(increase(http_server_request_duration_seconds_count[{{.window}}]))`,
					},
				},
			},
			{
				Name:      "payments",
				Objective: 0.999,
				Window:    7 * slo.Day,
				MinEvents: 12.5,
				SLI: slo.SLI{
					Kind:   slo.KindEvents,
					Metric: "payments.processed",
					Total:  slo.Matcher{"region": {"eu", "us"}, "outcome": {"success", "error"}},
					Good:   slo.Matcher{"outcome": {"success"}},
				},
			},
			{
				Name:      "webhooks",
				Objective: 0.99,
				Window:    6 * time.Hour,
				MinEvents: slo.DefaultMinEvents,
				SLI: slo.SLI{
					Kind:   slo.KindEvents,
					Metric: "webhook.deliveries",
					Bad:    slo.Matcher{"outcome": {"failure"}},
					Total:  slo.Matcher{"endpoint": {"primary"}},
					PromQL: &slo.PromQL{
						Good:  `sum(increase(webhook_deliveries_total{outcome!="failure"}[{{.window}}]))`,
						Total: `sum(increase(webhook_deliveries_total[{{.window}}]))`,
					},
				},
			},
		},
	}
}

func TestOpenSLOExportReadsBackIntoTheSameSpec(t *testing.T) {
	checkout, err := loadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	tests := []struct {
		name string
		spec slo.Spec
	}{
		{"the default SLOs", demo.Spec()},
		{"filters, PromQL, labels, min events and windows of every length", richSpec()},
		{"the example file", checkout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.spec.Validate(nil); err != nil {
				t.Fatalf("the spec under test is invalid: %v", err)
			}
			out, err := openslo.Export(tt.spec)
			if err != nil {
				t.Fatalf("ExportOpenSLO: %v", err)
			}
			again, err := slospec.Parse("export.yaml", out)
			if err != nil {
				t.Fatalf("Parse of the export: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(again, tt.spec) {
				t.Errorf("read back\n%#v\nwant\n%#v\nexport:\n%s", again, tt.spec, out)
			}
			if n := strings.Count(string(out), "\nkind: SLO\n"); n != len(tt.spec.SLOs) {
				t.Errorf("the export holds %d SLO documents, want one per SLO (%d)", n, len(tt.spec.SLOs))
			}
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, "  name: ") && !dnsLabelRE.MatchString(strings.TrimPrefix(l, "  name: ")) {
					t.Errorf("metadata.name in %q is not an RFC 1123 label, as OpenSLO names must be", l)
				}
			}
		})
	}
}

// dnsLabelRE is RFC 1123's label, which OpenSLO requires of names.
var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

func TestOpenSLOExportOfTheDefaultSpecMatchesItsGoldenFile(t *testing.T) {
	out, err := openslo.Export(demo.Spec())
	if err != nil {
		t.Fatalf("ExportOpenSLO: %v", err)
	}
	goldenPath := filepath.Join("testdata", "default.golden.yaml")
	golden.Assert(t, goldenPath, out)
	again, err := openslo.Export(demo.Spec())
	if err != nil || string(again) != string(out) {
		t.Errorf("a second export differs from the first (%v)", err)
	}
	spec, err := loadFile(goldenPath)
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", goldenPath, err)
	}
	if !reflect.DeepEqual(spec, demo.Spec()) {
		t.Errorf("%s loads as\n%#v\nwant Default()\n%#v", goldenPath, spec, demo.Spec())
	}
}

func TestOpenSLOExportRefusesWhatTheFormatCannotHold(t *testing.T) {
	tests := []struct {
		name   string
		change func(*slo.Spec)
		want   string
	}{
		{"a spec without a service", func(s *slo.Spec) { s.Service = "" }, "names no service"},
		{"a spec without SLOs", func(s *slo.Spec) { s.SLOs = nil }, "has no SLO"},
		{"a window of seconds", func(s *slo.Spec) { s.SLOs[0].Window = 90 * time.Second }, "not a whole number of minutes"},
		{"two names that become the same OpenSLO name", func(s *slo.Spec) { s.SLOs[1].Name = "Availability" }, `would both be named "availability"`},
		{"an SLI of no known kind", func(s *slo.Spec) { s.SLOs[2].SLI.Kind = "throughput" }, `unknown SLI kind "throughput"`},
		{"an objective of 100%", func(s *slo.Spec) { s.SLOs[0].Objective = 1 }, "not a fraction between 0 and 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := demo.Spec()
			tt.change(&spec)
			out, err := openslo.Export(spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ExportOpenSLO = %v, want an error containing %q", err, tt.want)
			}
			if out != nil {
				t.Errorf("ExportOpenSLO returned %d bytes along with its error", len(out))
			}
		})
	}
}

// The same three SLOs, written in the ways OpenSLO allows: inline
// indicators, SLIs referred to by name (before or after the SLO), several
// documents or one YAML list.
const (
	osAvailability = `apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  service: shop
  indicator:
    metadata: {name: availability}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, match: {http.route: [/cart]}, status: 5xx}}}
        total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, match: {http.route: /cart}}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{targetPercent: 99.9}]
`
	osLatencyRef = `apiVersion: openslo/v1
kind: SLO
metadata: {name: latency}
spec:
  service: shop
  indicatorRef: request-duration
  timeWindow: [{duration: 1w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{op: lte, value: 0.25, target: 0.95}]
`
	osLatencySLI = `apiVersion: openslo/v1
kind: SLI
metadata: {name: request-duration}
spec:
  thresholdMetric:
    metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}
`
	osEventsRef = `apiVersion: openslo/v1
kind: SLO
metadata: {name: webhooks}
spec:
  service: shop
  indicatorRef: deliveries
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`
	osEventsSLI = `apiVersion: openslo/v1
kind: SLI
metadata: {name: deliveries}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries, match: {outcome: [success], endpoint: [primary]}}}}
    total: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries, match: {endpoint: [primary]}}}}
`
)

// asListItem indents a document as an item of a YAML list.
func asListItem(doc string) string {
	lines := strings.Split(strings.TrimSuffix(doc, "\n"), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = "- " + lines[i]
		} else {
			lines[i] = "  " + lines[i]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestOpenSLOReadsInlineAndReferencedSLIsFromDocumentsAndLists(t *testing.T) {
	want := slo.Spec{Version: slo.Version, Service: "shop", SLOs: []slo.SLO{
		{Name: "availability", Objective: 0.999, Window: 30 * slo.Day, MinEvents: slo.DefaultMinEvents,
			SLI: slo.SLI{Kind: slo.KindAvailability, Routes: []string{"/cart"}}},
		{Name: "latency", Objective: 0.95, Window: 7 * slo.Day, MinEvents: slo.DefaultMinEvents,
			SLI: slo.SLI{Kind: slo.KindLatency, Threshold: 250 * time.Millisecond}},
		{Name: "webhooks", Objective: 0.99, Window: 30 * slo.Day, MinEvents: slo.DefaultMinEvents,
			SLI: slo.SLI{Kind: slo.KindEvents, Metric: "webhook.deliveries", Total: slo.Matcher{"endpoint": {"primary"}}, Good: slo.Matcher{"outcome": {"success"}}}},
	}}
	docs := func(ds ...string) string { return strings.Join(ds, "---\n") }
	list := func(ds ...string) string {
		var b strings.Builder
		for _, d := range ds {
			b.WriteString(asListItem(d))
		}
		return b.String()
	}
	tests := []struct {
		name string
		src  string
	}{
		{"documents separated by ---, SLIs defined before their SLOs", docs(osLatencySLI, osEventsSLI, osAvailability, osLatencyRef, osEventsRef)},
		{"documents separated by ---, SLIs defined after their SLOs", "---\n" + docs(osAvailability, osLatencyRef, osEventsRef, osLatencySLI, osEventsSLI) + "---\n"},
		{"one YAML list", list(osAvailability, osLatencySLI, osLatencyRef, osEventsRef, osEventsSLI)},
		{"a list and documents together", docs(list(osAvailability, osLatencyRef), list(osEventsRef), osLatencySLI, osEventsSLI)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := slospec.Parse("shop.yaml", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, tt.src)
			}
			if !reflect.DeepEqual(spec, want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", spec, want)
			}
		})
	}
}

func TestOpenSLOSLIsSharedByTwoSLOsAreIndependentCopies(t *testing.T) {
	second := strings.NewReplacer("name: webhooks", "name: webhooks-fast", "duration: 30d", "duration: 1d").Replace(osEventsRef)
	spec, err := slospec.Parse("shop.yaml", []byte(osEventsRef+"---\n"+second+"---\n"+osEventsSLI))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(spec.SLOs) != 2 || spec.SLOs[1].Window != slo.Day {
		t.Fatalf("Parse = %+v, want the two SLOs, the second over 1d", spec.SLOs)
	}
	spec.SLOs[0].SLI.Good["outcome"][0] = "changed"
	if got := spec.SLOs[1].SLI.Good["outcome"][0]; got != "success" {
		t.Errorf("changing the SLI of one SLO changed the other's to %q", got)
	}
}

func TestOpenSLOAlertConditionsLikeSloguardsBurnRateAlertsAreAccepted(t *testing.T) {
	// The workbook's tiers (DESIGN.md): 14.4 over 1h and 6 over 6h page,
	// 3 over 1d and 1 over 3d ticket; Sloth's factors for 28 days are
	// 13.44, 5.6, 2.8 and 0.933.
	tiers := map[string][]string{
		"30d": {"page 14.4 1h", "page 6 6h", "ticket 3 1d", "ticket 1 3d"},
		"28d": {"page 13.44 1h", "page 5.6 6h", "ticket 2.8 1d", "ticket 0.933 3d"},
	}
	for window, conds := range tiers {
		t.Run(window, func(t *testing.T) {
			var policies, objects strings.Builder
			for i, c := range conds {
				var severity, threshold, lookback string
				fmt.Sscan(c, &severity, &threshold, &lookback)
				if i%2 == 0 { // by reference, to a policy referring to a condition
					fmt.Fprintf(&policies, "    - alertPolicyRef: p%d\n", i)
					fmt.Fprintf(&objects, "---\napiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: p%d}\nspec:\n  alertWhenNoData: true\n  conditions: [{conditionRef: c%d}]\n  notificationTargets: [{targetRef: pager}]\n", i, i)
					fmt.Fprintf(&objects, "---\napiVersion: openslo/v1\nkind: AlertCondition\nmetadata: {name: c%d}\nspec: {severity: %s, condition: {kind: burnrate, op: gt, threshold: %s, lookbackWindow: %s, alertAfter: 0m}}\n", i, severity, threshold, lookback)
				} else { // inline
					fmt.Fprintf(&policies, "    - kind: AlertPolicy\n      metadata: {name: p%d}\n      spec:\n        alertWhenBreaching: true\n        alertWhenResolved: false\n        conditions:\n          - kind: AlertCondition\n            metadata: {name: c%d}\n            spec: {severity: %s, condition: {threshold: %s, lookbackWindow: %s}}\n        notificationTargets:\n          - kind: AlertNotificationTarget\n            metadata: {name: t%d}\n            spec: {target: email}\n", i, i, severity, threshold, lookback, i)
				}
			}
			src := strings.Replace(osVariant(t, "duration: 30d", "duration: "+window), "  objectives:", "  alertPolicies:\n"+policies.String()+"  objectives:", 1) +
				objects.String() + "---\napiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata: {name: pager}\nspec: {target: alertmanager}\n"
			if _, err := slospec.Parse("alerts.yaml", []byte(src)); err != nil {
				t.Errorf("Parse refused the burn-rate alerts sloguard raises: %v\n%s", err, src)
			}
		})
	}
}

func TestOpenSLOProblemsNameTheirLineAndField(t *testing.T) {
	const sliDoc = "---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: s}\nspec:\n"
	tests := []struct {
		name string
		src  func(t *testing.T) string
		want []osProblem
	}{
		{
			name: "a calendar month in a time zone that does not exist is refused at its line",
			src: func(t *testing.T) string {
				return osVariant(t, "[{duration: 30d, isRolling: true}]", "\n    - duration: 1M\n      calendar:\n        startTime: '2024-01-01 00:00:00'\n        timeZone: Mars/Olympus")
			},
			want: []osProblem{{"timeZone: Mars", "SLO/a.spec.timeWindow[0].calendar.timeZone", `"Mars/Olympus" is not a time zone`}},
		},
		{
			name: "a rolling window in months is refused as a calendar unit",
			src:  func(t *testing.T) string { return osVariant(t, "duration: 30d", "duration: 1M") },
			want: []osProblem{{"duration: 1M", "SLO/a.spec.timeWindow[0].duration", "1M is a calendar month, not a span of time: write isRolling: false for a calendar window"}},
		},
		{
			name: "a monthly calendar window written 1m, as in a public example, is explained",
			src: func(t *testing.T) string {
				return osVariant(t, "[{duration: 30d, isRolling: true}]", "\n    - duration: 1m\n      isRolling: false\n      calendar: {startTime: '2022-01-01 12:00:00', timeZone: America/New_York}")
			},
			want: []osProblem{{"duration: 1m", "SLO/a.spec.timeWindow[0].duration", "1m is one minute, not a month: a calendar month is 1M"}},
		},
		{
			name: "a window in minutes with isRolling false and no calendar is explained the same way",
			src: func(t *testing.T) string {
				return osVariant(t, "{duration: 30d, isRolling: true}", "{duration: 3m, isRolling: false}")
			},
			want: []osProblem{{"duration: 3m", "SLO/a.spec.timeWindow[0].duration", "3m is 3 minutes, not 3 months: a calendar month is 1M"}},
		},
		{
			name: "a rolling window of one minute is taken for a month written 1m",
			src:  func(t *testing.T) string { return osVariant(t, "duration: 30d", "duration: 1m") },
			want: []osProblem{{"duration: 1m", "SLO/a.spec.timeWindow[0].duration", "1m is one minute, not a month"}},
		},
		{
			name: "a window must say it is rolling, in OpenSLO units, and be one",
			src: func(t *testing.T) string {
				return osVariant(t, "  timeWindow: [{duration: 30d, isRolling: true}]\n", "  timeWindow: [{duration: 30d}, {duration: 7d, isRolling: true}]\n") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "duration: 30d, isRolling: true", "duration: 1.5d, isRolling: true").Replace(osBase) + "---\n" +
					strings.NewReplacer("name: a}", "name: c}", "name: a\n", "name: c\n", "{duration: 30d, isRolling: true}", "{duration: 30d}").Replace(osBase)
			},
			want: []osProblem{
				{"timeWindow: [{duration: 30d}, {duration: 7d", "SLO/a.spec.timeWindow", "lists 2 windows: an SLO has exactly one"},
				{"duration: 1.5d", "SLO/b.spec.timeWindow[0].duration", `"1.5d" is not an OpenSLO duration`},
				{"  timeWindow: [{duration: 30d}]", "SLO/c.spec.timeWindow[0].isRolling", "missing: write isRolling: true"},
			},
		},
		{
			name: "Timeslices budgeting is refused with its objective fields",
			src: func(t *testing.T) string {
				return osVariant(t, "budgetingMethod: Occurrences\n  objectives: [{target: 0.999}]", "budgetingMethod: Timeslices\n  objectives: [{target: 0.999, timeSliceTarget: 0.95, timeSliceWindow: 1m}]")
			},
			want: []osProblem{{"budgetingMethod: Timeslices", "SLO/a.spec.budgetingMethod", "Timeslices budgeting is not supported: sloguard budgets by Occurrences"}},
		},
		{
			name: "RatioTimeslices budgeting is refused, and a missing method is named",
			src: func(t *testing.T) string {
				return osVariant(t, "budgetingMethod: Occurrences", "budgetingMethod: RatioTimeslices") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "  budgetingMethod: Occurrences\n", "").Replace(osBase)
			},
			want: []osProblem{
				{"budgetingMethod: RatioTimeslices", "SLO/a.spec.budgetingMethod", "RatioTimeslices budgeting is not supported"},
				{"\nspec:\n  service: shop\n  indicator:\n    metadata: {name: b}", "SLO/b.spec.budgetingMethod", "missing: write budgetingMethod: Occurrences"},
			},
		},
		{
			name: "time slice fields are refused with Occurrences budgeting",
			src: func(t *testing.T) string {
				return osVariant(t, "[{target: 0.999}]", "[{target: 0.999, timeSliceWindow: 5m}]")
			},
			want: []osProblem{{"timeSliceWindow", "SLO/a.spec.objectives[0].timeSliceWindow", "belongs to Timeslices budgeting"}},
		},
		{
			name: "composite objectives are refused",
			src: func(t *testing.T) string {
				return osVariant(t, "[{target: 0.999}]", "\n    - target: 0.999\n      compositeWeight: 1\n      indicatorRef: s\n    - target: 0.99\n      indicatorRef: t")
			},
			want: []osProblem{
				{"compositeWeight: 1", "SLO/a.spec.objectives[0].compositeWeight", "composite objectives (an indicator per objective) are not supported"},
				{"indicatorRef: t", "SLO/a.spec.objectives[1].indicatorRef", "composite objectives (an indicator per objective) are not supported"},
			},
		},
		{
			name: "an objective needs one target, a fraction; a percent given as target is named",
			src: func(t *testing.T) string {
				return osVariant(t, "[{target: 0.999}]", "[{target: 99.9}]") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "[{target: 0.999}]", "[{target: 0.999, targetPercent: 99.9}]").Replace(osBase) + "---\n" +
					strings.NewReplacer("name: a}", "name: c}", "name: a\n", "name: c\n", "[{target: 0.999}]", "[{displayName: x}]").Replace(osBase) + "---\n" +
					strings.NewReplacer("name: a}", "name: d}", "name: a\n", "name: d\n", "[{target: 0.999}]", "[{target: 1}]").Replace(osBase)
			},
			want: []osProblem{
				{"[{target: 99.9}]", "SLO/a.spec.objectives[0].target", "99.9 is not a fraction between 0 and 1: for 99.9% write targetPercent: 99.9 (or target: 0.999)"},
				{"targetPercent: 99.9", "SLO/b.spec.objectives[0].targetPercent", "given with target"},
				{"displayName: x", "SLO/c.spec.objectives[0].target", "missing: the target"},
				{"[{target: 1}]", "SLO/d.spec.objectives[0].target", "1 leaves no error budget"},
			},
		},
		{
			name: "an indicatorRef must name an SLI of the file",
			src: func(t *testing.T) string {
				return strings.Replace(osLatencyRef, "indicatorRef: request-duration", "indicatorRef: request-durations", 1) + "---\n" + osLatencySLI
			},
			want: []osProblem{{"indicatorRef: request-durations", "SLO/latency.spec.indicatorRef", `no SLI named "request-durations" in this file (defined: request-duration)`}},
		},
		{
			name: "an SLO needs exactly one of indicator and indicatorRef",
			src: func(t *testing.T) string {
				return osVariant(t, "  indicator:\n", "  indicatorRef: x\n  indicator:\n") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "  indicator:\n", "  indicatorx:\n").Replace(osBase)
			},
			want: []osProblem{
				{"indicatorRef: x", "SLO/a.spec.indicatorRef", "given with indicator"},
				{"indicatorx:", "SLO/b.spec.indicatorx", `unknown field "indicatorx" (did you mean "indicator"?)`},
			},
		},
		{
			name: "names are unique within a kind, and SLO names are valid sloguard names",
			src: func(t *testing.T) string {
				return osBase + "---\n" + strings.Replace(osBase, "service: shop", "service: shop # again", 1) + "---\n" +
					strings.NewReplacer("name: a}", "name: 9lives}", "name: a\n", "name: 9lives\n").Replace(osBase) + sliDoc +
					"  thresholdMetric: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}\n" +
					strings.Replace(sliDoc, "{name: s}", "{name: s} # again", 1) +
					"  thresholdMetric: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}\n"
			},
			want: []osProblem{
				{"\n  name: a\nspec:\n  service: shop # again", "documents[1].metadata.name", `SLO "a" is already defined on line 1: names are unique within a kind`},
				{"name: 9lives", "SLO/9lives.metadata.name", `"9lives" is not a valid name`},
				{"{name: s} # again", "documents[4].metadata.name", `SLI "s" is already defined on line`},
			},
		},
		{
			name: "two SLOs whose sloguard names are the same are refused",
			src: func(t *testing.T) string {
				return strings.NewReplacer("name: a}", "name: a-b}", "  name: a\n", "  name: a-b\n  annotations: {sloguard.io/name: a_b}\n").Replace(osBase) + "---\n" +
					strings.NewReplacer("name: a}", "name: a_b}", "name: a\n", "name: a_b\n").Replace(osBase)
			},
			want: []osProblem{{"\n  name: a_b\n", "SLO/a_b.metadata.name", `the SLO name "a_b" is already the name of SLO/a-b`}},
		},
		{
			name: "unknown fields are named with their line in every object",
			src: func(t *testing.T) string {
				return strings.NewReplacer("  name: a\n", "  name: a\n  owner: me\n", "status: 5xx}", "status: 5xx, matches: {}}", "  service: shop\n", "  service: shop\n  sla: gold\n").Replace(osBase) +
					"---\napiVersion: openslo/v1\nkind: Service\nmetadata: {name: shop}\nspec: {description: Shop, tier: 1}\n"
			},
			want: []osProblem{
				{"owner: me", "SLO/a.metadata.owner", `unknown field "owner" (known: name, displayName, labels, annotations)`},
				{"sla: gold", "SLO/a.spec.sla", `unknown field "sla"`},
				{"matches: {}", "SLO/a.spec.indicator.spec.ratioMetric.bad.metricSource.spec.matches", `unknown field "matches" (did you mean "match"?)`},
				{"tier: 1", "Service/shop.spec.tier", `unknown field "tier" (known: description)`},
			},
		},
		{
			name: "kinds and versions other than OpenSLO v1 are refused",
			src: func(t *testing.T) string {
				return strings.Replace(osBase, "kind: SLO", "kind: slo", 1) + "---\n" +
					strings.Replace(osBase, "kind: SLO", "kind: Objective", 1) + "---\n" +
					strings.Replace(osBase, "apiVersion: openslo/v1", "apiVersion: openslo/v1alpha", 1) + "---\n- [a]\n"
			},
			want: []osProblem{
				{"kind: slo", "documents[0].kind", `unknown kind "slo" (did you mean "SLO"?)`},
				{"kind: Objective", "documents[1].kind", `unknown kind "Objective" (OpenSLO v1 kinds: SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget, DataSource, Service)`},
				{"apiVersion: openslo/v1alpha", "SLO/a.apiVersion", `unsupported apiVersion "openslo/v1alpha": this release reads openslo/v1`},
				{"- [a]", "documents[3]", "must be an OpenSLO object (apiVersion, kind, metadata, spec), not a list"},
			},
		},
		{
			name: "a thresholdMetric is refused on a counter",
			src: func(t *testing.T) string {
				return strings.TrimPrefix(sliDoc, "---\n") + "  thresholdMetric: {metricSource: {type: sloguard.otel, spec: {metric: x}}}\n"
			},
			want: []osProblem{
				{"metric: x", "SLI/s.spec.thresholdMetric.metricSource.spec.metric", "a thresholdMetric compares every measured value"},
			},
		},
		{
			name: "a file of SLIs only says an SLO is needed",
			src:  func(t *testing.T) string { return strings.TrimPrefix(osLatencySLI, "---\n") },
			want: []osProblem{{"", "", "the file holds no SLO"}},
		},
		{
			name: "a ratio of counters must say counter: true and give counts, not precomputed ratios",
			src: func(t *testing.T) string {
				return osVariant(t, "counter: true", "counter: false") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "        counter: true\n", "").Replace(osBase) + "---\n" +
					strings.NewReplacer("name: a}", "name: c}", "name: a\n", "name: c\n", "        bad:", "        rawType: failure\n        raw:").Replace(osBase)
			},
			want: []osProblem{
				{"counter: false", "SLO/a.spec.indicator.spec.ratioMetric.counter", "false means the metric is a gauge"},
				{"ratioMetric:\n        bad:", "SLO/b.spec.indicator.spec.ratioMetric.counter", "missing: sloguard counts events with counters, so write counter: true"},
				{"rawType: failure", "SLO/c.spec.indicator.spec.ratioMetric.rawType", "precomputed ratios (raw) are not supported"},
				{"raw: {", "SLO/c.spec.indicator.spec.ratioMetric.raw", "precomputed ratios (raw) are not supported"},
			},
		},
		{
			name: "a ratio gives one of good and bad, with total",
			src: func(t *testing.T) string {
				return osVariant(t, "        total:", "        good: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, le: 0.4}}}\n        total:") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "        total:", "        totals:").Replace(osBase)
			},
			want: []osProblem{
				{"good: {metricSource", "SLO/a.spec.indicator.spec.ratioMetric", "gives both good and bad"},
				{"totals:", "SLO/b.spec.indicator.spec.ratioMetric.totals", `unknown field "totals" (did you mean "total"?)`},
			},
		},
		{
			name: "source types other than sloguard.otel and Prometheus, in any case, are refused",
			src: func(t *testing.T) string {
				return osVariant(t, "bad: {metricSource: {type: sloguard.otel", "bad: {metricSource: {type: Datadog") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "total: {metricSource: {type: sloguard.otel", "total: {metricSource: {type: prometheus").Replace(osBase)
			},
			want: []osProblem{
				{"type: Datadog", "SLO/a.spec.indicator.spec.ratioMetric.bad.metricSource.type", `source type "Datadog" is not supported: sloguard reads sloguard.otel (the service's own OpenTelemetry instruments) and Prometheus (PromQL queries)`},
				{"bad: {metricSource: {type: sloguard.otel", "SLO/b.spec.indicator.spec.ratioMetric.bad.metricSource.spec", "is a sloguard.otel source while total is a Prometheus source"},
			},
		},
		{
			name: "data sources are Prometheus or sloguard.otel, and references name one",
			src: func(t *testing.T) string {
				return osVariant(t, "bad: {metricSource: {type: sloguard.otel,", "bad: {metricSource: {metricSourceRef: prom,") +
					"---\napiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: dd}\nspec: {type: Datadog, connectionDetails: {apiKey: x}}\n"
			},
			want: []osProblem{
				{"metricSourceRef: prom", "SLO/a.spec.indicator.spec.ratioMetric.bad.metricSource.metricSourceRef", `no DataSource named "prom" in the files loaded (defined: dd)`},
				{"type: Datadog", "DataSource/dd.spec.type", `source type "Datadog" is not supported`},
			},
		},
		{
			name: "the sources of an SLI have one type",
			src: func(t *testing.T) string {
				return osVariant(t, "total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}", "total: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(x[{{.window}}]))'}}}")
			},
			want: []osProblem{{"bad: {metricSource", "SLO/a.spec.indicator.spec.ratioMetric.bad.metricSource.spec", "is a sloguard.otel source while total is a Prometheus source"}},
		},
		{
			name: "Prometheus queries must count over {{.window}}",
			src: func(t *testing.T) string {
				return osVariant(t, "        bad: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, status: 5xx}}}\n        total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}",
					"        bad: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(errors_total[5m]))'}}}\n        total: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(requests_total[{{.windw}}]))'}}}") +
					"  # end\n"
			},
			want: []osProblem{
				{"errors_total[5m]", "SLO/a.spec.indicator.spec.ratioMetric.bad.metricSource.spec.query", "the query does not use {{.window}}: sloguard asks for the count of events over each window it evaluates, so write the range as [{{.window}}]"},
				{"requests_total", "SLO/a.spec.indicator.spec.ratioMetric.total.metricSource.spec.query", "the only field is {{.window}}"},
			},
		},
		{
			name: "the in-process counts of Prometheus sources are sloguard.otel specs in annotations",
			src: func(t *testing.T) string {
				prom := "        bad: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(e[{{.window}}]))'}}}\n        total: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(r[{{.window}}]))'}}}"
				old := "        bad: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, status: 5xx}}}\n        total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}"
				return osVariant(t, "    metadata: {name: a}\n    spec:\n      ratioMetric:\n        counter: true\n"+old,
					"    metadata:\n      name: a\n      annotations:\n        sloguard.io/otel-bad: '{metric: http.server.request.duration, status: 500}'\n        sloguard.io/otel-totals: '{metric: http.server.request.duration}'\n    spec:\n      ratioMetric:\n        counter: true\n"+prom)
			},
			want: []osProblem{
				{"sloguard.io/otel-bad", "SLO/a.spec.indicator.metadata.annotations.sloguard.io/otel-bad.status", `status "500" is not supported: the one status is 5xx`},
				{"sloguard.io/otel-totals", "SLO/a.spec.indicator.metadata.annotations.sloguard.io/otel-totals", `unknown sloguard annotation "sloguard.io/otel-totals" (did you mean "sloguard.io/otel-total"?)`},
			},
		},
		{
			name: "the request histogram gives availability with status 5xx and latency with le at a bucket boundary",
			src: func(t *testing.T) string {
				return osVariant(t, "spec: {metric: http.server.request.duration, status: 5xx}", "spec: {metric: http.server.request.duration}") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n", "bad: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, status: 5xx}}}", "good: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, le: 0.35}}}").Replace(osBase) + "---\n" +
					strings.NewReplacer("name: a}", "name: c}", "name: a\n", "name: c\n", "status: 5xx}", "status: 5xx, match: {http.route: [/a]}}", "spec: {metric: http.server.request.duration}}}", "spec: {metric: http.server.request.duration, match: {http.route: [/b], http.response.status_code: [500]}}}}").Replace(osBase)
			},
			want: []osProblem{
				{"bad: {metricSource", "SLO/a.spec.indicator.spec.ratioMetric.bad.metricSource.spec", "the request histogram gives two SLIs: availability, whose bad source has status: 5xx, and latency, whose good source has le"},
				{"le: 0.35", "SLO/b.spec.indicator.spec.ratioMetric.good.metricSource.spec.le", "350ms is not a bucket boundary of the request duration histogram, so requests within it cannot be counted; boundaries: 5ms 10ms"},
				{"http.route: [/a]", "SLO/c.spec.indicator.spec.ratioMetric.bad.metricSource.spec.match", "selects other requests than total"},
				{"http.response.status_code", "SLO/c.spec.indicator.spec.ratioMetric.total.metricSource.spec.match.http.response.status_code", "the requests of http.server.request.duration are selected by http.route and http.request.method only"},
			},
		},
		{
			name: "routes and methods are checked as in the sloguard format",
			src: func(t *testing.T) string {
				m := "match: {http.request.method: [get, GET], http.route: [/a, /a]}"
				return osVariant(t, "status: 5xx}}}\n        total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration}}}",
					"status: 5xx}}}\n        total: {metricSource: {type: sloguard.otel, spec: {metric: http.server.request.duration, "+m+"}}}")
			},
			want: []osProblem{
				{"http.route: [/a, /a]", "SLO/a.spec.indicator.spec.ratioMetric.total.metricSource.spec.match.http.route[1]", `route "/a" is listed twice`},
				{"http.route: [/a, /a]", "SLO/a.spec.indicator.spec.ratioMetric.total.metricSource.spec.match.http.request.method[0]", "write methods in upper case, as recorded: GET"},
			},
		},
		{
			name: "a counter's good or bad source selects points among total's with match",
			src: func(t *testing.T) string {
				return strings.Replace(osEventsRef, "deliveries", "s", 1) + sliDoc +
					"  ratioMetric:\n    counter: true\n    bad: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries, status: 5xx, match: {endpoint: [primary]}}}}\n" +
					"    total: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries, match: {endpoint: [primary]}}}}\n" +
					strings.Replace(sliDoc, "name: s}", "name: t}", 1) +
					"  ratioMetric:\n    counter: true\n    bad: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries, match: {endpoint: [primary]}}}}\n" +
					"    total: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries, match: {endpoint: [primary]}}}}\n" +
					strings.Replace(sliDoc, "name: s}", "name: u}", 1) +
					"  ratioMetric:\n    counter: true\n    good: {metricSource: {type: sloguard.otel, spec: {metric: webhook.delivery, match: {outcome: [success]}}}}\n" +
					"    total: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries}}}\n"
			},
			want: []osProblem{
				{"status: 5xx, match", "SLI/s.spec.ratioMetric.bad.metricSource.spec.status", "status applies to the request histogram http.server.request.duration only"},
				{"bad: {metricSource: {type: sloguard.otel, spec: {metric: webhook.deliveries, match", "SLI/t.spec.ratioMetric.bad.metricSource.spec", "selects every point total selects: give match with the attributes of the bad points"},
				{"metric: webhook.delivery,", "SLI/u.spec.ratioMetric.good.metricSource.spec.metric", "counts webhook.delivery while total counts webhook.deliveries"},
			},
		},
		{
			name: "a thresholdMetric is the request histogram compared with op lte and a bucket boundary",
			src: func(t *testing.T) string {
				ref := func(name, objective string) string {
					return strings.NewReplacer("name: latency}", "name: "+name+"}", "[{op: lte, value: 0.25, target: 0.95}]", objective).Replace(osLatencyRef)
				}
				return ref("l1", "[{op: gte, value: 0.25, target: 0.95}]") + "---\n" + ref("l2", "[{op: lte, value: 0.3333, target: 0.95}]") + "---\n" +
					ref("l3", "[{target: 0.95}]") + "---\n" + ref("l4", "[{op: lte, target: 0.95}]") + "---\n" + osLatencySLI +
					"---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: prom}\nspec:\n  thresholdMetric: {metricSource: {type: Prometheus, spec: {query: 'histogram_quantile(0.95, x)'}}}\n"
			},
			want: []osProblem{
				{"op: gte", "SLO/l1.spec.objectives[0].op", "a latency SLO counts the requests at or under the threshold: use op: lte"},
				{"value: 0.3333", "SLO/l2.spec.objectives[0].value", "333.3ms is not a bucket boundary of the request duration histogram"},
				{"[{target: 0.95}]", "SLO/l3.spec.objectives[0].op", "missing: op: lte, with value"},
				{"[{op: lte, target: 0.95}]", "SLO/l4.spec.objectives[0].value", "missing: the latency in seconds a good request stays within"},
				{"type: Prometheus", "SLI/prom.spec.thresholdMetric.metricSource.spec.query", "histogram_quantile(0.95, x) gives measured values, not counts of events"},
			},
		},
		{
			name: "labels with lists and other names are read with a warning, and annotations of sloguard are known ones",
			src: func(t *testing.T) string {
				return osVariant(t, "  name: a\n", "  name: a\n  labels: {tags: [auth, payments], team-name: x, ok: [y]}\n  annotations:\n    sloguard.io/min-event: '5'\n    sloguard.io/name: b\n    example.com/dashboard: https://x\n")
			},
			want: []osProblem{
				{"labels:", "SLO/a.metadata.labels.tags", `lists 2 values: sloguard labels have one value, so they are joined as "auth,payments"`},
				{"labels:", "SLO/a.metadata.labels.team-name", `"team-name" is not a Prometheus label name: read as "team_name"`},
				{"sloguard.io/min-event", "SLO/a.metadata.annotations.sloguard.io/min-event", `unknown sloguard annotation "sloguard.io/min-event" (did you mean "sloguard.io/min-events"?)`},
				{"sloguard.io/name", "SLO/a.metadata.annotations.sloguard.io/name", `"b" does not match metadata.name "a"`},
			},
		},
		{
			name: "min events must be a number of events",
			src: func(t *testing.T) string {
				return osVariant(t, "  name: a\n", "  name: a\n  annotations: {sloguard.io/min-events: many}\n") + "---\n" +
					strings.NewReplacer("name: a}", "name: b}", "name: a\n", "name: b\n  annotations: {sloguard.io/min-events: '-1'}\n").Replace(osBase)
			},
			want: []osProblem{
				{"min-events: many", "SLO/a.metadata.annotations.sloguard.io/min-events", `must be a number of events, like "100", not "many"`},
				{"min-events: '-1'", "SLO/b.metadata.annotations.sloguard.io/min-events", "must not be negative"},
			},
		},
		{
			name: "alert conditions other than sloguard's burn-rate alerts say what is supported",
			src: func(t *testing.T) string {
				return osVariant(t, "  objectives:", "  alertPolicies: [{alertPolicyRef: p}]\n  objectives:") +
					"---\napiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: p}\nspec:\n  conditions: [{conditionRef: cpu}]\n" +
					"---\napiVersion: openslo/v1\nkind: AlertCondition\nmetadata: {name: cpu}\nspec:\n  severity: page\n  condition: {kind: burnrate, op: gt, threshold: 2, lookbackWindow: 1h}\n"
			},
			want: []osProblem{{"condition: {kind: burnrate", "AlertCondition/cpu.spec.condition",
				"severity page, burn rate 2 over 1h is not an alert sloguard raises for SLO a (30d window): it raises, for every SLO, page at 14.4 over 1h, page at 6 over 6h, ticket at 3 over 1d, ticket at 1 over 3d, each also checking a short window of 1/12 of the lookback"}},
		},
		{
			name: "the tiers of a short window are scaled, and a 30-day tier is refused there",
			src: func(t *testing.T) string {
				return osVariant(t, "duration: 30d", "duration: 3d") + "  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n      spec:\n        conditions:\n          - kind: AlertCondition\n            metadata: {name: c}\n            spec: {severity: page, condition: {threshold: 14.4, lookbackWindow: 1h}}\n"
			},
			want: []osProblem{{"spec: {severity: page", "SLO/a.spec.alertPolicies[0].spec.conditions[0].spec.condition",
				"is not an alert sloguard raises for SLO a (3d window): it raises, for every SLO, page at 14.4 over 6m, page at 6 over 36m, ticket at 3 over 144m, ticket at 1 over 432m"}},
		},
		{
			name: "alert policies have one burn-rate condition, fired without delay, and references that resolve",
			src: func(t *testing.T) string {
				return osVariant(t, "  objectives:", "  alertPolicies: [{alertPolicyRef: p}, {alertPolicyRef: q}]\n  objectives:") +
					"---\napiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: p}\nspec:\n  alertWhenNoData: yes\n  conditions: [{conditionRef: c1}, {conditionRef: c2}]\n  notificationTargets: [{targetRef: nobody}]\n" +
					"---\napiVersion: openslo/v1\nkind: AlertCondition\nmetadata: {name: c1}\nspec: {severity: page, condition: {kind: burnrate, op: lt, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}}\n" +
					"---\napiVersion: openslo/v1\nkind: AlertCondition\nmetadata: {name: c2}\nspec: {severity: ticket, condition: {kind: budget, threshold: 3}}\n"
			},
			want: []osProblem{
				{"alertPolicies: [{alertPolicyRef: p}, {alertPolicyRef: q}]", "SLO/a.spec.alertPolicies[1].alertPolicyRef", `no AlertPolicy named "q" in this file (defined: p)`},
				{"alertWhenNoData: yes", "AlertPolicy/p.spec.alertWhenNoData", `must be true or false, not "yes"`},
				{"conditions: [{conditionRef: c1}", "AlertPolicy/p.spec.conditions", "lists 2 conditions: an OpenSLO v1 alert policy has exactly one"},
				{"targetRef: nobody", "AlertPolicy/p.spec.notificationTargets[0].targetRef", `no AlertNotificationTarget named "nobody" in this file`},
				{"op: lt", "AlertCondition/c1.spec.condition.op", "use op: gt"},
				{"op: lt", "AlertCondition/c1.spec.condition.alertAfter", "without waiting: remove alertAfter or write 0m"},
				{"kind: budget", "AlertCondition/c2.spec.condition.kind", `unknown condition kind "budget": OpenSLO v1 has burnrate conditions only`},
				{"kind: budget", "AlertCondition/c2.spec.condition.lookbackWindow", "missing: the window the burn rate is measured over"},
			},
		},
		{
			name: "empty values, and a first object without apiVersion, are named",
			src: func(t *testing.T) string {
				return "kind: Service\nmetadata: {name: shop}\nspec: {}\n---\n" + osVariant(t, "budgetingMethod: Occurrences", "budgetingMethod: ~")
			},
			want: []osProblem{
				{"kind: Service", "Service/shop.apiVersion", "missing: OpenSLO objects start with apiVersion: openslo/v1"},
				{"budgetingMethod: ~", "SLO/a.spec.budgetingMethod", "empty: write budgetingMethod: Occurrences"},
			},
		},
		{
			name: "a YAML error in a later document carries its line",
			src:  func(t *testing.T) string { return osBase + "---\n" + osLatencySLI + "---\nkind: [SLI\n" },
			// yaml.v3 names the line before the broken construct, as for
			// sloguard files.
			want: []osProblem{{"---\nkind: [SLI", "", "invalid YAML: did not find expected ',' or ']'"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src(t)
			spec, err := slospec.Parse("slos.yaml", []byte(src))
			var verr *slo.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse returned %v (%T), want a *ValidationError\n%s", err, err, src)
			}
			if !reflect.DeepEqual(spec, slo.Spec{}) {
				t.Errorf("Parse returned a partial spec %+v along with its error", spec)
			}
			want := make([]problem, len(tt.want))
			for i, w := range tt.want {
				want[i] = problem{lineOfText(t, src, w.at), w.field, w.msg}
			}
			checkProblems(t, verr.Problems, want, "slos.yaml")
			if t.Failed() {
				t.Logf("source:\n%s", numbered(src))
			}
		})
	}
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%3d %s\n", i+1, l)
	}
	return b.String()
}

func TestOpenSLOLatencyThresholdsAreCheckedAgainstTheBoundariesGiven(t *testing.T) {
	src := strings.Replace(osLatencyRef, "value: 0.25", "value: 0.35", 1) + "---\n" + osLatencySLI
	if _, err := slospec.Parse("l.yaml", []byte(src)); err == nil {
		t.Fatal("Parse accepted a threshold of 350ms with the default boundaries")
	}
	spec, err := slospec.Parse("l.yaml", []byte(src), slospec.WithBucketBoundaries([]float64{0.1, 0.35, 1}))
	if err != nil {
		t.Fatalf("Parse with 0.35 among the boundaries: %v", err)
	}
	if got := spec.SLOs[0].SLI.Threshold; got != 350*time.Millisecond {
		t.Errorf("threshold = %v, want 350ms", got)
	}
}

func TestOpenSLOAndSloguardFilesAreToldApart(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		openSLO bool
	}{
		{"an OpenSLO document", osBase, true},
		{"OpenSLO documents after an empty one", "---\n# nothing\n---\n" + osBase, true},
		{"OpenSLO documents whose first lacks its apiVersion", "kind: Service\n---\n" + osBase, true},
		{"a list of OpenSLO objects", asListItem(osBase), true},
		{"a sloguard spec", "version: sloguard/v1\nservice: s\nslos: []\n", false},
		{"a sloguard spec with a stray apiVersion", "version: sloguard/v1\napiVersion: openslo/v1\n", false},
		{"an empty file", "", false},
		{"a file that is not YAML", "a: [b\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			formats := slospec.DetectFormats(slospec.File{Name: "x.yaml", Data: []byte(tt.src)})
			got := len(formats) > 0 && !slices.ContainsFunc(formats, func(f string) bool { return f != openslo.Version })
			if got != tt.openSLO {
				t.Errorf("DetectFormats = %q, want every document read as OpenSLO: %v", formats, tt.openSLO)
			}
		})
	}
	// Through Parse: the OpenSLO reader names OpenSLO fields, the sloguard
	// reader its own.
	_, err := slospec.Parse("x.yaml", []byte("version: sloguard/v1\napiVersion: openslo/v1\nservice: s\nslos: [{name: a, objective: 99, sli: {availability: {}}}]\n"))
	if err == nil || !strings.Contains(err.Error(), `x.yaml:2: apiVersion: unknown field "apiVersion"`) {
		t.Errorf("a sloguard spec with a stray apiVersion gave %v, want the sloguard reader's unknown field", err)
	}
}

// FuzzOpenSLOReadsBackWhatItExports checks that no input makes Parse panic
// or fail without a problem, and that every OpenSLO file it accepts is
// exported into documents that read back into the same Spec.
func FuzzOpenSLOReadsBackWhatItExports(f *testing.F) {
	for _, path := range []string{"checkout.yaml", "default.golden.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", path))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add(osBase)
	f.Add(osAvailability + "---\n" + osLatencyRef + "---\n" + osEventsRef + "---\n" + osLatencySLI + "---\n" + osEventsSLI)
	f.Add(asListItem(osBase))
	f.Fuzz(func(t *testing.T, src string) {
		spec, err := slospec.Parse("fuzz.yaml", []byte(src))
		if err != nil {
			var verr *slo.ValidationError
			if !errors.As(err, &verr) || len(verr.Problems) == 0 {
				t.Fatalf("Parse failed without problems: %v", err)
			}
			return
		}
		if slices.Contains(slospec.DetectFormats(slospec.File{Name: "fuzz.yaml", Data: []byte(src)}), slo.Version) {
			return
		}
		out, err := openslo.Export(spec)
		if err != nil {
			t.Fatalf("ExportOpenSLO of an accepted file: %v", err)
		}
		again, err := slospec.Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("the export does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, spec) {
			t.Fatalf("read back\n%#v\nwant\n%#v", again, spec)
		}
	})
}

// TestOpenSLOFilesChangedLineByLineAreReadOrRefusedWithProblems removes
// each line of the example file in turn, and replaces each value with a
// mapping, a list and nothing: every such file is read into a Spec that
// exports and reads back the same, or refused with problems that have
// lines within the file; none panics.
func TestOpenSLOFilesChangedLineByLineAreReadOrRefusedWithProblems(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var variants []string
	for i, l := range lines {
		variants = append(variants, strings.Join(append(slices.Clone(lines[:i]), lines[i+1:]...), "\n"))
		if k := strings.Index(l, ": "); k >= 0 && !strings.HasPrefix(strings.TrimSpace(l), "#") {
			for _, v := range []string{"{a: b}", "[a, b]", "~"} {
				changed := slices.Clone(lines)
				changed[i] = l[:k+2] + v
				variants = append(variants, strings.Join(changed, "\n"))
			}
		}
	}
	accepted := 0
	for _, src := range variants {
		spec, err := slospec.Parse("v.yaml", []byte(src))
		if err != nil {
			var verr *slo.ValidationError
			if !errors.As(err, &verr) || len(verr.Problems) == 0 {
				t.Fatalf("Parse failed without problems: %v\n%s", err, src)
			}
			for _, p := range verr.Problems {
				if p.Line < 0 || p.Line > len(lines) || p.File != "v.yaml" || p.Msg == "" {
					t.Errorf("problem %q has no place in the file", p.String())
				}
				// Fields and messages speak of the OpenSLO file, not of
				// the sloguard format it is read into.
				if strings.Contains(p.Field+p.Msg, "slos[") || strings.Contains(p.Msg, "names no SLI kind") {
					t.Errorf("problem %q speaks of the sloguard format", p.String())
				}
			}
			continue
		}
		accepted++
		out, err := openslo.Export(spec)
		if err != nil {
			t.Fatalf("ExportOpenSLO of an accepted file: %v\n%s", err, src)
		}
		if again, err := slospec.Parse("again.yaml", out); err != nil || !reflect.DeepEqual(again, spec) {
			t.Fatalf("an accepted file does not read back the same (%v):\n%s", err, src)
		}
	}
	if accepted == 0 || accepted == len(variants) {
		t.Errorf("%d of %d changed files were accepted: the changes should both keep some files valid (comments, descriptions) and break others", accepted, len(variants))
	}
}

func ExampleExport() {
	spec := slo.Spec{Service: "checkout", SLOs: []slo.SLO{{
		Name:      "item-reads",
		Objective: 0.99,
		Window:    7 * slo.Day,
		MinEvents: slo.DefaultMinEvents,
		SLI:       slo.SLI{Kind: slo.KindLatency, Threshold: 250 * time.Millisecond, Routes: []string{"/api/items/{id}"}},
	}}}
	out, err := openslo.Export(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	back, err := slospec.Parse("checkout.yaml", out)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := back.SLOs[0]
	fmt.Printf("%s: %s within %v on %v, %v over %s\n", s.Name, s.SLI.Kind, s.SLI.Threshold, s.SLI.Routes, s.Objective, slo.WindowName(s.Window))
	// Output:
	// item-reads: latency within 250ms on [/api/items/{id}], 0.99 over 7d
}

func Example_parse() {
	_, err := slospec.Parse("slos.yaml", []byte(`apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: checkout
  indicatorRef: requests
  timeWindow:
    - duration: 1m
      isRolling: false
      calendar: {startTime: "2024-01-01 00:00:00", timeZone: UTC}
  budgetingMethod: Timeslices
  objectives:
    - target: 0.999
`))
	fmt.Println(err)
	// Output:
	// slos.yaml:7: SLO/availability.spec.indicatorRef: no SLI named "requests" in this file
	// slos.yaml:9: SLO/availability.spec.timeWindow[0].duration: 1m is one minute, not a month: a calendar month is 1M
	// slos.yaml:12: SLO/availability.spec.budgetingMethod: Timeslices budgeting is not supported: sloguard budgets by Occurrences, the share of good events in the window; write budgetingMethod: Occurrences
}

// An SLI as other tools write it: Prometheus queries alone (rates, under
// the field promql, the type in lower case), with no sloguard annotation.
func TestOpenSLOQueryOnlySLIsLoadForThePrometheusEngines(t *testing.T) {
	src := `apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: shop
  indicator:
    metadata: {name: checkout}
    spec:
      ratioMetric:
        counter: false
        bad: {metricSource: {type: prometheus, spec: {promql: 'sum(rate(checkout_total{outcome="failure"}[{{.window}}]))'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(checkout_total[{{.Window}}]))'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.995}]
`
	s, err := slospec.Parse("q.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	o := s.SLOs[0]
	if o.SLI.Kind != "" || o.SLI.PromQL == nil || !strings.Contains(o.SLI.PromQL.Bad, "rate(checkout_total") {
		t.Fatalf("SLI = %+v, want the queries alone", o.SLI)
	}
	if got := fmt.Sprint(o.Engines()); got != "[rules prometheus]" {
		t.Errorf("Engines = %s, want rules and prometheus", got)
	}
	_, err = slospec.Parse("q.yaml", []byte(strings.Replace(src, "rate(checkout_total{", "irate(checkout_total{", 1)))
	if err == nil || !strings.Contains(err.Error(), "q.yaml:11: SLO/checkout.spec.indicator.spec.ratioMetric.bad.metricSource.spec.promql: ") || !strings.Contains(err.Error(), "irate()") {
		t.Errorf("an irate query gave %v, want it refused at its line", err)
	}
}
