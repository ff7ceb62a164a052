package slo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sloguard/sloguard/exporters"
	"github.com/sloguard/sloguard/internal/atomicfile"
)

// Evaluate evaluates every SLO now, and does everything an evaluation tick
// does (alerts, sinks, report file, log line). It returns an error only
// when no report could be made (ctx ended, processor shut down); a source
// that fails gives a report with Error set.
func (p *Processor) Evaluate(ctx context.Context) (Report, error) {
	if p.isStopped() {
		return Report{}, exporters.ErrClosed
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
	pending, lastEnd, srcErr, storeErr := p.sampleState()
	var slos []SLOReport
	if srcErr == nil {
		slos, srcErr = p.computeSLOs(ctx, now, pending)
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
	if storeErr != nil {
		rep.StoreError = storeErr.Error()
	}
	p.stampDataAge(ctx, &rep, lastEnd)
	// calendar SLOs alert on the windows of the period that holds now.
	changed, firing := p.alerter.Update(p.cfg.Spec.At(now), rep)
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
	if rep.StoreError != "" {
		attrs = append(attrs, slog.String("store_error", rep.StoreError))
		level = slog.LevelWarn
	}
	p.log.LogAttrs(ctx, level, "slo evaluation", attrs...)
	return rep, nil
}

// stampDataAge sets the report's last sample and data age: the end of the
// last sample collected (stored or pending) with a Source, that of the last
// one stored when evaluating a Store alone, unknown otherwise.
func (p *Processor) stampDataAge(ctx context.Context, rep *Report, lastEnd time.Time) {
	if p.cfg.Source == nil && p.cfg.Store != nil {
		if last, err := p.cfg.Store.LastEnd(ctx); err == nil {
			lastEnd = last
		}
	}
	if lastEnd.IsZero() {
		return
	}
	age := max(rep.TS.Sub(lastEnd), 0).Seconds()
	rep.LastSampleTS, rep.DataAgeSeconds = &lastEnd, &age
}

// computeSLOs evaluates every SLO at now from the windows of the source,
// and the samples not yet written to the store (pending).
func (p *Processor) computeSLOs(ctx context.Context, now time.Time, pending []Sample) ([]SLOReport, error) {
	type latKey struct {
		routes string
		window time.Duration
	}
	latencies := map[latKey]Histogram{}
	out := make([]SLOReport, 0, len(p.cfg.Spec.SLOs))
	for _, s := range p.cfg.Spec.SLOs {
		s, period, calendar := s.At(now)
		windows := ReportWindows(s.Window)
		// spans are how far back each window reaches: a calendar SLO's own
		// window reaches to the start of its period only, where its budget
		// restarted.
		spans := slices.Clone(windows)
		sloSpan := s.Window
		if calendar {
			sloSpan = max(now.Sub(period.Start), 0)
			spans[len(spans)-1] = sloSpan
		}
		cs, err := countsWindows(ctx, p.cfg.Windows, s, now, spans)
		if err != nil {
			return nil, fmt.Errorf("SLO %s: %w", s.Name, err)
		}
		counts := make(map[time.Duration]Counts, len(windows))
		for i, w := range windows {
			c := cs[i]
			for _, ps := range pending {
				if inWindow(ps.End, now, spans[i]) {
					c = c.Add(ps.Counts[s.Name])
				}
			}
			counts[w] = c
		}
		r := Evaluate(s, now, counts)
		if s.SLI.Kind == KindLatency && p.cfg.Latency != nil && !r.NoData {
			// the histograms are kept by route only: a method filter does
			// not narrow the actual latency, only the counts.
			k := latKey{strings.Join(s.SLI.Routes, "\x00"), sloSpan}
			h, ok := latencies[k]
			if !ok {
				var err error
				if h, err = p.cfg.Latency.Latency(ctx, s.SLI.Routes, now.Add(-sloSpan), now); err != nil {
					return nil, fmt.Errorf("SLO %s, latency: %w", s.Name, err)
				}
				mergePendingLatency(&h, pending, s.SLI.Routes, now, sloSpan)
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

// inWindow reports whether a sample ending at end is in the window of
// length w ending at now: (now-w, now].
func inWindow(end, now time.Time, w time.Duration) bool {
	return end.After(now.Add(-w)) && !end.After(now)
}

// mergePendingLatency adds to h the durations of routes (every route when
// empty) in the pending samples of the window w ending at now.
func mergePendingLatency(h *Histogram, pending []Sample, routes []string, now time.Time, w time.Duration) {
	for _, ps := range pending {
		if !inWindow(ps.End, now, w) {
			continue
		}
		for route, ph := range ps.Latency {
			if len(routes) == 0 || slices.Contains(routes, route) {
				h.Merge(ph)
			}
		}
	}
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
// day to spare, and never less than the store's fine retention. A calendar
// SLO's Window is its longest period (31d for a month), so a period is
// kept whole until it ends.
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

// LongestWindow is the longest SLO window: the history the processor keeps
// and the longest latency window it answers (api takes its MaxWindow from
// it).
func (p *Processor) LongestWindow() time.Duration {
	var longest time.Duration
	for _, s := range p.cfg.Spec.SLOs {
		longest = max(longest, s.Window)
	}
	return longest
}

// Latency summarises the request durations of route ("" for every route)
// over the window ending now: p50, p95 and p99 from the stored histograms
// (within one bucket, 0.54%, of the exact nearest-rank value), and the
// last 60 requests from Config.Recent. A Windows that is a
// LatencySummarizer answers the count and percentiles instead.
func (p *Processor) Latency(ctx context.Context, window time.Duration, route string) (LatencySummary, error) {
	longest := p.LongestWindow()
	switch {
	case window < time.Minute:
		return LatencySummary{}, fmt.Errorf("latency window %s is shorter than a minute, the sample interval", WindowName(window))
	case window > longest:
		return LatencySummary{}, fmt.Errorf("latency window %s is longer than the longest SLO window (%s), the history kept", WindowName(window), WindowName(longest))
	}
	var routes []string
	if route != "" {
		routes = []string{route}
	}
	now := p.now()
	if ls, ok := p.cfg.Windows.(LatencySummarizer); ok {
		out, err := ls.LatencySummary(ctx, routes, now.Add(-window), now)
		if err != nil {
			return LatencySummary{}, fmt.Errorf("latency over %s: %w", WindowName(window), err)
		}
		out.Window, out.Route, out.Recent60 = WindowName(window), route, p.recent60(route)
		return out, nil
	}
	if p.cfg.Latency == nil {
		return LatencySummary{}, errors.New("no latency source: the processor has no Store and no Latency reader")
	}
	h, err := p.cfg.Latency.Latency(ctx, routes, now.Add(-window), now)
	if err != nil {
		return LatencySummary{}, fmt.Errorf("latency over %s: %w", WindowName(window), err)
	}
	out := LatencySummary{Window: WindowName(window), Route: route, Count: h.Count}
	if h.Count > 0 {
		q := func(q float64) *float64 { v := h.Quantile(q) * 1000; return &v }
		out.P50MS, out.P95MS, out.P99MS = q(0.5), q(0.95), q(0.99)
	}
	out.Recent60 = p.recent60(route)
	return out, nil
}

// recent60 is the last 60 request durations of route from Config.Recent,
// never nil.
func (p *Processor) recent60(route string) []float64 {
	if p.cfg.Recent == nil {
		return []float64{}
	}
	r := p.cfg.Recent(route)
	return slices.Clone(r[max(0, len(r)-60):])
}

// LatencySummarizer is a WindowReader that answers latency summaries
// itself, Count and percentiles, over (from, to]: a source whose
// histograms are no Histogram (Prometheus' classic buckets). When
// Config.Windows is one, Processor.Latency asks it instead of Latency.
type LatencySummarizer interface {
	LatencySummary(ctx context.Context, routes []string, from, to time.Time) (LatencySummary, error)
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

// writeReport writes r as indented JSON to path atomically: a reader sees
// the previous report or this one, never a part.
func writeReport(path string, r Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), 0o644)
}
