package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sloguard/sloguard/httpmetrics"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

// Output formats of the rules command.
const (
	formatRules          = "rules"
	formatPrometheusRule = "prometheusrule"
)

func runRules(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var out, groupBy, format, windowsFile, name, namespace string
	var scrape time.Duration
	var sloFiles specFiles
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.Var(&sloFiles, "slo-file", "SLO spec `file`, directory or - (repeatable, or a comma list; read together); default: the built-in SLOs")
	fs.StringVar(&out, "out", "", "write the rule file here (atomically) instead of stdout")
	var match matcherFlags
	fs.Var(&match, "match", "label `matcher` added to every derived query, like job=\"sloguard\" (repeatable): use it when Prometheus gets the same metrics twice")
	fs.StringVar(&groupBy, "group-by", "", "comma-separated `labels` the rules keep apart (e.g. region); every other label is summed away")
	fs.StringVar(&format, "format", formatRules, "rules (a Prometheus rule file) or prometheusrule (a monitoring.coreos.com/v1 PrometheusRule for prometheus-operator)")
	fs.StringVar(&windowsFile, "alert-windows", "", "Sloth AlertWindows `file` (apiVersion sloth.slok.dev/v1) whose windows replace the workbook's; it must have a set for every SLO's window")
	fs.DurationVar(&scrape, "scrape-interval", rules.DefaultScrapeInterval, "how often Prometheus scrapes the SLI metrics: no alert window is shorter than four of these")
	fs.StringVar(&name, "name", "", "metadata.name of the PrometheusRule (default sloguard-<service>)")
	fs.StringVar(&namespace, "namespace", "", "metadata.namespace of the PrometheusRule (default: none, the namespace kubectl applies it in)")
	var labels matcherFlags
	fs.Var(&labels, "label", "metadata `key=value` label of the PrometheusRule, e.g. release=kube-prometheus for the operator's ruleSelector (repeatable)")
	if err := parseFlags(fs, args, stderr, 0); err != nil {
		return err
	}
	var meta rules.ObjectMeta
	switch format {
	case formatRules:
		if name != "" || namespace != "" || len(labels) > 0 {
			return usageErr("rules: --name, --namespace and --label describe a PrometheusRule: add --format prometheusrule")
		}
	case formatPrometheusRule:
		meta = rules.ObjectMeta{Name: name, Namespace: namespace}
		for _, l := range labels {
			k, v, ok := strings.Cut(l, "=")
			if !ok || k == "" {
				return usageErr("rules: --label %q: write key=value", l)
			}
			if meta.Labels == nil {
				meta.Labels = map[string]string{}
			}
			meta.Labels[k] = v
		}
	default:
		return usageErr("rules: --format %q: want %s or %s", format, formatRules, formatPrometheusRule)
	}
	spec, err := loadSpec(sloFiles, stderr)
	if err != nil {
		return fmt.Errorf("rules: --slo-file: %w", err)
	}
	opts := []rules.Option{rules.WithLatencyBuckets(httpmetrics.BucketBoundaries()...), rules.WithScrapeInterval(scrape)}
	if windowsFile != "" {
		sets, err := slo.LoadAlertWindows(windowsFile)
		if err != nil {
			return fmt.Errorf("rules: --alert-windows: %w", err)
		}
		if err := sets.Check(spec); err != nil {
			return fmt.Errorf("rules: --alert-windows: %w", err)
		}
		opts = append(opts, rules.WithAlertWindows(sets))
	}
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
	var doc interface {
		Marshal() ([]byte, error)
		WriteFile(string) error
	} = file
	if format == formatPrometheusRule {
		if meta.Name == "" {
			meta.Name = "sloguard-" + strings.ToLower(spec.Service)
		}
		if doc, err = file.PrometheusRule(meta); err != nil {
			return err
		}
	}
	if out != "" {
		if err := doc.WriteFile(out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "rules: wrote %d groups for %d SLOs to %s\n", len(file.Groups), len(spec.SLOs), out)
		return nil
	}
	b, err := doc.Marshal()
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}
