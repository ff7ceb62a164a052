package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/internal/atomicfile"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec"
	"github.com/sloguard/sloguard/slo/spec/openslo"
	"github.com/sloguard/sloguard/slo/spec/sloguard"
)

// converters are the formats convert writes, by the name --to takes.
var converters = map[string]func(slo.Spec) ([]byte, error){
	"openslo":  openslo.Export,
	"sloguard": sloguard.Export,
}

// runConvert reads spec files of any format the loader knows (sloguard/v1,
// OpenSLO v1, Sloth, Pyrra, slo-generator) together and writes their SLOs
// as one file of the format --to names. The window of the formats whose
// files do not carry one (Sloth, slo-generator) is --window.
func runConvert(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	to := fs.String("to", "", "output format: openslo (OpenSLO v1) or sloguard (sloguard/v1)")
	out := fs.String("out", "", "write here (atomically) instead of stdout")
	window := fs.String("window", slo.WindowName(slo.DefaultWindow), "SLO window of Sloth specs and slo-generator configs, whose files do not say it")
	if err := parseFlags(fs, args, stderr, 1<<20); err != nil {
		return err
	}
	export, ok := converters[*to]
	if !ok {
		return usageErr("convert: --to %q: want openslo or sloguard", *to)
	}
	w, err := slo.ParseDuration(*window)
	if err != nil {
		return usageErr("convert: --window: %v", err)
	}
	if fs.NArg() == 0 {
		return usageErr("convert: name at least one spec file, directory or -")
	}
	s, warnings, err := spec.Load(fs.Args(), spec.WithBucketBoundaries(httpmetrics.BucketBoundaries()), spec.WithWindow(w))
	if err != nil {
		var ve *slo.ValidationError
		if errors.As(err, &ve) {
			fmt.Fprintln(stderr, strings.TrimRight(ve.Error(), "\n"))
			return silentExit(1)
		}
		return fmt.Errorf("convert: %w", err)
	}
	for _, p := range warnings {
		fmt.Fprintln(stderr, p)
	}
	b, err := export(s)
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return atomicfile.Write(*out, b, 0o644)
}
