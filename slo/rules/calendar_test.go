package rules_test

import (
	"strings"
	"testing"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/rules"
)

func TestGenerateRefusesEveryCalendarSLOByName(t *testing.T) {
	month := slo.SLO{Name: "monthly", Objective: 0.999, Window: 31 * slo.Day, MinEvents: 100,
		Calendar: &slo.Calendar{Unit: slo.CalendarMonth}, SLI: slo.SLI{Kind: slo.KindAvailability}}
	week := month
	week.Name, week.Window, week.Calendar = "weekly", 7*slo.Day, &slo.Calendar{Unit: slo.CalendarWeek}
	rolling := month
	rolling.Name, rolling.Window, rolling.Calendar = "rolling", 30*slo.Day, nil
	_, err := rules.Generate(slo.Spec{Version: slo.Version, Service: "shop", SLOs: []slo.SLO{month, rolling, week}})
	if err == nil {
		t.Fatal("Generate accepted calendar SLOs")
	}
	msg := err.Error()
	for _, want := range []string{`slo "monthly"`, "calendar month", `slo "weekly"`, "calendar week", "a PromQL range is rolling"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, `slo "rolling"`) {
		t.Errorf("error names the rolling SLO, which the rules can write:\n%s", msg)
	}
	if _, err := rules.Generate(slo.Spec{Version: slo.Version, Service: "shop", SLOs: []slo.SLO{rolling}}); err != nil {
		t.Errorf("the rolling SLO alone: %v", err)
	}
}
