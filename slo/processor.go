package slo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sloguard/sloguard/internal/atomicfile"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// DefaultReportPath is where `sloguard serve` writes the report; a Config
// names it explicitly (an empty ReportPath writes no file).
const DefaultReportPath = "logs/slo_report.json"

// Defaults of Config.
const (
	DefaultSampleInterval = time.Minute
	DefaultEvalInterval   = 15 * time.Minute
	DefaultMaxPending     = 60
	// TickMetric counts the evaluations of the processor.
	TickMetric = "sloguard.scheduler.ticks"
	// scopeName is the instrumentation scope of the processor's own metrics.
	scopeName = "github.com/sloguard/sloguard/slo"
)

// Clock is the processor's time: the system clock by default, a fake one
// in tests.
type Clock interface {
	Now() time.Time
	NewTicker(d time.Duration) Ticker
}

// Ticker is the part of time.Ticker the processor uses.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// SystemClock returns the clock of the machine.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) NewTicker(d time.Duration) Ticker {
	return systemTicker{time.NewTicker(d)}
}

type systemTicker struct{ t *time.Ticker }

func (t systemTicker) C() <-chan time.Time { return t.t.C }
func (t systemTicker) Stop()               { t.t.Stop() }

// Config configures a Processor. The zero value of every field but Spec
// and one of Store or Windows means its default.
type Config struct {
	Spec Spec
	// Source produces samples (the OTel source), written to Store every
	// SampleInterval. Nil for a source that answers windows itself
	// (Windows), or to evaluate what Store already holds.
	Source Collector
	// Store keeps the samples of Source, and the firing alerts across
	// restarts. Required with Source.
	Store Store
	// Windows answers window counts; default: Store.
	Windows WindowReader
	// Latency answers latency histograms; default: Store. Without either,
	// reports have no actual_ms and Latency returns an error.
	Latency LatencyReader
	// SourceName is the report's source: "otel" by default.
	SourceName string
	// Sinks receive the alerts after every evaluation. A failing sink is
	// logged and does not stop the evaluation or the other sinks.
	Sinks []Sink
	// SampleInterval (default 1m) is how often Source is collected;
	// EvalInterval (default 15m) how often the SLOs are evaluated.
	SampleInterval time.Duration
	EvalInterval   time.Duration
	// ReportPath is where every report is written (atomically), directories
	// created; empty means no file. `sloguard serve` uses DefaultReportPath.
	ReportPath string
	// MeterProvider receives the processor's tick counter
	// (sloguard.scheduler.ticks); default: none.
	MeterProvider metric.MeterProvider
	// Logger gets one line per evaluation and the errors of the background
	// loop; default slog.Default().
	Logger *slog.Logger
	// Clock gives sample and evaluation times; default SystemClock().
	Clock Clock
	// Recent returns the durations (ms) of the last requests of a route
	// ("" for every route), oldest first, for LatencySummary.Recent60.
	Recent func(route string) []float64
	// MaxPending bounds the samples kept in memory while Store fails
	// (default 60). Past it the oldest two are merged into one: events are
	// never dropped, only their timing coarsened.
	MaxPending int
}

// withDefaults returns c with its zero fields defaulted.
func (c Config) withDefaults() Config {
	if c.Windows == nil && c.Store != nil {
		c.Windows = StoreWindows(c.Store)
	}
	if c.Latency == nil && c.Store != nil {
		c.Latency = c.Store
	}
	if c.SourceName == "" {
		c.SourceName = "otel"
	}
	if c.SampleInterval == 0 {
		c.SampleInterval = DefaultSampleInterval
	}
	if c.EvalInterval == 0 {
		c.EvalInterval = DefaultEvalInterval
	}
	if c.MeterProvider == nil {
		c.MeterProvider = noop.NewMeterProvider()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = SystemClock()
	}
	if c.MaxPending == 0 {
		c.MaxPending = DefaultMaxPending
	}
	return c
}

