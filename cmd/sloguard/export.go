package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/sloguard/sloguard/internal/atomicfile"
	"github.com/sloguard/sloguard/slo/spec/openslo"
)

func runExport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var format, out string
	var sloFiles specFiles
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.Var(&sloFiles, "slo-file", "SLO spec `file`, directory or - (repeatable, or a comma list; read together); default: the built-in SLOs")
	fs.StringVar(&format, "format", "openslo", "output format: openslo (OpenSLO v1 YAML)")
	fs.StringVar(&out, "out", "", "write here (atomically) instead of stdout")
	if err := parseFlags(fs, args, stderr, 0); err != nil {
		return err
	}
	if format != "openslo" {
		return usageErr("export: --format %q: want openslo", format)
	}
	spec, err := loadSpec(sloFiles, stderr)
	if err != nil {
		return fmt.Errorf("export: --slo-file: %w", err)
	}
	b, err := openslo.Export(spec)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return atomicfile.Write(out, b, 0o644)
}
