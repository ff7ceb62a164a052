package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/slo"
)

// loadSpec reads --slo-file, or returns the built-in default spec (the
// seed's three SLOs) when path is empty. Latency thresholds are checked
// against the buckets the instrumentation really records.
func loadSpec(path string) (slo.Spec, error) {
	if path == "" {
		return slo.Default(), nil
	}
	return slo.LoadFile(path, slo.WithBucketBoundaries(httpmetrics.BucketBoundaries()))
}

// describeSLO is the one-line summary validate prints per SLO.
func describeSLO(s slo.SLO) string {
	var sli string
	switch s.SLI.Kind {
	case slo.KindAvailability:
		sli = "availability (bad = 5xx)" + filters(s.SLI)
	case slo.KindLatency:
		sli = fmt.Sprintf("latency <= %v", s.SLI.Threshold) + filters(s.SLI)
	case slo.KindEvents:
		sli = "events of " + s.SLI.Metric
	}
	if s.SLI.PromQL != nil {
		sli += ", PromQL for the Prometheus source"
	}
	return fmt.Sprintf("%s: %s%% over %s, %s", s.Name, trimFloat(s.Objective*100), slo.WindowName(s.Window), sli)
}

func filters(s slo.SLI) string {
	var parts []string
	if len(s.Routes) > 0 {
		parts = append(parts, "routes "+strings.Join(s.Routes, ","))
	}
	if len(s.Methods) > 0 {
		parts = append(parts, "methods "+strings.Join(s.Methods, ","))
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, "; ") + "]"
}

func trimFloat(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}

func runValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	if err := parseFlags(fs, args, stderr, 1<<20); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("validate: name at least one spec file (sloguard/v1 or OpenSLO v1 YAML)")
	}
	failed := false
	for _, path := range fs.Args() {
		spec, err := loadSpec(path)
		if err != nil {
			failed = true
			var ve *slo.ValidationError
			if errors.As(err, &ve) {
				// every problem, one per line: file:line: field: what is wrong
				fmt.Fprintln(stderr, strings.TrimRight(ve.Error(), "\n"))
			} else {
				fmt.Fprintf(stderr, "%s: %v\n", path, err)
			}
			continue
		}
		fmt.Fprintf(stdout, "%s: ok, service %s, %d SLOs\n", path, spec.Service, len(spec.SLOs))
		for _, s := range spec.SLOs {
			fmt.Fprintf(stdout, "  %s\n", describeSLO(s))
		}
	}
	if failed {
		return silentExit(1)
	}
	return nil
}
