package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/sloguard/sloguard/internal/loadgen"
)

func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg loadgen.Config
	var asJSON bool
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&cfg.Target, "target", "http://127.0.0.1:8080", "base `URL` of the service")
	fs.Float64Var(&cfg.RPS, "rps", 50, "requests per second")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to send")
	fs.IntVar(&cfg.Concurrency, "concurrency", 16, "requests in flight at most")
	fs.Float64Var(&cfg.ErrorRate, "error-rate", 0, "share of requests asking the demo routes to fail (needs serve --demo-faults)")
	fs.Float64Var(&cfg.SlowRate, "slow-rate", 0, "share of requests asking to be slowed by --slow-ms (needs serve --demo-faults)")
	fs.IntVar(&cfg.SlowMS, "slow-ms", 0, "delay of slow requests, in ms (at most 10000)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed of the request mix (0: random)")
	fs.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	if err := parseFlags(fs, args, stderr, 0); err != nil {
		return err
	}
	cfg.Progress = stderr
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	sum, err := loadgen.Run(ctx, cfg)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if e := enc.Encode(sum); e != nil {
			return e
		}
	} else {
		fmt.Fprint(stdout, sum.String())
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("loadgen: %w", err)
	}
	if len(sum.Warnings) > 0 {
		// the warnings are in the summary on stdout; stderr gets the verdict.
		return fmt.Errorf("loadgen: %d warning(s): the load did not do what was asked (see the summary)", len(sum.Warnings))
	}
	return nil
}
