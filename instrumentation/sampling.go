package instrumentation

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Head sampling is decided before otelhttp runs, not inside it.
//
// otelhttp does all of its work for every request, sampled or not: it
// computes the span's start attributes, wraps the response writer, starts a
// (non-recording) span, builds the metric attribute set. With 10% head
// sampling, nine requests in ten pay nearly what a traced one pays for a
// span nobody keeps. So the handler asks the sampler first, with what the
// SDK would give it (the parent context, a fresh trace ID, the span's start
// name and kind), and only a request to be recorded goes through otelhttp;
// the others take a short path that still carries a span context (for
// propagation and log correlation) and records the same metrics.
//
// For a recorded request, the SDK then asks again while otelhttp starts the
// span: idGenerator hands it the IDs chosen here and headSampler the
// decision taken here, so the span has exactly the trace ID that was
// sampled, and the sampler is consulted once per request even when it is
// not deterministic. Outside a request's first span both delegate.
//
// The one difference from sampling inside the span start: the sampler sees
// no start attributes (otelhttp's url.path, user_agent.original, ...). The
// SDK's samplers, and every OTEL_TRACES_SAMPLER value, do not read them.

// decide takes the sampling decision for the request whose state is st and
// records it there. It reports whether the request is to be recorded (and so
// go through otelhttp).
//
// With WithPublicEndpoint the caller's span context is hidden from the
// sampler: the request is sampled as the root of a new trace, as otelhttp
// then starts it, and a client's sampled flag decides nothing.
func (p *Providers) decide(st *requestState, method string) bool {
	var parent context.Context = st
	psc := trace.SpanContextFromContext(st.Context)
	if p.cfg.publicEndpoint && psc.IsValid() {
		psc = trace.SpanContext{}
		parent = trace.ContextWithSpanContext(st, psc)
	}
	tid := psc.TraceID()
	if !tid.IsValid() {
		tid = newTraceID()
	}
	sid := newSpanID()
	res := p.sampler.ShouldSample(sdktrace.SamplingParameters{
		ParentContext: parent,
		TraceID:       tid,
		Name:          spanMethod(method),
		Kind:          trace.SpanKindServer,
	})
	flags := psc.TraceFlags() &^ trace.FlagsSampled
	if res.Decision == sdktrace.RecordAndSample {
		flags |= trace.FlagsSampled
	}
	st.sc = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, TraceState: res.Tracestate})
	if res.Decision == sdktrace.Drop {
		st.phase = phaseUnsampled
		st.tp = p.TracerProvider
		return false
	}
	st.result = res
	st.phase = phasePending
	return true
}

// headSampler is the tracer provider's sampler: it returns the decision
// decide took for a request's first span, and asks Sampler for every other.
type headSampler struct {
	sdktrace.Sampler
}

func (s headSampler) ShouldSample(params sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if st := stateFrom(params.ParentContext); st != nil && st.phase == phasePending && params.TraceID == st.sc.TraceID() {
		// The SDK starts the request's span on the request's goroutine
		// before the handler can start any other, so nothing else reads
		// the phase yet.
		st.phase = phaseStarted
		return st.result
	}
	return s.Sampler.ShouldSample(params)
}

// idGenerator is the tracer provider's ID generator: random IDs, as the
// SDK's default, except for a request's first span, which gets the IDs
// decide sampled.
type idGenerator struct{}

var _ sdktrace.IDGenerator = idGenerator{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if st := stateFrom(ctx); st != nil && st.phase == phasePending {
		return st.sc.TraceID(), st.sc.SpanID()
	}
	return newTraceID(), newSpanID()
}

func (idGenerator) NewSpanID(ctx context.Context, tid trace.TraceID) trace.SpanID {
	if st := stateFrom(ctx); st != nil && st.phase == phasePending && tid == st.sc.TraceID() {
		return st.sc.SpanID()
	}
	return newSpanID()
}

func newTraceID() trace.TraceID {
	var tid trace.TraceID
	for !tid.IsValid() {
		binary.NativeEndian.PutUint64(tid[:8], rand.Uint64())
		binary.NativeEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid
}

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.NativeEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}

// unsampledSpan is the span of a request the sampler dropped: what the
// SDK's non-recording span is, without the allocations. It is the request's
// state seen as a span, so that the request needs no other object for it.
type unsampledSpan requestState

var _ trace.Span = (*unsampledSpan)(nil)

func (s *unsampledSpan) SpanContext() trace.SpanContext        { return s.sc }
func (s *unsampledSpan) TracerProvider() trace.TracerProvider  { return s.tp }
func (*unsampledSpan) IsRecording() bool                       { return false }
func (*unsampledSpan) End(...trace.SpanEndOption)              {}
func (*unsampledSpan) AddEvent(string, ...trace.EventOption)   {}
func (*unsampledSpan) AddLink(trace.Link)                      {}
func (*unsampledSpan) RecordError(error, ...trace.EventOption) {}
func (*unsampledSpan) SetStatus(codes.Code, string)            {}
func (*unsampledSpan) SetName(string)                          {}
func (*unsampledSpan) SetAttributes(...attribute.KeyValue)     {}

// Environment variables that choose the sampler, as in every OTel SDK.
const (
	envSampler    = "OTEL_TRACES_SAMPLER"
	envSamplerArg = "OTEL_TRACES_SAMPLER_ARG"
)

// SamplerFromEnv is the sampler OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG name, with the SDK's values and defaults (parent
// based, always on, when unset). Where the SDK reports a bad value to the
// global error handler and samples everything, this returns an error: a
// service asked to keep 1% of its traces should not quietly keep all.
func SamplerFromEnv() (sdktrace.Sampler, error) {
	name := strings.ToLower(strings.TrimSpace(os.Getenv(envSampler)))
	arg := strings.TrimSpace(os.Getenv(envSamplerArg))
	ratio := func() (sdktrace.Sampler, error) {
		if arg == "" {
			return sdktrace.TraceIDRatioBased(1), nil
		}
		v, err := strconv.ParseFloat(arg, 64)
		if err != nil || v < 0 || v > 1 {
			return nil, fmt.Errorf("%s=%q: want a sampling ratio from 0 to 1 (for %s=%s)", envSamplerArg, arg, envSampler, name)
		}
		return sdktrace.TraceIDRatioBased(v), nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio":
		return ratio()
	case "parentbased_traceidratio":
		s, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.ParentBased(s), nil
	}
	return nil, fmt.Errorf("%s=%q: not a sampler this SDK has (always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio)", envSampler, name)
}
