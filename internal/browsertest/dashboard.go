package browsertest

import (
	"context"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
)

// What the dashboard page shows, read back for tests that compare it with
// the API, and the page's number formats written out from its rules.

// Field is one figure the page shows: its text and the raw value it keeps
// in data-value (nil when it keeps none).
type Field struct {
	Text  string  `json:"text"`
	Value *string `json:"value"`
}

// Raw is the raw value; the test fails when the page keeps none.
func (f Field) Raw(t *testing.T, what string) string {
	t.Helper()
	if f.Value == nil {
		t.Fatalf("%s: the page holds no value (shows %q)", what, f.Text)
	}
	return *f.Value
}

// Number is the raw value as a number.
func (f Field) Number(t *testing.T, what string) float64 {
	t.Helper()
	raw := f.Raw(t, what)
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("%s: the page holds %q: %v", what, raw, err)
	}
	return v
}

// ReadField reads the figure of the element with the given id.
func ReadField(t *testing.T, ctx context.Context, id string) Field {
	t.Helper()
	return Eval[Field](t, ctx, `(() => { const n = document.getElementById(`+strconv.Quote(id)+`); return {text: n.textContent, value: n.dataset.value ?? null}; })()`)
}

// SLOCard is what the page shows of one SLO.
type SLOCard struct {
	Status     Field `json:"status"`
	Budget     Field `json:"budget"`     // budget remaining
	Events     Field `json:"events"`     // bad / total
	BurnPerDay Field `json:"burnPerDay"` // budget burned in 24h
	Hours      Field `json:"hours"`      // hours to exhaustion
	At         Field `json:"at"`         // exhaustion time
	// Rates are the burn rates by window, Order the windows as listed, and
	// WindowEvents the "bad / total" of each window.
	Rates        map[string]Field  `json:"rates"`
	Order        []string          `json:"order"`
	WindowEvents map[string]string `json:"windowEvents"`
}

// ReadSLOs reads every SLO card, by SLO name.
func ReadSLOs(t *testing.T, ctx context.Context) map[string]SLOCard {
	t.Helper()
	return Eval[map[string]SLOCard](t, ctx, `(() => {
  const v = (n) => n ? {text: n.textContent, value: n.dataset.value ?? null} : null;
  const out = {};
  for (const a of document.querySelectorAll('#slos [data-slo]')) {
    const f = (name) => v(a.querySelector('[data-field="' + name + '"]'));
    const rates = {}, order = [], windowEvents = {};
    for (const tr of a.querySelectorAll('tr[data-window]')) {
      rates[tr.dataset.window] = v(tr.querySelector('[data-field="burn-rate"]'));
      windowEvents[tr.dataset.window] = tr.querySelector('[data-field="window-events"]').textContent;
      order.push(tr.dataset.window);
    }
    out[a.dataset.slo] = {status: f('status'), budget: f('budget-remaining'), events: f('events'),
      burnPerDay: f('burn-per-day'), hours: f('hours-to-exhaustion'), at: f('exhaustion-at'),
      rates, order, windowEvents};
  }
  return out;
})()`)
}

// Fixed formats v as JavaScript's toFixed does: from the exact value of the
// double, ties rounded away from zero (strconv rounds ties to even).
func Fixed(v float64, digits int) string {
	neg := v < 0
	r := new(big.Rat).SetFloat64(math.Abs(v))
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	r.Mul(r, new(big.Rat).SetInt(scale))
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom()).String()
	if len(n) <= digits {
		n = strings.Repeat("0", digits-len(n)+1) + n
	}
	s := n
	if digits > 0 {
		s = n[:len(n)-digits] + "." + n[len(n)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// MS formats a duration in milliseconds as the page does: milliseconds
// below 1s, seconds above.
func MS(v float64) string {
	switch {
	case v < 10:
		return Fixed(v, 2) + " ms"
	case v < 1000:
		return Fixed(v, 1) + " ms"
	default:
		return Fixed(v/1000, 2) + " s"
	}
}

// Count formats an event count with its thousands grouped: whole, or with
// one decimal when a Prometheus source extrapolated it.
func Count(v float64) string {
	whole, frac, _ := strings.Cut(Fixed(v, 1), ".")
	if v == math.Trunc(v) {
		whole, frac = Fixed(v, 0), ""
	}
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// Hours formats the time to budget exhaustion.
func Hours(b slo.Budget) string {
	switch {
	case b.Exhausted:
		return "exhausted"
	case b.HoursToExhaustion == nil:
		return "not within the window"
	case *b.HoursToExhaustion < 48:
		return Fixed(*b.HoursToExhaustion, 1) + " h"
	default:
		return Fixed(*b.HoursToExhaustion/24, 1) + " d"
	}
}
