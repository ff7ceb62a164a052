package alertmanager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/sloguard/sloguard/exporters/alertmanager"
	"github.com/sloguard/sloguard/slo"
)

func Example() {
	// A stand-in for Alertmanager that prints the alerts it receives.
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var alerts []struct {
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		}
		if err := json.NewDecoder(r.Body).Decode(&alerts); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, a := range alerts {
			fmt.Println(r.Method, r.URL.Path)
			for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
				fmt.Printf("  %s=%s\n", k, a.Labels[k])
			}
			fmt.Println("  runbook:", a.Annotations["runbook"])
		}
	}))
	defer am.Close()

	sink, err := alertmanager.New(
		alertmanager.WithURL(am.URL), // e.g. http://alertmanager:9093
		alertmanager.WithRunbook("https://example.com/RUNBOOK.md"),
		alertmanager.WithResendInterval(time.Minute),
	)
	if err != nil {
		log.Fatal(err)
	}

	burn := 15.2
	page := slo.Alert{
		State: slo.StateFiring, Name: slo.AlertErrorBudgetBurn,
		SLO: "availability", Service: "checkout", Severity: "page",
		LongWindow: "1h", ShortWindow: "5m", BurnRate: &burn, Factor: 14.4,
		Labels:   map[string]string{"team": "payments"},
		StartsAt: time.Now(),
		Summary:  "SLO availability of checkout burns its error budget 15.2× too fast",
	}
	// The processor calls Send after every evaluation; it only queues.
	if err := sink.Send(context.Background(), []slo.Alert{page}, []slo.Alert{page}); err != nil {
		log.Fatal(err)
	}
	// Shutdown delivers what is queued before it returns.
	if err := sink.Shutdown(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// POST /api/v2/alerts
	//   alertname=SLOErrorBudgetBurn
	//   long_window=1h
	//   service=checkout
	//   severity=page
	//   short_window=5m
	//   slo=availability
	//   team=payments
	//   runbook: https://example.com/RUNBOOK.md#sloerrorbudgetburn
}
