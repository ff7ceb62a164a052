package instrumentation_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/sloguard/sloguard/instrumentation"
)

func TestServiceNameDefaultsAsInEveryOTelSDK(t *testing.T) {
	tests := []struct {
		name string
		env  string // OTEL_SERVICE_NAME
		opts []instrumentation.Option
		want string
	}{
		{"without a name it is unknown_service and the executable's name", "", nil, "unknown_service:" + filepath.Base(os.Args[0])},
		{"WithServiceName names it", "", []instrumentation.Option{instrumentation.WithServiceName("checkout")}, "checkout"},
		{"OTEL_SERVICE_NAME overrides WithServiceName", "orders", []instrumentation.Option{instrumentation.WithServiceName("checkout")}, "orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_SERVICE_NAME", tt.env)
			p, err := instrumentation.New(context.Background(), append([]instrumentation.Option{
				instrumentation.WithoutRuntimeMetrics()}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
			got, _ := p.Resource.Set().Value(semconv.ServiceNameKey)
			if got.AsString() != tt.want {
				t.Errorf("service.name %q, want %q", got.AsString(), tt.want)
			}
		})
	}
}