// Validate reports what makes c unusable, every problem at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.Spec.SLOs) == 0 {
		bad("spec: no SLO")
	}
	seen := map[string]bool{}
	for i, s := range c.Spec.SLOs {
		switch {
		case s.Name == "":
			bad("spec: slos[%d]: no name", i)
		case seen[s.Name]:
			bad("spec: slos[%d]: duplicate name %q", i, s.Name)
		}
		seen[s.Name] = true
		if s.Window <= 0 {
			bad("spec: SLO %q: window %s is not positive", s.Name, s.Window)
		}
	}
	if c.Source != nil && c.Store == nil {
		bad("a Source needs a Store to keep its samples")
	}
	if c.Store == nil && c.Windows == nil {
		bad("no Store and no Windows: nothing to read window counts from")
	}
	if c.SampleInterval < 0 {
		bad("sample interval %s is negative", c.SampleInterval)
	}
	if c.EvalInterval < 0 {
		bad("evaluation interval %s is negative", c.EvalInterval)
	}
	if c.MaxPending < 0 {
		bad("max pending %d is negative", c.MaxPending)
	}
	if c.ReportPath != "" {
		if st, err := os.Stat(c.ReportPath); err == nil && st.IsDir() {
			bad("report path %s is a directory", c.ReportPath)
		}
	}
	for i, s := range c.Sinks {
		if s == nil {
			bad("sinks[%d] is nil", i)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("slo processor config: %w", errors.Join(errs...))
	}
	return nil
}

// ErrShutdown is returned by the methods of a Processor that was shut down.
var ErrShutdown = errors.New("slo processor: shut down")

// Processor is the running SLO engine: every SampleInterval it collects a
// sample of SLI deltas from its Source and appends it to its Store; every
// EvalInterval (and on demand) it sums the windows of every SLO, evaluates
// budgets, burn rates and statuses, updates the alerts, sends them to the
// sinks, saves the firing ones, writes the report and logs one line.
//
// Its methods are safe for concurrent use; evaluations are serialised.
//
// Time comes from the Clock. The processor never goes back in time: a
// sample ends at the clock's time or 1ms after the previous sample,
// whichever is later, and an evaluation happens at the clock's time or at
// the end of the last sample, whichever is later. A clock that jumps back
// therefore neither loses nor double counts events, and no window is
// negative; until the clock catches up, samples are stamped 1ms apart.
//
// When the source or the store fails, the report says so (Error set,
// statuses UNKNOWN, the figures of the last good evaluation kept), alerts
// stay as they were, unwritten samples are kept (see MaxPending) and the
// next tick tries again.
type Processor struct {
	cfg   Config
	log   *slog.Logger
	ticks metric.Int64Counter
	// readOnly evaluations (EvaluateStore) send, save and write nothing.
	readOnly bool

	evalMu      sync.Mutex // serialises evaluations; held before sampleMu
	initDone    bool
	alerter     *Alerter
	lastGood    map[string]SLOReport
	lastCompact time.Time

	sampleMu   sync.Mutex
	pending    []Sample
	lastEnd    time.Time // End of the last sample (stored or pending)
	startedAt  time.Time
	collectErr error
	storeErr   error

	mu        sync.Mutex
	report    Report
	hasReport bool
	started   bool // Start was called
	running   bool // the loop goroutine was started
	stopping  bool // Shutdown was called
	stopped   bool // Shutdown is done

	stop       chan struct{}
	done       chan struct{}
	loopCancel context.CancelFunc
	shutOnce   sync.Once
	shutErr    error
}

// NewProcessor returns a processor for cfg, not yet started.
func NewProcessor(cfg Config) (*Processor, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Spec.SLOs = slices.Clone(cfg.Spec.SLOs)
	ticks, err := cfg.MeterProvider.Meter(scopeName).Int64Counter(TickMetric,
		metric.WithUnit("{tick}"),
		metric.WithDescription("Evaluations of the SLO processor."))
	if err != nil {
		return nil, fmt.Errorf("slo processor: %s counter: %w", TickMetric, err)
	}
	return &Processor{
		cfg:       cfg,
		log:       cfg.Logger,
		ticks:     ticks,
		startedAt: cfg.Clock.Now().Truncate(time.Millisecond),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}, nil
}

