package ndjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// line marshals a record the way any JSON writer would, independently of the
// exporter's encoder.
func line(t *testing.T, name string) string {
	t.Helper()
	b, err := json.Marshal(Record{
		TS:         time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
		Route:      "/r",
		Method:     "GET",
		Status:     200,
		DurationMS: 1.5,
		Path:       "/r",
		TraceID:    "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:     "00f067aa0ba902b7",
		Name:       name,
		Service:    "svc",
		SpanStatus: "unset",
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func TestRead(t *testing.T) {
	a, b, c := line(t, "a"), line(t, "b"), line(t, "c")
	long := line(t, strings.Repeat("x", 300<<10))
	tests := []struct {
		name      string
		input     string
		wantNames []string
		wantTorn  int    // bytes of the skipped last line, 0 if none
		wantErr   string // substring of the error, "" if none
	}{
		{"an empty input has no records", "", nil, 0, ""},
		{"whole lines are all read in order", a + b + c, []string{"a", "b", "c"}, 0, ""},
		{"a last line without its newline is skipped", a + b + c[:40], []string{"a", "b"}, 40, ""},
		{"a complete object without its newline is still torn", a + strings.TrimSuffix(b, "\n"), []string{"a"}, len(b) - 1, ""},
		{"an unparsable last line is skipped", a + b + "{\"ts\":\"2025\n", []string{"a", "b"}, len("{\"ts\":\"2025\n"), ""},
		{"an unparsable line in the middle is an error naming it", a + "{\"ts\":\n" + c, []string{"a"}, 0, "line 2:"},
		{"an empty line in the middle is an error", a + "\n" + c, []string{"a"}, 0, "line 2: empty line"},
		{"a line that is not an object is an error", a + "[1,2]\n" + c, []string{"a"}, 0, "line 2: not a JSON object"},
		{"a wrongly typed field is an error", a + `{"ts":"2025-01-02T03:04:05Z","status":"200"}` + "\n" + c, []string{"a"}, 0, "line 2:"},
		{"a line longer than the read buffer is read", a + long + c, []string{"a", strings.Repeat("x", 300<<10), "c"}, 0, ""},
		{"fields unknown to Record are ignored", `{"ts":"2025-01-02T03:04:05Z","name":"n","future":1}` + "\n", []string{"n"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			st, err := Read(strings.NewReader(tt.input), func(r Record) error {
				names = append(names, r.Name)
				return nil
			})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Read: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Read error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Join(names, ",") != strings.Join(tt.wantNames, ",") {
				t.Errorf("records %q, want %q", names, tt.wantNames)
			}
			if st.Records != len(tt.wantNames) {
				t.Errorf("stats say %d records, want %d", st.Records, len(tt.wantNames))
			}
			if st.TornLastLine != (tt.wantTorn > 0) || st.TornBytes != tt.wantTorn {
				t.Errorf("torn %v with %d bytes, want %d bytes", st.TornLastLine, st.TornBytes, tt.wantTorn)
			}
		})
	}
}

func TestReadStopsAtTheCallbacksError(t *testing.T) {
	stop := errors.New("enough")
	var n int
	_, err := Read(strings.NewReader(line(t, "a")+line(t, "b")+line(t, "c")), func(Record) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("Read = %v, want the callback's error at line 2", err)
	}
	if n != 2 {
		t.Fatalf("callback ran %d times, want 2", n)
	}
}

func TestReadDecodesEveryField(t *testing.T) {
	in := `{"ts":"2025-03-14T09:26:53.589793238Z","route":"/orders/{id}","method":"GET","status":503,` +
		`"duration_ms":12.345678,"path":"/orders/42","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",` +
		`"span_id":"00f067aa0ba902b7","parent_span_id":"53995c3f42cd8ad8","name":"GET /orders/{id}",` +
		`"service":"checkout","span_status":"error","error":"db down"}` + "\n"
	var got Record
	if _, err := Read(strings.NewReader(in), func(r Record) error { got = r; return nil }); err != nil {
		t.Fatal(err)
	}
	want := Record{
		TS:         time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC),
		Route:      "/orders/{id}",
		Method:     "GET",
		Status:     503,
		DurationMS: 12.345678,
		Path:       "/orders/42",
		TraceID:    "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", ParentSpanID: "53995c3f42cd8ad8",
		Name: "GET /orders/{id}", Service: "checkout", SpanStatus: "error", Error: "db down",
	}
	if !got.TS.Equal(want.TS) {
		t.Errorf("ts %v, want %v", got.TS, want.TS)
	}
	got.TS = want.TS
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
