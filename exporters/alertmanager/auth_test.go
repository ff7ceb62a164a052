package alertmanager

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/sloguard/sloguard/internal/delivery/deliverytest"
	"github.com/sloguard/sloguard/internal/proctest"
	"github.com/sloguard/sloguard/internal/testbin"
	"github.com/sloguard/sloguard/slo"
)

// writeWebConfig makes the Alertmanager behind path accept user sloguard
// with password only; Alertmanager reads the file again on every request.
func writeWebConfig(t *testing.T, path, password string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fmt.Appendf(nil, "basic_auth_users:\n  sloguard: %s\n", hash), 0o600); err != nil {
		t.Fatal(err)
	}
}

// An Alertmanager that answers 401 to every post (the password was
// changed) is logged once, not on every evaluation and resend; once it
// accepts the alerts again that is logged, and a new 401 after that is
// logged again. The password is in none of it.
func TestARejectedPasswordIsLoggedOnceUntilItChanges(t *testing.T) {
	webCfg := filepath.Join(t.TempDir(), "web.yml")
	writeWebConfig(t, webCfg, "the-new-password")
	port := proctest.FreePort(t)
	startAlertmanager(t, testbin.Path(t, "alertmanager"), port, http.StatusUnauthorized, "--web.config.file="+webCfg)

	meter := deliverytest.NewMeter(t)
	log := &deliverytest.Log{}
	s, err := New(WithURL(fmt.Sprintf("http://sloguard:the-old-password@127.0.0.1:%d", port)),
		WithResendInterval(50*time.Millisecond), WithMeterProvider(meter.Provider), WithLogger(log.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	firing, _ := burnAlert(t)
	for range 5 { // five evaluations
		if err := s.Send(context.Background(), []slo.Alert{firing}, []slo.Alert{firing}); err != nil {
			t.Fatal(err)
		}
	}
	failedAtLeast := func(n int64) func() bool {
		return func() bool { return meter.Counts(t, SinkName).Failed >= n }
	}
	proctest.WaitFor(t, 30*time.Second, "ten rejected posts", failedAtLeast(10))
	const rejected = "receiver rejected alerts: not retrying"
	if n := log.Count(rejected); n != 1 {
		t.Errorf("%d rejections logged after %d rejected posts, want 1:\n%s", n, meter.Counts(t, SinkName).Failed, log)
	}
	if !strings.Contains(log.String(), "401") {
		t.Errorf("the rejection logged does not say 401:\n%s", log)
	}

	// the operator puts the password the sink sends back in place.
	writeWebConfig(t, webCfg, "the-old-password")
	proctest.WaitFor(t, 30*time.Second, "a post accepted again", func() bool { return meter.Counts(t, SinkName).Sent >= 1 })
	proctest.WaitFor(t, 30*time.Second, "the recovery logged", func() bool { return log.Count("accepted again") == 1 })

	// and changes it again: a new outage, logged once more.
	writeWebConfig(t, webCfg, "the-newest-password")
	before := meter.Counts(t, SinkName).Failed
	proctest.WaitFor(t, 30*time.Second, "five more rejected posts", failedAtLeast(before+5))
	if n := log.Count(rejected); n != 2 {
		t.Errorf("%d rejections logged over two outages, want 2:\n%s", n, log)
	}
	if strings.Contains(log.String(), "password@") || strings.Contains(log.String(), "the-old-password") {
		t.Errorf("the password reached the log:\n%s", log)
	}
}
