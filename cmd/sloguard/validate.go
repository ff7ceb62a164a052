package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec"
)

// specFiles is the value of a repeatable --slo-file flag: files,
// directories or - (standard input), given one per flag or as a comma list.
type specFiles []string

func (f *specFiles) String() string { return strings.Join(*f, ",") }

func (f *specFiles) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*f = append(*f, p)
		}
	}
	return nil
}

// loadSpec reads the --slo-file paths together (references resolve across
// files), or returns the built-in default spec (the Flask app's three
// SLOs, demo.Spec) when none is given. Latency thresholds are checked against the
// buckets the instrumentation really records. Warnings are written to
// warn, one per line.
func loadSpec(paths []string, warn io.Writer) (slo.Spec, error) {
	if len(paths) == 0 {
		return demo.Spec(), nil
	}
	s, warnings, err := loadSpecFiles(paths)
	for _, w := range warnings {
		fmt.Fprintln(warn, w)
	}
	return s, err
}

func loadSpecFiles(paths []string) (slo.Spec, []slo.Problem, error) {
	return spec.Load(paths, spec.WithBucketBoundaries(httpmetrics.BucketBoundaries()))
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
	case "":
		sli = "Prometheus queries only"
	}
	if s.SLI.PromQL != nil && s.SLI.Kind != "" {
		sli += ", PromQL for the Prometheus source"
	}
	window := slo.WindowName(s.Window)
	if s.Calendar != nil {
		window = "each calendar " + string(s.Calendar.Unit) + " in " + s.Calendar.TimeZone()
	}
	return fmt.Sprintf("%s: %s%% over %s, %s; engines: %s", s.Name, trimFloat(s.Objective*100), window, sli, engineList(s))
}

func engineList(s slo.SLO) string {
	var names []string
	for _, e := range s.Engines() {
		names = append(names, string(e))
	}
	return strings.Join(names, ", ")
}

// embeddedCanRun refuses a spec holding SLOs the embedded engine cannot
// evaluate (SLIs given by Prometheus queries alone), naming each.
func embeddedCanRun(s slo.Spec) error {
	var names []string
	for _, o := range s.SLOs {
		if !slices.Contains(o.Engines(), slo.EngineEmbedded) {
			names = append(names, o.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("the embedded engine (--source otel) cannot evaluate SLO %s: %s defined by Prometheus queries alone; run with --source prometheus --prometheus-url URL, or give each an SLI read from the service's instruments",
		strings.Join(names, ", "), map[bool]string{true: "it is", false: "they are"}[len(names) == 1])
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
	strict := fs.Bool("strict", false, "treat warnings as errors (exit status 1)")
	if err := parseFlags(fs, args, stderr, 1<<20); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("validate: name at least one spec file (sloguard/v1 or OpenSLO v1 YAML)")
	}
	// Every file named is read together: an SLO of one may use the SLI of
	// another.
	paths := fs.Args()
	s, warnings, err := loadSpecFiles(paths)
	if err != nil {
		var ve *slo.ValidationError
		if errors.As(err, &ve) {
			// every problem, one per line: file:line: field: what is wrong
			fmt.Fprintln(stderr, strings.TrimRight(ve.Error(), "\n"))
		} else {
			fmt.Fprintf(stderr, "%v\n", err)
		}
		return silentExit(1)
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, w)
	}
	if *strict && len(warnings) > 0 {
		fmt.Fprintf(stderr, "validate --strict: %d warnings\n", len(warnings))
		return silentExit(1)
	}
	fmt.Fprintf(stdout, "%s: ok, service %s, %d SLOs\n", strings.Join(paths, " "), s.Service, len(s.SLOs))
	for _, o := range s.SLOs {
		fmt.Fprintf(stdout, "  %s\n", describeSLO(o))
	}
	return nil
}
