package api

import (
	"errors"
	"fmt"
)

// MinKeyLength is the shortest dashboard key accepted: 16 characters keep
// guessable keys out. The CLI applies the same rule through CheckKey.
const MinKeyLength = 16

// CheckKey reports why key cannot be a dashboard key, as a phrase to follow
// the key's name ("DASHBOARD_KEY is empty: ..."): empty (the endpoints
// are never open without one) or shorter than MinKeyLength. The error never
// contains the key.
func CheckKey(key []byte) error {
	switch {
	case len(key) == 0:
		return errors.New("is empty: set a dashboard key (the endpoints are never open without one)")
	case len(key) < MinKeyLength:
		return fmt.Errorf("is %d characters long; want at least %d", len(key), MinKeyLength)
	}
	return nil
}
