package sloguard_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/sloguard"
)

func writeSpec(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slos.yaml")
	if err := os.WriteFile(path, []byte("version: sloguard/v1\nservice: shop\nslos:\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCalendarWindowsReadAndExportBack(t *testing.T) {
	path := writeSpec(t, `  - name: monthly
    objective: 99.9
    calendar: {period: month, time_zone: America/New_York, start: "2022-01-15 06:00:00"}
    sli: {availability: {}}
`)
	sp, err := loadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := sp.SLOs[0].Calendar
	ny, _ := time.LoadLocation("America/New_York")
	if c == nil || c.Unit != slo.CalendarMonth || c.TimeZone() != "America/New_York" || !c.Start.Equal(time.Date(2022, 1, 15, 6, 0, 0, 0, ny)) || sp.SLOs[0].Window != 31*slo.Day {
		t.Fatalf("calendar = %+v, window %s; want a month from the 15th at 06:00 New York, window 31d", c, slo.WindowName(sp.SLOs[0].Window))
	}
	out, err := sloguard.Export(sp)
	if err != nil {
		t.Fatal(err)
	}
	again, err := loadFile(writeSpec(t, string(out)[strings.Index(string(out), "slos:\n")+len("slos:\n"):]))
	if err != nil {
		t.Fatalf("export does not read back: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(sp.SLOs, again.SLOs) {
		t.Errorf("read back differs:\n%+v\n%+v\n%s", sp.SLOs, again.SLOs, out)
	}
}

func TestCalendarWindowProblemsNameTheirLineAndField(t *testing.T) {
	tests := []struct{ name, calendar, want string }{
		{"a time zone that does not exist", `{period: week, time_zone: Europe/Atlantis}`, `slos.yaml:6: slos[0].calendar.time_zone: "Europe/Atlantis" is not a time zone`},
		{"a period sloguard does not know", `{period: fortnight}`, `slos.yaml:6: slos[0].calendar.period: "fortnight" is not a calendar period`},
		{"a start that is no time", `{period: month, start: "the 15th"}`, `slos.yaml:6: slos[0].calendar.start: "the 15th" is not a start time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadFile(writeSpec(t, "  - name: a\n    objective: 99\n    calendar: "+tt.calendar+"\n    sli: {availability: {}}\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
