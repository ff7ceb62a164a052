package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// storeFile is the SQLite store's name inside --data-dir.
const storeFile = "sloguard.db"

// dashKey is the key /api/observability/* requires, and where it came from
// (never the key itself: that string is safe to print and log).
type dashKey struct {
	value     []byte
	origin    string
	generated bool
}

// minKeyLen keeps guessable keys out: 16 characters at least.
const minKeyLen = 16

// loadDashKey reads the key from --dash-key-file, else $DASHBOARD_KEY, else
// makes a random one: the endpoints are never open by accident.
func loadDashKey(file string) (dashKey, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return dashKey{}, fmt.Errorf("--dash-key-file: %v", err)
		}
		k := strings.TrimSpace(string(b))
		if len(k) < minKeyLen {
			return dashKey{}, fmt.Errorf("--dash-key-file %s: the key is %d characters long; want at least %d", file, len(k), minKeyLen)
		}
		return dashKey{value: []byte(k), origin: "from " + file}, nil
	}
	if k, ok := os.LookupEnv("DASHBOARD_KEY"); ok {
		k = strings.TrimSpace(k)
		if len(k) < minKeyLen {
			return dashKey{}, fmt.Errorf("DASHBOARD_KEY is %d characters long; want at least %d", len(k), minKeyLen)
		}
		return dashKey{value: []byte(k), origin: "from $DASHBOARD_KEY"}, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return dashKey{}, fmt.Errorf("generating a dashboard key: %v", err)
	}
	return dashKey{value: []byte(hex.EncodeToString(b)), origin: "generated for this run (set DASHBOARD_KEY to choose one)", generated: true}, nil
}
