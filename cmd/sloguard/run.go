package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// exitError carries a process exit status: 2 for usage errors (bad flags,
// bad addresses), and what `check` reports (1 WARNING, 2 CRITICAL, 3 error).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr is a one-line error about how the command was called: exit 2.
func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// errSilentExit ends the process with a status and no message (check's
// WARNING and CRITICAL, whose report is already on stdout).
type silentExit int

func (s silentExit) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// exitCode prints err (once, on one line) and returns the exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var s silentExit
	if errors.As(err, &s) {
		return int(s)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "sloguard: %v\n", err)
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

const usage = `usage: sloguard <command> [flags]

commands:
  serve     run the instrumented demo service with its SLO processor
  check     evaluate the SLOs once and print the report (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 error)
  validate  check SLO spec files (sloguard/v1 or OpenSLO v1)
  rules     write Prometheus recording and alerting rules for the SLOs
  export    write the SLO spec in another format (--format openslo)
  convert   write spec files of any format read (Sloth, Pyrra, slo-generator, ...) as OpenSLO or sloguard/v1
  loadgen   send load to a service's demo routes

Run 'sloguard <command> -h' for the flags of a command.
`

// Run runs the sloguard command line with args (without the program name).
// Signals are main's business: ctx is cancelled on SIGINT/SIGTERM.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageErr("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, stdout, stderr)
	case "validate":
		return runValidate(ctx, rest, stdout, stderr)
	case "rules":
		return runRules(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "convert":
		return runConvert(ctx, rest, stdout, stderr)
	case "loadgen":
		return runLoadgen(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageErr("unknown command %q", cmd)
}

// parseFlags parses a subcommand's flags; a bad flag is a usage error whose
// message names it, and positional arguments are refused unless allowed.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, maxArgs int) error {
	// The flag package would print the whole usage on every mistake; a
	// mistake gets one line, -h the usage.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: sloguard %s [flags]\n", fs.Name())
			fs.PrintDefaults()
			return err
		}
		return usageErr("%s: %v", fs.Name(), firstLine(err.Error()))
	}
	if fs.NArg() > maxArgs {
		return usageErr("%s: unexpected argument %q", fs.Name(), fs.Arg(maxArgs))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