// Start loads the alerts that were firing, evaluates once, and starts the
// sampling and evaluation loops. ctx bounds this start only: the loops run
// until Shutdown.
func (p *Processor) Start(ctx context.Context) error {
	p.mu.Lock()
	switch {
	case p.stopping:
		p.mu.Unlock()
		return ErrShutdown
	case p.started:
		p.mu.Unlock()
		return errors.New("slo processor: already started")
	}
	p.started = true
	p.mu.Unlock()

	if err := p.init(ctx); err != nil {
		p.mu.Lock()
		p.started = false
		p.mu.Unlock()
		return err
	}
	if _, err := p.Evaluate(ctx); err != nil {
		p.mu.Lock()
		p.started = false
		p.mu.Unlock()
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return ErrShutdown
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	p.loopCancel = cancel
	p.running = true
	go p.loop(loopCtx)
	return nil
}

// init loads the firing alerts and the end of the last stored sample, once.
func (p *Processor) init(ctx context.Context) error {
	p.evalMu.Lock()
	defer p.evalMu.Unlock()
	return p.initLocked(ctx)
}

func (p *Processor) initLocked(ctx context.Context) error {
	if p.initDone {
		return nil
	}
	var firing []Alert
	if p.cfg.Store != nil {
		var err error
		if firing, err = p.cfg.Store.LoadFiring(ctx); err != nil {
			return fmt.Errorf("slo processor: %w", err)
		}
		if p.cfg.Source != nil {
			last, err := p.cfg.Store.LastEnd(ctx)
			if err != nil {
				return fmt.Errorf("slo processor: %w", err)
			}
			p.sampleMu.Lock()
			if last.After(p.lastEnd) {
				p.lastEnd = last
			}
			p.sampleMu.Unlock()
		}
	}
	p.alerter = NewAlerter(firing)
	p.initDone = true
	return nil
}

func (p *Processor) loop(ctx context.Context) {
	defer close(p.done)
	var sampleC <-chan time.Time
	if p.cfg.Source != nil {
		t := p.cfg.Clock.NewTicker(p.cfg.SampleInterval)
		defer t.Stop()
		sampleC = t.C()
	}
	evalT := p.cfg.Clock.NewTicker(p.cfg.EvalInterval)
	defer evalT.Stop()
	for {
		// a stop request wins over a tick that is ready at the same time.
		select {
		case <-p.stop:
			return
		default:
		}
		select {
		case <-p.stop:
			return
		case <-sampleC:
			if err := p.Flush(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("slo sample", "error", err)
			}
		case <-evalT.C():
			if _, err := p.evaluate(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("slo evaluation", "error", err)
			}
		}
	}
}

// Shutdown stops the loops, collects a last sample, evaluates once more
// and writes the report. It returns when that is done or ctx ends, and may
// be called more than once (later calls return the first result).
func (p *Processor) Shutdown(ctx context.Context) error {
	p.shutOnce.Do(func() { p.shutErr = p.shutdown(ctx) })
	return p.shutErr
}

func (p *Processor) shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.stopping = true
	started, running := p.started, p.running
	p.mu.Unlock()
	if running {
		close(p.stop)
		select {
		case <-p.done:
		case <-ctx.Done():
			p.loopCancel()
			<-p.done
			p.markStopped()
			return fmt.Errorf("slo processor: shutdown: %w", ctx.Err())
		}
		p.loopCancel()
	}
	var errs []error
	if started {
		if p.cfg.Source != nil {
			if err := p.Flush(ctx); err != nil {
				errs = append(errs, fmt.Errorf("last sample: %w", err))
			}
		}
		if _, err := p.Evaluate(ctx); err != nil {
			errs = append(errs, fmt.Errorf("last evaluation: %w", err))
		}
	}
	p.markStopped()
	if len(errs) > 0 {
		return fmt.Errorf("slo processor: shutdown: %w", errors.Join(errs...))
	}
	return nil
}

func (p *Processor) markStopped() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}

func (p *Processor) isStopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

