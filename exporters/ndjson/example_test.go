package ndjson_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sloguard/sloguard/exporters/ndjson"
)

// A program writes its spans to logs/http_traces.ndjson by giving the
// exporter to its TracerProvider's batch processor; shutting the provider
// down at exit writes out the last spans and closes the file.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, ndjson.DefaultPath)

	exp, err := ndjson.New(ndjson.WithPath(path), ndjson.WithMaxSizeMB(50), ndjson.WithMaxBackups(3))
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "checkout"))),
	)

	// What otelhttp records for a request; a program's own spans go to the
	// same file.
	ctx, span := tp.Tracer("checkout").Start(context.Background(), "GET /orders/{id}",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("http.request.method", "GET"),
			attribute.String("http.route", "/orders/{id}"),
			attribute.String("url.path", "/orders/42"),
			attribute.String("url.query", "token=never-written"),
			attribute.Int("http.response.status_code", 200),
		))
	_, child := tp.Tracer("checkout").Start(ctx, "load order")
	child.End()
	span.End()

	if err := tp.Shutdown(context.Background()); err != nil {
		log.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	_, err = ndjson.Read(f, func(r ndjson.Record) error {
		fmt.Printf("%s service=%s route=%q method=%q status=%d path=%q root=%v\n",
			r.Name, r.Service, r.Route, r.Method, r.Status, r.Path, r.ParentSpanID == "")
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// load order service=checkout route="" method="" status=0 path="" root=false
	// GET /orders/{id} service=checkout route="/orders/{id}" method="GET" status=200 path="/orders/42" root=true
}
