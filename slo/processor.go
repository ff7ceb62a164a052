package slo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"go.opentelemetry.io/otel/metric"
)

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
// When the source fails, or the store cannot be read, the report says so
// (Error set, statuses UNKNOWN, the figures of the last good evaluation
// kept), alerts stay as they were and the next tick tries again. When the
// store cannot be written (a full disk), the unwritten samples are kept in
// memory (see MaxPending) and counted in every evaluation with what the
// store holds: statuses, alerts and the sinks that need no disk go on, and
// the report says so (StoreError).
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
		return exporters.ErrClosed
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
		return exporters.ErrClosed
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
			if err := p.ForceFlush(ctx); err != nil && ctx.Err() == nil {
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
// and writes the report. It returns when that is done or ctx ends. A later
// call returns nil, as every Shutdown of the module does (see package
// exporters).
func (p *Processor) Shutdown(ctx context.Context) error {
	var err error
	p.shutOnce.Do(func() { err = p.shutdown(ctx) })
	return err
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
			if err := p.ForceFlush(ctx); err != nil {
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

// ForceFlush collects a sample from the Source now and writes it, with any
// sample a failing Store left pending. Without a Source it does nothing.
// After Shutdown it returns exporters.ErrClosed; with ctx done, ctx.Err().
func (p *Processor) ForceFlush(ctx context.Context) error {
	if p.cfg.Source == nil {
		return nil
	}
	if p.isStopped() {
		return exporters.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
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

// sampleState is what an evaluation needs of the sampling side: the samples
// not written yet (copies), the end of the last sample, the error of the
// last collection and that of the last store write.
func (p *Processor) sampleState() (pending []Sample, lastEnd time.Time, collectErr, storeErr error) {
	p.sampleMu.Lock()
	defer p.sampleMu.Unlock()
	for _, s := range p.pending {
		pending = append(pending, s.Clone())
	}
	return pending, p.lastEnd, p.collectErr, p.storeErr
}
