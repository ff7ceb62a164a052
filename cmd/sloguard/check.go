package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sloguard/sloguard/api"
	"github.com/sloguard/sloguard/internal/endpoint"
	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/sqlite"
)

// Exit statuses of check, as slo_guard.py (the Flask app) had them.
const (
	checkOK       = 0
	checkWarning  = 1
	checkCritical = 2
	checkError    = 3
	// checkStale: the newest data is older than twice the evaluation
	// interval: whatever the status says, it is not about now.
	checkStale = 4
	// checkNoHistory: an SLO of the spec has never been measured (the store
	// holds no event of it): its OK would be about nothing.
	checkNoHistory = 5
)

// checkErr is an error of check itself: exit status 3.
func checkErr(format string, args ...any) error {
	return &exitError{code: checkError, err: fmt.Errorf(format, args...)}
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		dataDir, storePath, server, keyFile, source, promURL string
		sloFiles                                             specFiles
		timeout, evalInterval                                time.Duration
		promMatch                                            matcherFlags
	)
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.Var(&sloFiles, "slo-file", "SLO spec `file`, directory or - (repeatable, or a comma list; read together); default: the built-in SLOs")
	fs.StringVar(&dataDir, "data-dir", "data", "`directory` of the store serve writes (read, never changed)")
	fs.StringVar(&storePath, "store", "", "the store `file` to read, of any name (read, never changed); default: sloguard.db in --data-dir")
	fs.StringVar(&server, "server", "", "ask a running serve at this base `URL` to evaluate instead (needs its key)")
	fs.StringVar(&keyFile, "dash-key-file", "", "`file` holding the dashboard key for --server (default: $DASHBOARD_KEY)")
	fs.StringVar(&source, "source", "otel", "otel (the store in --data-dir) or prometheus (PromQL over --prometheus-url)")
	fs.StringVar(&promURL, "prometheus-url", "", "base `URL` of the Prometheus HTTP API, for --source prometheus")
	fs.Var(&promMatch, "prometheus-match", "label `matcher` added to every PromQL query, like region=\"eu\" (repeatable)")
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "give up after this long")
	fs.DurationVar(&evalInterval, "eval-interval", slo.DefaultEvalInterval, "serve's --eval-interval: check exits 4 (stale) when the newest data is older than twice it")
	if err := parseFlags(fs, args, stderr, 0); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: checkError, err: err}
	}
	if evalInterval <= 0 {
		return checkErr("check: --eval-interval %v: want a positive duration", evalInterval)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var rep slo.Report
	var err error
	var noHistory []string
	switch {
	case server != "":
		rep, err = checkServer(ctx, server, keyFile)
	case source == "prometheus":
		rep, err = checkPrometheus(ctx, sloFiles, promURL, promMatch, stderr)
	case source == "otel":
		rep, noHistory, err = checkStore(ctx, sloFiles, dataDir, storePath, stderr)
		if len(noHistory) > 0 && !slices.Contains([]slo.Status{slo.StatusWarning, slo.StatusCritical}, rep.OverallStatus) {
			rep.OverallStatus = slo.StatusNoData
		}
	default:
		return checkErr("check: --source %q: want otel or prometheus", source)
	}
	if rep.TS.IsZero() && err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if e := enc.Encode(rep); e != nil {
		return checkErr("check: %v", e)
	}
	if err != nil {
		return err
	}
	if rep.DataAgeSeconds != nil {
		if age := time.Duration(*rep.DataAgeSeconds * float64(time.Second)); age > 2*evalInterval {
			return &exitError{code: checkStale, err: fmt.Errorf("check: stale data: the newest sample is %s old (%s), more than twice the evaluation interval (%s); the status %s is not about now: is serve running and writing to its data directory? (store error: %s)",
				age.Round(time.Second), rep.LastSampleTS.Format(time.RFC3339), evalInterval, rep.OverallStatus, orNone(rep.StoreError))}
		}
	}
	if rep.StoreError != "" {
		fmt.Fprintf(stderr, "check: warning: the store cannot write: %s\n", rep.StoreError)
	}
	switch rep.OverallStatus {
	case slo.StatusNoData:
		if len(noHistory) > 0 {
			return &exitError{code: checkNoHistory, err: fmt.Errorf("check: NO_DATA: no history in the store for SLO %s: is serve running with this spec, and has the SLO seen traffic?", strings.Join(noHistory, ", "))}
		}
		return nil
	case slo.StatusOK, slo.StatusLowTraffic:
		// too few events to say anything is wrong is not wrong.
		return nil
	case slo.StatusWarning:
		return silentExit(checkWarning)
	case slo.StatusCritical:
		return silentExit(checkCritical)
	}
	return checkErr("check: overall status %s: %s", rep.OverallStatus, rep.Error)
}

func orNone(s string) string {
	if s == "" {
		return "none reported"
	}
	return s
}

