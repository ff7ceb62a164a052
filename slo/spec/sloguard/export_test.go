package sloguard_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	slospec "github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/spec/sloguard"
)

func TestExportWritesTheGoldenFile(t *testing.T) {
	spec, err := loadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := sloguard.Export(spec)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "checkout.export.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("Export differs from testdata/checkout.export.golden:\n%s", got)
	}
}

func TestExportReadsBackIntoTheSameSpec(t *testing.T) {
	checkout, err := loadFile(filepath.Join("testdata", "checkout.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	queryOnly := slo.Spec{Version: slo.Version, Service: "shop", SLOs: []slo.SLO{{
		Name: "orders", Objective: 0.9995, Window: 7 * slo.Day, MinEvents: 12.5,
		Labels: map[string]string{"team": "true"},
		SLI: slo.SLI{PromQL: &slo.PromQL{
			Good:  `sum by (region) (rate(orders_total{outcome="ok"}[{{.window}}]))`,
			Total: `sum by (region) (rate(orders_total[{{.window}}]))`,
		}},
	}, {
		Name: "fast", Objective: 0.99, Window: time.Hour,
		MinEvents: slo.DefaultMinEvents, SLI: slo.SLI{Kind: slo.KindLatency, Threshold: 2500 * time.Millisecond},
	}}}
	for _, tc := range []struct {
		name string
		spec slo.Spec
	}{
		{"the checkout example", checkout},
		{"the demo spec", demo.Spec()},
		{"query-only SLIs and odd numbers", queryOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := sloguard.Export(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			back, err := slospec.Parse("export.yaml", b)
			if err != nil {
				t.Fatalf("the export does not load: %v\n%s", err, b)
			}
			if !reflect.DeepEqual(back, tc.spec) {
				t.Errorf("load(export(spec)) differs:\n got %#v\nwant %#v\n%s", back, tc.spec, b)
			}
		})
	}
}

func TestExportRefusesWhatItCannotWrite(t *testing.T) {
	ok := slo.SLO{Name: "a", Objective: 0.99, Window: slo.DefaultWindow, SLI: slo.SLI{Kind: slo.KindAvailability}}
	for _, tc := range []struct {
		name string
		spec slo.Spec
		want string
	}{
		{"a spec without service", slo.Spec{SLOs: []slo.SLO{ok}}, "names no service"},
		{"a spec without SLOs", slo.Spec{Service: "s"}, "has no SLO"},
		{"an objective of 1", slo.Spec{Service: "s", SLOs: []slo.SLO{func() slo.SLO { o := ok; o.Objective = 1; return o }()}}, "not a fraction"},
		{"a window of a part of a millisecond", slo.Spec{Service: "s", SLOs: []slo.SLO{func() slo.SLO { o := ok; o.Window = time.Hour + 1; return o }()}}, "window"},
		{"an SLI of no kind and no queries", slo.Spec{Service: "s", SLOs: []slo.SLO{func() slo.SLO { o := ok; o.SLI = slo.SLI{}; return o }()}}, "neither a kind nor PromQL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sloguard.Export(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Export error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