// Flush collects a sample from the Source now and writes it, with any
// sample a failing Store left pending. Without a Source it does nothing.
func (p *Processor) Flush(ctx context.Context) error {
	if p.cfg.Source == nil {
		return nil
	}
	if p.isStopped() {
		return ErrShutdown
	}
	// the first sample must end after those already stored.
	if err := p.init(ctx); err != nil {
		return err
	}
	p.sampleMu.Lock()
	defer p.sampleMu.Unlock()
	s, err := p.cfg.Source.Collect(ctx)
	if err != nil {
		p.collectErr = fmt.Errorf("collect: %w", err)
		return p.collectErr
	}
	p.collectErr = nil
	end := p.cfg.Clock.Now().Truncate(time.Millisecond)
	if !end.After(p.lastEnd) {
		end = p.lastEnd.Add(time.Millisecond)
	}
	s.Start, s.End = p.lastEnd, end
	if s.Start.IsZero() {
		s.Start = p.startedAt
		if s.Start.After(end) {
			s.Start = end
		}
	}
	p.lastEnd = end
	p.pending = append(p.pending, s)
	if len(p.pending) > p.cfg.MaxPending {
		p.pending[0].Add(p.pending[1])
		p.pending = slices.Delete(p.pending, 1, 2)
	}
	return p.writePendingLocked(ctx)
}

// writePendingLocked appends the pending samples in order, keeping those
// the Store refuses for the next try.
func (p *Processor) writePendingLocked(ctx context.Context) error {
	restamped := false
	for len(p.pending) > 0 {
		err := p.cfg.Store.Append(ctx, p.pending[0])
		if errors.Is(err, ErrOutOfOrder) && !restamped {
			// another writer stored later samples: move ours after them.
			restamped = true
			last, lerr := p.cfg.Store.LastEnd(ctx)
			if lerr == nil {
				for i := range p.pending {
					if !p.pending[i].End.After(last) {
						p.pending[i].End = last.Add(time.Duration(i+1) * time.Millisecond)
					}
				}
				if e := p.pending[len(p.pending)-1].End; e.After(p.lastEnd) {
					p.lastEnd = e
				}
				continue
			}
		}
		if err != nil {
			p.storeErr = fmt.Errorf("store: %d samples not written yet: %w", len(p.pending), err)
			return p.storeErr
		}
		p.pending[0] = Sample{}
		p.pending = p.pending[1:]
	}
	p.pending = nil
	p.storeErr = nil
	return nil
}

// now is the evaluation time: the clock's, but never before the end of the
// last sample.
func (p *Processor) now() time.Time {
	now := p.cfg.Clock.Now().Truncate(time.Millisecond)
	p.sampleMu.Lock()
	defer p.sampleMu.Unlock()
	if p.lastEnd.After(now) {
		now = p.lastEnd
	}
	return now
}

// sourceErr is the error of the last sample, if it failed.
func (p *Processor) sourceErr() error {
	p.sampleMu.Lock()
	defer p.sampleMu.Unlock()
	return errors.Join(p.collectErr, p.storeErr)
}

// Evaluate evaluates every SLO now, and does everything an evaluation tick
// does (alerts, sinks, report file, log line). It returns an error only
// when no report could be made (ctx ended, processor shut down); a source
// that fails gives a report with Error set.
func (p *Processor) Evaluate(ctx context.Context) (Report, error) {
	if p.isStopped() {
		return Report{}, ErrShutdown
	}
	return p.evaluate(ctx)
}

