package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sloguard/sloguard/exporters/webhook"
	"github.com/sloguard/sloguard/slo"
)

func Example() {
	// A stand-in for the receiving service.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body webhook.Payload
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Println("authorized:", r.Header.Get("Authorization") == "Bearer token-from-a-secret-store")
		fmt.Println("version:", body.Version)
		for _, a := range body.Changed {
			fmt.Printf("changed: %s %s for SLO %s\n", a.Name, a.State, a.SLO)
		}
		fmt.Println("still firing:", len(body.Firing))
	}))
	defer hook.Close()

	sink, err := webhook.New(
		webhook.WithURL(hook.URL+"/alerts"),
		webhook.WithHeader("Authorization", "Bearer token-from-a-secret-store"),
	)
	if err != nil {
		log.Fatal(err)
	}
	breach := slo.Alert{
		TS: time.Now(), Event: slo.AlertEvent, State: slo.StateFiring,
		Name: slo.AlertBreach, SLO: "availability", Service: "checkout", Severity: "critical",
		Summary: "SLO availability of checkout is at 99.2% over the last 30d, target 99.9%",
	}
	// Send only queues; the post happens in the background.
	if err := sink.Send(context.Background(), []slo.Alert{breach}, []slo.Alert{breach}); err != nil {
		log.Fatal(err)
	}
	// Shutdown delivers what is queued before it returns.
	if err := sink.Shutdown(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// authorized: true
	// version: 1
	// changed: SLOBreach firing for SLO availability
	// still firing: 1
}
