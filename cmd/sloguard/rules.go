package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/slo/rules"
)

func runRules(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var out, groupBy string
	var sloFiles specFiles
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.Var(&sloFiles, "slo-file", "SLO spec `file`, directory or - (repeatable, or a comma list; read together); default: the built-in SLOs")
	fs.StringVar(&out, "out", "", "write the rule file here (atomically) instead of stdout")
	var match matcherFlags
	fs.Var(&match, "match", "label `matcher` added to every derived query, like job=\"sloguard\" (repeatable): use it when Prometheus gets the same metrics twice")
	fs.StringVar(&groupBy, "group-by", "", "comma-separated `labels` the rules keep apart (e.g. region); every other label is summed away")
	if err := parseFlags(fs, args, stderr, 0); err != nil {
		return err
	}
	spec, err := loadSpec(sloFiles, stderr)
	if err != nil {
		return fmt.Errorf("rules: --slo-file: %w", err)
	}
	opts := []rules.Option{rules.WithLatencyBuckets(httpmetrics.BucketBoundaries()...)}
	if len(match) > 0 {
		opts = append(opts, rules.WithMatchers(match...))
	}
	if groupBy != "" {
		opts = append(opts, rules.WithGroupingLabels(strings.Split(groupBy, ",")...))
	}
	file, err := rules.Generate(spec, opts...)
	if err != nil {
		return err
	}
	if out != "" {
		if err := file.WriteFile(out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "rules: wrote %d groups for %d SLOs to %s\n", len(file.Groups), len(spec.SLOs), out)
		return nil
	}
	b, err := file.Marshal()
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}