func (p *Processor) evaluate(ctx context.Context) (Report, error) {
	p.evalMu.Lock()
	defer p.evalMu.Unlock()
	began := time.Now()
	if err := p.initLocked(ctx); err != nil {
		return Report{}, err
	}
	now := p.now()
	srcErr := p.sourceErr()
	var slos []SLOReport
	if srcErr == nil {
		slos, srcErr = p.computeSLOs(ctx, now)
	}
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("slo processor: evaluate: %w", err)
	}
	var rep Report
	if srcErr != nil {
		rep = p.unknownReport(now, srcErr)
	} else {
		rep = NewReport(p.cfg.Spec, now, slos)
		p.lastGood = make(map[string]SLOReport, len(slos))
		for _, s := range slos {
			p.lastGood[s.Name] = s
		}
	}
	rep.Source = p.cfg.SourceName
	changed, firing := p.alerter.Update(p.cfg.Spec, rep)
	rep.Firing = firing
	if !p.readOnly {
		p.deliver(ctx, changed, firing)
		if p.cfg.Store != nil {
			if err := p.cfg.Store.SaveFiring(ctx, firing); err != nil {
				p.log.Warn("slo firing alerts not saved", "error", err)
			}
		}
		if p.cfg.ReportPath != "" {
			if err := writeReport(p.cfg.ReportPath, rep); err != nil {
				p.log.Warn("slo report not written", "path", p.cfg.ReportPath, "error", err)
			}
		}
		p.ticks.Add(ctx, 1)
		p.compact(ctx, now)
	}
	p.mu.Lock()
	p.report, p.hasReport = rep, true
	p.mu.Unlock()
	attrs := []slog.Attr{
		slog.String("overall_status", string(rep.OverallStatus)),
		slog.Duration("duration", time.Since(began)),
		slog.Int("slos", len(rep.SLOs)),
		slog.Int("breaches", len(rep.Breaches)),
		slog.Int("firing", len(rep.Firing)),
		slog.Int("changed", len(changed)),
	}
	level := slog.LevelInfo
	if rep.Error != "" {
		attrs = append(attrs, slog.String("error", rep.Error))
		level = slog.LevelWarn
	}
	p.log.LogAttrs(ctx, level, "slo evaluation", attrs...)
	return rep, nil
}

