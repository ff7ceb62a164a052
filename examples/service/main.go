// Command service is a gorilla/mux service with sloguard's whole pipeline:
// traces in logs/http_traces.ndjson, metrics at /metrics, the SLOs of
// slos.yaml evaluated into logs/slo_report.json, and the dashboard at
// /dashboard. Run it from this directory:
//
//	DASHBOARD_KEY=change-me-to-something-long go run . --addr 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorilla/mux"

	"github.com/sloguard/sloguard"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr string) error {
	sg, err := sloguard.New(ctx,
		sloguard.WithSpecFile("slos.yaml"), // the SLOs: see docs/SLOS.md
		sloguard.WithDashboardKey([]byte(os.Getenv("DASHBOARD_KEY"))),
	)
	if err != nil {
		return err
	}
	r := mux.NewRouter()
	r.HandleFunc("/api/orders/{id}", getOrder).Methods(http.MethodGet)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return errors.Join(err, sg.Shutdown(context.Background()))
	}
	srv := &http.Server{Handler: sg.Handler(r), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	log.Printf("listening on http://%s (dashboard at /dashboard, metrics at /metrics)", ln.Addr())

	<-ctx.Done()
	// Stop taking requests first, then the pipeline: the last SLO
	// evaluation, the alert sinks, the store, the last spans.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), sg.Shutdown(sctx))
}

func getOrder(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "{\"id\": %q}\n", mux.Vars(r)["id"])
}
