package sloguard_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/internal/golden"
	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
)

func TestParseReadsEveryFieldOfAValidFile(t *testing.T) {
	spec, err := loadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	want := slo.Spec{
		Version: "sloguard/v1",
		Service: "checkout",
		SLOs: []slo.SLO{
			{
				Name:        "availability",
				Description: "Requests answered without a server error",
				Objective:   0.999,
				Window:      30 * 24 * time.Hour,
				MinEvents:   500,
				Labels:      map[string]string{"team": "payments", "tier": "1"},
				SLI: slo.SLI{
					Kind:    slo.KindAvailability,
					Routes:  []string{"/api/items/{id}", "/api/items"},
					Methods: []string{"GET", "POST"},
				},
			},
			{
				Name:      "latency_p95",
				Objective: 0.95,
				Window:    28 * 24 * time.Hour,
				MinEvents: 100,
				SLI: slo.SLI{
					Kind:      slo.KindLatency,
					Threshold: 400 * time.Millisecond,
					Routes:    []string{"/api/items/{id}"},
				},
			},
			{
				Name:      "webhook_success",
				Objective: 0.9995,
				Window:    90 * time.Minute,
				MinEvents: 0,
				SLI: slo.SLI{
					Kind:   slo.KindEvents,
					Metric: "webhook.deliveries",
					Bad:    slo.Matcher{"outcome": {"failure"}},
					Total:  slo.Matcher{"endpoint": {"primary", "fallback"}},
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

func TestTheDefaultSpecIsTheOneItsDocumentingFileDescribes(t *testing.T) {
	spec, err := loadFile(filepath.Join("testdata", "default.yaml"))
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	if got := demo.Spec(); !reflect.DeepEqual(got, spec) {
		t.Errorf("Default() =\n%#v\ntestdata/default.yaml =\n%#v", got, spec)
	}
	if err := demo.Spec().Validate(nil); err != nil {
		t.Errorf("Default().Validate: %v", err)
	}
}

func TestObjectivesAreTheFloatNearestTheDecimalFraction(t *testing.T) {
	// The expected values are Go constants, which the compiler rounds to the
	// nearest float64 of the exact decimal.
	tests := []struct {
		percent string
		want    float64
	}{
		{"99.9", 0.999},
		{"99.95", 0.9995},
		{"99.99", 0.9999},
		{"99.999", 0.99999},
		{"95", 0.95},
		{"57.3", 0.573},
		{"0.01", 0.0001},
		{"9.99e1", 0.999},
	}
	for _, tt := range tests {
		t.Run(tt.percent, func(t *testing.T) {
			src := "version: sloguard/v1\nservice: s\nslos:\n  - name: a\n    objective: " + tt.percent + "\n    sli: {availability: {}}\n"
			spec, err := slospec.Parse("o.yaml", []byte(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := spec.SLOs[0].Objective; got != tt.want {
				t.Errorf("objective %s%% = %.20g, want %.20g", tt.percent, got, tt.want)
			}
		})
	}
}

// problem is what a test expects of one Problem: its line, field and a
// part of its message.
type problem struct {
	line  int
	field string
	msg   string
}

func TestParseReportsEveryProblemWithItsLine(t *testing.T) {
	const head = "version: sloguard/v1\nservice: checkout\nslos:\n"
	tests := []struct {
		name string
		src  string
		want []problem
	}{
		{
			name: "a YAML syntax error carries its line",
			src:  head + "  - name: a\n    objective: [99\n    sli: {availability: {}}\n",
			// yaml.v3 gives the line where the broken construct starts.
			want: []problem{{4, "", "invalid YAML: did not find expected ',' or ']'"}},
		},
		{
			name: "a tab in the indentation is named",
			src:  head + "  - name: a\n\tobjective: 99\n",
			want: []problem{{4, "", "tab character"}},
		},
		{
			name: "a tab the parser cannot place is found by its line",
			src:  "\tversion: sloguard/v1\nservice: x\n",
			want: []problem{{1, "", "indent with spaces, not tabs"}},
		},
		{
			name: "aliases are followed and merge keys refused",
			src: head +
				"  - {name: a, objective: 99, labels: &l {team: x}, sli: {availability: {}}}\n" +
				"  - {name: b, objective: 99, labels: *l, sli: {availability: {}}, <<: {window: 1d}}\n",
			want: []problem{{5, "slos[1].<<", "merge keys (<<) are not supported"}},
		},
		{
			name: "an empty file says what it should hold",
			src:  "",
			want: []problem{{0, "", "empty"}},
		},
		{
			name: "a second YAML document is refused",
			src:  head + "  - name: a\n    objective: 99\n    sli: {availability: {}}\n---\nversion: sloguard/v1\n",
			want: []problem{{7, "", "more than one YAML document"}},
		},
		{
			name: "a missing version, service and SLO list are all reported",
			src:  "owner: me\n",
			want: []problem{
				{1, "owner", `unknown field "owner" (known: version, service, slos)`},
				{1, "version", "missing"},
				{1, "service", "missing"},
				{1, "slos", "missing"},
			},
		},
		{
			name: "a wrong version names the supported one",
			src:  "version: sloguard/v2\nservice: s\nslos:\n  - {name: a, objective: 99, sli: {availability: {}}}\n",
			want: []problem{{1, "version", `unsupported version "sloguard/v2": this release reads sloguard/v1`}},
		},
		{
			name: "an empty SLO list is refused",
			src:  "version: sloguard/v1\nservice: s\nslos: []\n",
			want: []problem{{3, "slos", "at least one SLO"}},
		},
		{
			name: "an unknown field suggests the known one it resembles, and that one is not also missing",
			src:  head + "  - name: a\n    objectve: 99\n    sli: {availability: {}}\n",
			want: []problem{
				{5, "slos[0].objectve", `unknown field "objectve" (did you mean "objective"?)`},
			},
		},
		{
			name: "a field given twice names the first line",
			src:  head + "  - name: a\n    objective: 99\n    objective: 98\n    sli: {availability: {}}\n",
			want: []problem{{6, "slos[0].objective", "given twice (first on line 5)"}},
		},
		{
			name: "objectives must be percents strictly between 0 and 100",
			src: head +
				"  - {name: a, objective: 100, sli: {availability: {}}}\n" +
				"  - {name: b, objective: 0, sli: {availability: {}}}\n" +
				"  - {name: c, objective: \"99.9%\", sli: {availability: {}}}\n" +
				"  - {name: d, objective: high, sli: {availability: {}}}\n" +
				"  - {name: e, objective: 99.99999999999999999, sli: {availability: {}}}\n",
			want: []problem{
				{4, "slos[0].objective", "100 is not a percent between 0 and 100"},
				{5, "slos[1].objective", "0 is not a percent between 0 and 100"},
				{6, "slos[2].objective", "without the % sign"},
				{7, "slos[3].objective", `must be a percent like 99.9, not "high"`},
				{8, "slos[4].objective", "too close to 100"},
			},
		},
		{
			name: "windows need a unit, no calendar units, and stay within their limits",
			src: head +
				"  - {name: a, objective: 99, window: 30, sli: {availability: {}}}\n" +
				"  - {name: b, objective: 99, window: 1M, sli: {availability: {}}}\n" +
				"  - {name: c, objective: 99, window: 30s, sli: {availability: {}}}\n" +
				"  - {name: d, objective: 99, window: 400d, sli: {availability: {}}}\n" +
				"  - {name: e, objective: 99, window: -5m, sli: {availability: {}}}\n" +
				"  - {name: f, objective: 99, window: 0d, sli: {availability: {}}}\n",
			want: []problem{
				{4, "slos[0].window", "30 has no unit"},
				{5, "slos[1].window", `calendar unit "M" is not supported`},
				{6, "slos[2].window", "30s is shorter than the shortest window, 1m"},
				{7, "slos[3].window", "400d is longer than the longest window, 365d"},
				{8, "slos[4].window", "negative"},
				{9, "slos[5].window", "0s is shorter than the shortest window"},
			},
		},
		{
			name: "an SLO needs exactly one SLI kind",
			src: head +
				"  - {name: a, objective: 99, sli: {}}\n" +
				"  - {name: b, objective: 99, sli: {availability: {}, latency: {threshold: 400ms}}}\n" +
				"  - {name: c, objective: 99, sli: {throughput: {}}}\n" +
				"  - {name: d, objective: 99}\n",
			want: []problem{
				{4, "slos[0].sli", "names no SLI kind"},
				{5, "slos[1].sli", "gives availability and latency: an SLO has exactly one SLI kind"},
				{6, "slos[2].sli.throughput", `unknown field "throughput"`},
				{6, "slos[2].sli", "names no SLI kind"},
				{7, "slos[3].sli", "missing"},
			},
		},
		{
			name: "a latency threshold must be a bucket boundary, and the boundaries are listed",
			src: head +
				"  - {name: a, objective: 95, sli: {latency: {threshold: 350ms}}}\n" +
				"  - {name: b, objective: 95, sli: {latency: {}}}\n" +
				"  - {name: c, objective: 95, sli: {latency: {threshold: 0.4}}}\n",
			want: []problem{
				{4, "slos[0].sli.latency.threshold", "350ms is not a bucket boundary of the request duration histogram, so requests within it cannot be counted; boundaries: 5ms 10ms 25ms 50ms 100ms 200ms 250ms 300ms 400ms 500ms 750ms 1s 2.5s 5s 10s"},
				{5, "slos[1].sli.latency.threshold", "missing"},
				{6, "slos[2].sli.latency.threshold", "0.4 has no unit"},
			},
		},
		{
			name: "SLO names are valid and unique",
			src: head +
				"  - {name: a, objective: 99, sli: {availability: {}}}\n" +
				"  - {name: a, objective: 98, sli: {availability: {}}}\n" +
				"  - {name: 'my slo', objective: 98, sli: {availability: {}}}\n" +
				"  - {objective: 98, sli: {availability: {}}}\n",
			want: []problem{
				{5, "slos[1].name", `"a" is already the name of slos[0]`},
				{6, "slos[2].name", `"my slo" is not a valid name`},
				{7, "slos[3].name", "missing"},
			},
		},
		{
			name: "an events SLI needs a metric and exactly one of good and bad",
			src: head +
				"  - {name: a, objective: 99, sli: {events: {metric: '', bad: {outcome: [failure]}}}}\n" +
				"  - {name: b, objective: 99, sli: {events: {metric: x, good: {o: [s]}, bad: {o: [f]}}}}\n" +
				"  - {name: c, objective: 99, sli: {events: {metric: x}}}\n" +
				"  - {name: d, objective: 99, sli: {events: {metric: '9lives', bad: {o: []}}}}\n" +
				"  - {name: e, objective: 99, sli: {events: {metric: x, bad: {o: {a: b}}}}}\n",
			want: []problem{
				{4, "slos[0].sli.events.metric", "missing"},
				{5, "slos[1].sli.events", "gives both good and bad"},
				{6, "slos[2].sli.events", "gives neither good nor bad"},
				{7, "slos[3].sli.events.metric", `"9lives" is not a valid instrument name`},
				{7, "slos[3].sli.events.bad.o", "lists no values"},
				{8, "slos[4].sli.events.bad.o", "must be a list of values, not a mapping"},
			},
		},
		{
			name: "label names must be valid and not reserved, and values not empty",
			src: head +
				"  - name: a\n    objective: 99\n    sli: {availability: {}}\n" +
				"    labels: {__x: a, 2fa: b, slo: c, team: '', ok_name: d}\n",
			want: []problem{
				{7, "slos[0].labels.2fa", `"2fa" is not a valid label name`},
				{7, "slos[0].labels.__x", `"__x" is not a valid label name`},
				{7, "slos[0].labels.slo", `"slo" is set by sloguard itself`},
				{7, "slos[0].labels.team", "empty value"},
			},
		},
		{
			name: "min_events must be a number of events, not negative",
			src: head +
				"  - {name: a, objective: 99, min_events: -1, sli: {availability: {}}}\n" +
				"  - {name: b, objective: 99, min_events: many, sli: {availability: {}}}\n",
			want: []problem{
				{4, "slos[0].min_events", "must not be negative"},
				{5, "slos[1].min_events", `must be a number of events, not "many"`},
			},
		},
		{
			name: "methods are HTTP methods in upper case, routes are not empty",
			src: head +
				"  - {name: a, objective: 99, sli: {availability: {methods: [get, FETCH, GET, GET], routes: ['', /a, /a]}}}\n",
			want: []problem{
				{4, "slos[0].sli.availability.routes[0]", "empty route"},
				{4, "slos[0].sli.availability.routes[2]", `route "/a" is listed twice`},
				{4, "slos[0].sli.availability.methods[0]", "upper case, as recorded: GET"},
				{4, "slos[0].sli.availability.methods[1]", `"FETCH" is not an HTTP method`},
				{4, "slos[0].sli.availability.methods[3]", `method "GET" is listed twice`},
			},
		},
		{
			name: "PromQL queries need total, one of good and bad, and the window placeholder",
			src: head +
				"  - name: a\n    objective: 99\n    sli:\n      availability: {}\n" +
				"      promql:\n        bad: 'sum(increase(x[5m]))'\n        good: 'sum(increase(y[{{.window}}]))'\n" +
				"  - name: b\n    objective: 99\n    sli:\n      availability: {}\n" +
				"      promql:\n        bad: 'sum(increase(x[{{.window}]))'\n        total: 'sum(increase(x[{{.win}}]))'\n",
			want: []problem{
				{8, "slos[0].sli.promql", "gives both good and bad"},
				{8, "slos[0].sli.promql.total", "missing"},
				{9, "slos[0].sli.promql.bad", "does not use {{.window}}"},
				{16, "slos[1].sli.promql.bad", "invalid query template"},
				{17, "slos[1].sli.promql.total", "the only field is {{.window}}"},
			},
		},
		{
			name: "wrong shapes are named with what was found instead",
			src: "version: sloguard/v1\nservice: {name: x}\nslos:\n" +
				"  - [a, b]\n" +
				"  - {name: a, objective: 99, sli: [availability]}\n" +
				"  - {name: b, objective: 99, labels: [a], sli: {availability: {routes: {a: b}}}}\n",
			want: []problem{
				{2, "service", "must be a single value, not a mapping"},
				{4, "slos[0]", "must be a mapping of name, description, objective, window, calendar, min_events, labels, sli, alerting, not a list"},
				{5, "slos[1].sli", "must be a mapping of availability, latency, events, promql, not a list"},
				{6, "slos[2].labels", "must be a mapping of label names to values, not a list"},
				{6, "slos[2].sli.availability.routes", "must be a list of values, not a mapping"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := slospec.Parse("slos.yaml", []byte(tt.src))
			var verr *slo.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse returned %v (%T), want a *ValidationError", err, err)
			}
			if !reflect.DeepEqual(spec, slo.Spec{}) {
				t.Errorf("Parse returned a partial spec %+v along with its error", spec)
			}
			checkProblems(t, verr.Problems, tt.want, "slos.yaml")
		})
	}
}

func checkProblems(t *testing.T, got []slo.Problem, want []problem, file string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), (&slo.ValidationError{Problems: got}).Error())
		return
	}
	for i, w := range want {
		g := got[i]
		if g.File != file || g.Line != w.line || g.Field != w.field || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("problem %d = %q (line %d, field %q), want line %d, field %q, message containing %q", i, g.String(), g.Line, g.Field, w.line, w.field, w.msg)
		}
	}
}

func TestTheErrorOfAFileWithManyProblemsListsThemAllOnePerLine(t *testing.T) {
	path := filepath.Join("testdata", "invalid.yaml")
	_, err := loadFile(path)
	if err == nil {
		t.Fatal("LoadFile accepted testdata/invalid.yaml")
	}
	got := err.Error() + "\n"
	golden.Assert(t, filepath.Join("testdata", "invalid.golden"), []byte(got))
	for i, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if !strings.HasPrefix(line, path+":") {
			t.Errorf("line %d of the error, %q, does not start with %s:<line>", i+1, line, path)
		}
	}
}

func TestBucketBoundariesDecideWhichThresholdsAreValid(t *testing.T) {
	src := []byte("version: sloguard/v1\nservice: s\nslos:\n  - {name: a, objective: 95, sli: {latency: {threshold: 350ms}}}\n")
	if _, err := slospec.Parse("a.yaml", src); err == nil || !strings.Contains(err.Error(), "a.yaml:4: slos[0].sli.latency.threshold: 350ms is not a bucket boundary") {
		t.Errorf("with the default boundaries Parse returned %v, want 350ms refused", err)
	}
	spec, err := slospec.Parse("a.yaml", src, slospec.WithBucketBoundaries([]float64{0.1, 0.35, 1}))
	if err != nil {
		t.Fatalf("with 0.35 among the boundaries: %v", err)
	}
	if got := spec.SLOs[0].SLI.Threshold; got != 350*time.Millisecond {
		t.Errorf("threshold = %v, want 350ms", got)
	}
	_, err = slospec.Parse("a.yaml", []byte(strings.Replace(string(src), "350ms", "400ms", 1)), slospec.WithBucketBoundaries([]float64{0.1, 0.35, 1}))
	if err == nil || !strings.Contains(err.Error(), "boundaries: 100ms 350ms 1s") {
		t.Errorf("400ms with boundaries 0.1 0.35 1: got %v, want the boundaries listed", err)
	}
}

func TestLoadFileNamesAFileItCannotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := loadFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(%s) = %v, want an error naming the path and wrapping os.ErrNotExist", path, err)
	}
}