// computeSLOs evaluates every SLO at now from the windows of the source.
func (p *Processor) computeSLOs(ctx context.Context, now time.Time) ([]SLOReport, error) {
	type latKey struct {
		routes string
		window time.Duration
	}
	latencies := map[latKey]Histogram{}
	out := make([]SLOReport, 0, len(p.cfg.Spec.SLOs))
	multi, _ := p.cfg.Windows.(MultiWindowReader)
	for _, s := range p.cfg.Spec.SLOs {
		windows := ReportWindows(s.Window)
		counts := make(map[time.Duration]Counts, len(windows))
		if multi != nil {
			cs, err := multi.CountsWindows(ctx, s, now, windows)
			if err != nil {
				return nil, fmt.Errorf("SLO %s: %w", s.Name, err)
			}
			for i, w := range windows {
				counts[w] = cs[i]
			}
		} else {
			for _, w := range windows {
				c, err := p.cfg.Windows.Counts(ctx, s, now.Add(-w), now)
				if err != nil {
					return nil, fmt.Errorf("SLO %s, window %s: %w", s.Name, WindowName(w), err)
				}
				counts[w] = c
			}
		}
		r := Evaluate(s, now, counts)
		if s.SLI.Kind == KindLatency && p.cfg.Latency != nil && !r.NoData {
			// the histograms are kept by route only: a method filter does
			// not narrow the actual latency, only the counts.
			k := latKey{strings.Join(s.SLI.Routes, "\x00"), s.Window}
			h, ok := latencies[k]
			if !ok {
				var err error
				if h, err = p.cfg.Latency.Latency(ctx, s.SLI.Routes, now.Add(-s.Window), now); err != nil {
					return nil, fmt.Errorf("SLO %s, latency: %w", s.Name, err)
				}
				latencies[k] = h
			}
			if h.Count > 0 {
				ms := h.Quantile(s.Objective) * 1000
				r.ActualMS = &ms
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// unknownReport is the report of an evaluation whose source failed: the
// figures of the last good evaluation, statuses UNKNOWN, Error set.
func (p *Processor) unknownReport(now time.Time, err error) Report {
	slos := make([]SLOReport, 0, len(p.cfg.Spec.SLOs))
	for _, s := range p.cfg.Spec.SLOs {
		r, ok := p.lastGood[s.Name]
		if !ok {
			r = Evaluate(s, now, nil)
			r.NoData = false
		}
		r.Status = StatusUnknown
		slos = append(slos, r)
	}
	rep := NewReport(p.cfg.Spec, now, slos)
	rep.Error = err.Error()
	return rep
}

// deliver sends the alerts to every sink; a failing sink is logged.
func (p *Processor) deliver(ctx context.Context, changed, firing []Alert) {
	for i, s := range p.cfg.Sinks {
		if err := s.Send(ctx, changed, firing); err != nil {
			p.log.Warn("slo alert sink failed", "sink", i, "type", fmt.Sprintf("%T", s), "error", err)
		}
	}
}

// retention is how much history the SLOs need: the longest window and a
// day to spare, and never less than the store's fine retention.
func (p *Processor) retention() time.Duration {
	keep := FineRetention
	for _, s := range p.cfg.Spec.SLOs {
		keep = max(keep, s.Window+Day)
	}
	return keep
}

// compact compacts the store once a day (and after the clock went back).
func (p *Processor) compact(ctx context.Context, now time.Time) {
	if p.cfg.Store == nil || p.cfg.Source == nil {
		return
	}
	if !p.lastCompact.IsZero() && now.Sub(p.lastCompact) < Day && !now.Before(p.lastCompact) {
		return
	}
	if err := p.cfg.Store.Compact(ctx, now, p.retention()); err != nil {
		p.log.Warn("slo store not compacted", "error", err)
		return
	}
	p.lastCompact = now
}

// Report returns the latest report, and false before the first evaluation.
func (p *Processor) Report() (Report, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.report, p.hasReport
}

// Latency summarises the request durations of route ("" for every route)
// over the window ending now: p50, p95 and p99 from the stored histograms
// (within one bucket, 0.54%, of the exact nearest-rank value), and the
// last 60 requests from Config.Recent.
func (p *Processor) Latency(ctx context.Context, window time.Duration, route string) (LatencySummary, error) {
	longest := time.Duration(0)
	for _, s := range p.cfg.Spec.SLOs {
		longest = max(longest, s.Window)
	}
	switch {
	case window < time.Minute:
		return LatencySummary{}, fmt.Errorf("latency window %s is shorter than a minute, the sample interval", WindowName(window))
	case window > longest:
		return LatencySummary{}, fmt.Errorf("latency window %s is longer than the longest SLO window (%s), the history kept", WindowName(window), WindowName(longest))
	case p.cfg.Latency == nil:
		return LatencySummary{}, errors.New("no latency source: the processor has no Store and no Latency reader")
	}
	var routes []string
	if route != "" {
		routes = []string{route}
	}
	now := p.now()
	h, err := p.cfg.Latency.Latency(ctx, routes, now.Add(-window), now)
	if err != nil {
		return LatencySummary{}, fmt.Errorf("latency over %s: %w", WindowName(window), err)
	}
	out := LatencySummary{Window: WindowName(window), Route: route, Count: h.Count, Recent60: []float64{}}
	if h.Count > 0 {
		q := func(q float64) *float64 { v := h.Quantile(q) * 1000; return &v }
		out.P50MS, out.P95MS, out.P99MS = q(0.5), q(0.95), q(0.99)
	}
	if p.cfg.Recent != nil {
		r := p.cfg.Recent(route)
		out.Recent60 = slices.Clone(r[max(0, len(r)-60):])
	}
	return out, nil
}

// EvaluateStore evaluates spec at now from what store holds, without
// changing it: no sample is collected, no alert sent or saved, no file
// written. It is `sloguard check` beside a running `sloguard serve`. The
// alerts firing in the store are carried into the report. A store that
// cannot be read gives the report (statuses UNKNOWN) and an error.
func EvaluateStore(ctx context.Context, spec Spec, store Store, now time.Time) (Report, error) {
	p, err := NewProcessor(Config{Spec: spec, Store: store, Clock: fixedClock{now}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return Report{}, err
	}
	p.readOnly = true
	rep, err := p.evaluate(ctx)
	if err != nil {
		return rep, err
	}
	if rep.Error != "" {
		return rep, errors.New(rep.Error)
	}
	return rep, nil
}

// fixedClock is a clock stopped at one instant; its tickers never tick.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                 { return c.t }
func (c fixedClock) NewTicker(time.Duration) Ticker { return stoppedTicker{} }

type stoppedTicker struct{}

func (stoppedTicker) C() <-chan time.Time { return nil }
func (stoppedTicker) Stop()               {}

// writeReport writes r as indented JSON to path atomically: a reader sees
// the previous report or this one, never a part.
func writeReport(path string, r Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), 0o644)
}
