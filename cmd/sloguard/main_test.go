package main

import "testing"

func TestServeGCDefaultsOnlyWhenTheOperatorChoseNone(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name        string
		vars        map[string]string
		available   uint64
		wantOK      bool
		wantPercent int
		wantLimit   int64
	}{
		{"no setting and known memory: GOGC 400 under half the memory", nil, 8 << 30, true, 400, 4 << 30},
		{"no setting and unknown memory: GOGC 400 without a limit", nil, 0, true, 400, 0},
		{"GOGC set: the runtime's own behaviour", map[string]string{"GOGC": "100"}, 8 << 30, false, 0, 0},
		{"GOMEMLIMIT set: the runtime's own behaviour", map[string]string{"GOMEMLIMIT": "1GiB"}, 8 << 30, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			percent, limit, ok := serveGC(env(tt.vars), tt.available)
			if ok != tt.wantOK || percent != tt.wantPercent || limit != tt.wantLimit {
				t.Fatalf("serveGC = %d, %d, %v; want %d, %d, %v", percent, limit, ok, tt.wantPercent, tt.wantLimit, tt.wantOK)
			}
		})
	}
}

func TestAvailableMemoryIsPlausible(t *testing.T) {
	m := availableMemory()
	if m != 0 && m < 64<<20 {
		t.Fatalf("availableMemory() = %d bytes: below 64 MiB, not a machine that runs these tests", m)
	}
}
