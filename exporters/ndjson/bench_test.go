package ndjson

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// benchBatch is the BatchSpanProcessor's default export batch size.
const benchBatch = 512

// benchExport exports b.N spans shaped like otelhttp server spans, in
// batches, to a file in a temporary directory (default rotation: 100 MiB,
// 5 backups), and reports spans per second. allocs/op is per span.
func benchExport(b *testing.B, appendSpan func(*encoder, []byte, sdktrace.ReadOnlySpan) []byte) {
	e, err := New(WithPath(filepath.Join(b.TempDir(), "http_traces.ndjson")))
	if err != nil {
		b.Fatal(err)
	}
	if appendSpan != nil {
		e.appendSpan = appendSpan
	}
	spans := httpSpans(0, benchBatch)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for done := 0; done < b.N; done += benchBatch {
		if err := e.ExportSpans(ctx, spans[:min(benchBatch, b.N-done)]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportRates(b, processCPU()-cpu)
	if err := e.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

// reportRates reports spans per second of wall time and, where the process's
// CPU time is known, per second of CPU time: on a busy machine the second is
// the one that says what a span costs.
func reportRates(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "spans/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "spans/cpu-s")
	}
}

func BenchmarkExport(b *testing.B) {
	benchExport(b, nil)
}

func BenchmarkExportEncodingJSON(b *testing.B) {
	benchExport(b, newReferenceEncoder().appendSpan)
}

// BenchmarkEncode measures the encoders alone, without the file.
func BenchmarkEncode(b *testing.B) {
	spans := httpSpans(0, benchBatch)
	run := func(b *testing.B, appendSpan func(*encoder, []byte, sdktrace.ReadOnlySpan) []byte) {
		var enc encoder
		var buf []byte
		b.ReportAllocs()
		cpu := processCPU()
		for i := 0; b.Loop(); i++ {
			buf = appendSpan(&enc, buf[:0], spans[i%benchBatch])
		}
		reportRates(b, processCPU()-cpu)
	}
	b.Run("hand", func(b *testing.B) { run(b, (*encoder).appendSpan) })
	b.Run("encoding_json", func(b *testing.B) { run(b, newReferenceEncoder().appendSpan) })
}
