package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/sloguard/sloguard/slo/sqlite"
)

// openDataDir opens the SLO store in dataDir for writing. The store locks
// the directory: a second serve on it is refused (exit 2) with the pid of
// the one that writes it, as is a directory serve cannot write.
func openDataDir(dataDir string) (*sqlite.Store, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, usageErr("serve: --data-dir: %v", err)
	}
	st, err := sqlite.Open(filepath.Join(dataDir, storeFile))
	var perr *os.PathError
	switch {
	case err == nil:
		return st, nil
	case errors.Is(err, sqlite.ErrLocked), errors.As(err, &perr):
		return nil, usageErr("serve: --data-dir: %v", err)
	}
	return nil, err
}
