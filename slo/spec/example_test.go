package spec_test

import (
	"fmt"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec"
)

func ExampleParse() {
	s, err := spec.Parse("slos.yaml", []byte(`
version: sloguard/v1
service: checkout
slos:
  - name: availability
    objective: 99.9
    sli:
      availability: {routes: ["/api/items/{id}"]}
  - name: latency_p95
    objective: 95
    window: 7d
    sli:
      latency: {threshold: 400ms}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range s.SLOs {
		fmt.Printf("%s: %s, objective %v over %s, min_events %v\n", s.Name, s.SLI.Kind, s.Objective, slo.WindowName(s.Window), s.MinEvents)
	}

	// Every problem is reported, each with its line.
	_, err = spec.Parse("slos.yaml", []byte(`
version: sloguard/v1
service: checkout
slos:
  - name: availability
    objective: 100
    window: 1M
    sli:
      latency: {threshold: 350ms}
`))
	fmt.Println(err)
	// Output:
	// availability: availability, objective 0.999 over 30d, min_events 100
	// latency_p95: latency, objective 0.95 over 7d, min_events 100
	// slos.yaml:6: slos[0].objective: 100 is not a percent between 0 and 100 (both excluded)
	// slos.yaml:7: slos[0].window: invalid duration "1M": calendar unit "M" is not supported; windows are rolling, so write days or weeks (30d, 4w, 90d)
	// slos.yaml:9: slos[0].sli.latency.threshold: 350ms is not a bucket boundary of the request duration histogram, so requests within it cannot be counted; boundaries: 5ms 10ms 25ms 50ms 100ms 200ms 250ms 300ms 400ms 500ms 750ms 1s 2.5s 5s 10s
}
