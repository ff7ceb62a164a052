package instrumentation

import sdktrace "go.opentelemetry.io/otel/sdk/trace"

// SamplerOf is the sampler p's handler consults, for tests.
func SamplerOf(p *Providers) sdktrace.Sampler { return p.sampler }
