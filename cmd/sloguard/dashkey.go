package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/sloguard/sloguard/api"
)

// storeFile is the SQLite store's name inside --data-dir.
const storeFile = "sloguard.db"

// dashKey is the key /api/observability/* requires, and where it came from
// (never the key itself: that string is safe to print and log). generated
// is true for a key serve made (and keeps in its data directory).
type dashKey struct {
	value     []byte
	origin    string
	generated bool
}

// loadDashKey reads the key from --dash-key-file, else $DASHBOARD_KEY; with
// neither it returns a key marked generated, to be kept by
// generatedDashKey (serve) or refused (check --server).
func loadDashKey(file string) (dashKey, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return dashKey{}, fmt.Errorf("--dash-key-file: %v", err)
		}
		k := strings.TrimSpace(string(b))
		if err := api.CheckKey([]byte(k)); err != nil {
			return dashKey{}, fmt.Errorf("--dash-key-file %s: the key %v", file, err)
		}
		return dashKey{value: []byte(k), origin: "from " + file}, nil
	}
	if k, ok := os.LookupEnv("DASHBOARD_KEY"); ok {
		k = strings.TrimSpace(k)
		if err := api.CheckKey([]byte(k)); err != nil {
			return dashKey{}, fmt.Errorf("DASHBOARD_KEY %v", err)
		}
		return dashKey{value: []byte(k), origin: "from $DASHBOARD_KEY"}, nil
	}
	return dashKey{generated: true}, nil
}

// dashKeyFile is where serve keeps the key it made, inside --data-dir.
const dashKeyFile = "dashboard.key"

// serveDashKey is the key of serve: --dash-key-file or $DASHBOARD_KEY, or
// else the key in dataDir/dashboard.key, made on the first start and read
// again on every later one. The key itself is never printed: an operator
// reads it from the file (mode 0600, readable by serve's user alone), and
// logs, which are kept and shipped, stay free of it.
func serveDashKey(file, dataDir string) (dashKey, error) {
	k, err := loadDashKey(file)
	if err != nil || !k.generated {
		return k, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return dashKey{}, fmt.Errorf("--data-dir: %v", err)
	}
	path := filepath.Join(dataDir, dashKeyFile)
	value, err := readKeyFile(path)
	switch {
	case err == nil:
		return dashKey{value: value, origin: "in " + path + " (made by an earlier start; set DASHBOARD_KEY or --dash-key-file to choose one)", generated: true}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return dashKey{}, err
	}
	if value, err = writeKeyFile(path); err != nil {
		return dashKey{}, err
	}
	return dashKey{value: value, origin: "made for this data directory, in " + path + " (set DASHBOARD_KEY or --dash-key-file to choose one)", generated: true}, nil
}

// readKeyFile reads a key file serve made, refusing one it would not have
// made: a symbolic link (someone may point it at a key of theirs, or at a
// file they want read), anything but a regular file, a file others may
// read, or a key too short to be one.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link: refused (remove it, and serve makes a new key)", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file: refused (remove it, and serve makes a new key)", path)
	case st.Mode().Perm()&0o077 != 0:
		return nil, fmt.Errorf("%s may be read by others (mode %04o): refused; chmod 600 it, or remove it and serve makes a new key", path, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	k := strings.TrimSpace(string(b))
	if err := api.CheckKey([]byte(k)); err != nil {
		return nil, fmt.Errorf("%s: the key %v (remove the file, and serve makes a new key)", path, err)
	}
	return []byte(k), nil
}

// writeKeyFile makes a random key and writes it to a new file at path,
// readable by its owner alone. O_EXCL|O_NOFOLLOW: a file or a link planted
// at path is never written through; a key is never half written.
func writeKeyFile(path string) ([]byte, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generating a dashboard key: %v", err)
	}
	key := []byte(hex.EncodeToString(b))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("writing the dashboard key: %v", err)
	}
	_, err = f.Write(append(key, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing the dashboard key to %s: %v", path, err)
	}
	return key, nil
}