// checkStore evaluates once from the store a serve writes; SQLite in WAL
// mode lets it read while serve writes.
// storePath, when given, names the file instead of dataDir. The store is
// opened read-only: check takes no lock, so it reads while serve writes.
func checkStore(ctx context.Context, sloFiles []string, dataDir, storePath string, stderr io.Writer) (_ slo.Report, noHistory []string, _ error) {
	spec, err := loadSpec(sloFiles, stderr)
	if err != nil {
		return slo.Report{}, nil, checkErr("check: --slo-file: %v", err)
	}
	path := storePath
	if path == "" {
		path = filepath.Join(dataDir, storeFile)
		if _, err := os.Stat(path); err != nil {
			return slo.Report{}, nil, checkErr("check: no SLO store at %s (run sloguard serve with --data-dir %s first): %v", path, dataDir, err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return slo.Report{}, nil, checkErr("check: --store %s: no SLO store there: %v", path, err)
	}
	st, err := sqlite.Open(path, sqlite.WithReadOnly())
	if err != nil {
		return slo.Report{}, nil, checkErr("check: %v", err)
	}
	defer st.Close()
	rep, err := slo.EvaluateStore(ctx, spec, st, time.Now())
	if err != nil {
		return rep, nil, checkErr("check: %v", err)
	}
	noHistory, err = compareHistory(ctx, spec, st, stderr)
	if err != nil {
		return rep, nil, checkErr("check: %v", err)
	}
	return rep, noHistory, nil
}

// compareHistory warns, one line each, of the SLOs of spec the store holds
// no event of, and of the SLOs the store has history of that spec lacks (a
// spec other than serve's, or an SLO renamed), and returns the first.
func compareHistory(ctx context.Context, spec slo.Spec, st *sqlite.Store, stderr io.Writer) ([]string, error) {
	stored, err := st.SLONames(ctx)
	if err != nil {
		return nil, err
	}
	var missing []string
	inSpec := make(map[string]bool, len(spec.SLOs))
	for _, s := range spec.SLOs {
		inSpec[s.Name] = true
		if !slices.Contains(stored, s.Name) {
			missing = append(missing, s.Name)
			fmt.Fprintf(stderr, "check: warning: SLO %s has no history in the store %s: not measured yet, or serve runs another spec\n", s.Name, st.Path())
		}
	}
	for _, name := range stored {
		if !inSpec[name] {
			fmt.Fprintf(stderr, "check: warning: the store %s holds history of SLO %s, which the spec does not have: serve may run another spec\n", st.Path(), name)
		}
	}
	return missing, nil
}

// checkPrometheus evaluates once with PromQL over the Prometheus HTTP API.
func checkPrometheus(ctx context.Context, sloFiles []string, promURL string, matchers []string, stderr io.Writer) (slo.Report, error) {
	if promURL == "" {
		return slo.Report{}, checkErr("check: --source prometheus needs --prometheus-url")
	}
	spec, err := loadSpec(sloFiles, stderr)
	if err != nil {
		return slo.Report{}, checkErr("check: --slo-file: %v", err)
	}
	src, err := prometheusSource(promURL, matchers, slog.New(slog.DiscardHandler))
	if err != nil {
		return slo.Report{}, checkErr("check: %v", err)
	}
	p, err := slo.NewProcessor(slo.Config{
		Spec: spec, Windows: src, SourceName: "prometheus",
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return slo.Report{}, checkErr("check: %v", err)
	}
	rep, err := p.Evaluate(ctx)
	if err == nil && rep.Error != "" {
		err = errors.New(rep.Error)
	}
	if err != nil {
		return rep, checkErr("check: %v", err)
	}
	return rep, nil
}

// checkServer asks a running serve to evaluate now. The request goes to
// the --server host alone: its client refuses redirects, so the key is never
// carried elsewhere, and what errors show of the URL is redacted.
func checkServer(ctx context.Context, server, keyFile string) (slo.Report, error) {
	base, err := endpoint.Parse(server, endpoint.WithoutQuery())
	if err != nil {
		return slo.Report{}, checkErr("check: --server: %v", err)
	}
	key, err := loadDashKey(keyFile)
	if err != nil {
		return slo.Report{}, checkErr("check: %v", err)
	}
	if key.generated {
		return slo.Report{}, checkErr("check: --server needs the serve's key: set DASHBOARD_KEY or --dash-key-file (a serve that made its own key wrote it to dashboard.key in its --data-dir)")
	}
	target := base.JoinPath(api.PathCheck)
	shown := endpoint.Redact(target)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), nil)
	if err != nil {
		return slo.Report{}, checkErr("check: POST %s: cannot make the request", shown)
	}
	req.Header.Set(api.KeyHeader, string(key.value))
	client := endpoint.NewClient()
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return slo.Report{}, checkErr("check: POST %s: %v", shown, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return slo.Report{}, checkErr("check: POST %s: reading the answer: %v", shown, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		to := "elsewhere"
		if loc, err := resp.Location(); err == nil {
			to = endpoint.Redact(loc)
		}
		return slo.Report{}, checkErr("check: POST %s: %s: the server redirects to %s, and check does not follow redirects (the key would go along): give --server the URL serve listens on", shown, resp.Status, to)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.Unmarshal(body, &e)
		return slo.Report{}, checkErr("check: POST %s: %s: %s", shown, resp.Status, endpoint.RedactText(e.Error))
	}
	var rep slo.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		return slo.Report{}, checkErr("check: POST %s: not a report: %v", shown, err)
	}
	return rep, nil
}
