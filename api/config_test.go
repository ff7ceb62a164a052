package api

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	engine := newTestEngine(true)
	tests := []struct {
		name  string
		cfg   Config
		wants []string // substrings of the error; none for a valid config
	}{
		{name: "an engine and a key are enough", cfg: Config{Engine: engine, Key: []byte(testKey)}},
		{name: "a config without an engine is refused", cfg: Config{Key: []byte(testKey)}, wants: []string{"Config.Engine is nil"}},
		{name: "a config without a key is refused", cfg: Config{Engine: engine}, wants: []string{"Config.Key is empty"}},
		{name: "every problem is reported at once", cfg: Config{MaxWindow: 30 * time.Second, AuthFailures: RateLimit{Failures: -1, Per: -time.Second, MaxClients: -5}},
			wants: []string{"Config.Engine", "Config.Key", "Config.MaxWindow is 30s: it must be at least 1m",
				"Config.AuthFailures.Failures is -1", "Config.AuthFailures.Per is -1s", "Config.AuthFailures.MaxClients is -5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			_, newErr := New(tt.cfg)
			if len(tt.wants) == 0 {
				if err != nil || newErr != nil {
					t.Fatalf("Validate() = %v, New() = %v, want no error", err, newErr)
				}
				return
			}
			if err == nil || newErr == nil {
				t.Fatalf("Validate() = %v, New() = %v, want errors", err, newErr)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.MaxWindow != 30*24*time.Hour || c.AuthFailures.Failures != 10 || c.AuthFailures.Per != time.Minute ||
		c.AuthFailures.MaxClients != 10000 || c.Logger == nil || c.ClientAddress == nil {
		t.Errorf("defaults = %+v", c)
	}
}
