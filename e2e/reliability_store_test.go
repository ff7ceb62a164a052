package e2e

import (
	"bytes"
	"database/sql"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // another program's SQLite database

	"github.com/sloguard/sloguard/internal/proctest"
)

// realStore runs serve until its store holds samples, stops it and returns
// the store file's bytes.
func realStore(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	specPath := writeSpec(t, dir)
	p, base := proctest.Serve(t, dir, []string{"DASHBOARD_KEY=" + testKey}, "--slo-file", specPath, "--sample-interval", "1s", "--eval-interval", "1s")
	client := keepAliveClient(t, 2)
	proctest.WaitFor(t, 20*time.Second, "samples in the store", func() bool {
		closedLoop(t, client, 2, 100*time.Millisecond, itemURL(base))
		return checkTotal(t, dir, specPath) > 0
	})
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 20*time.Second); err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "data", "sloguard.db"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// otherProgramsDB is an SQLite database made by something else.
func otherProgramsDB(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)`,
		`INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A store file that is not a usable sloguard store stops serve and check
// with an error that names the file and says how to recover, a non-zero
// exit status, and the file exactly as it was: never a silent reset.
func TestDamagedStoreIsRefusedAndLeftAsItIs(t *testing.T) {
	good := realStore(t)
	const page = 4096
	if len(good) < 4*page {
		t.Fatalf("the store of a short run is %d bytes; the cases below need at least 4 pages", len(good))
	}
	garbage := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	zeroedPage := bytes.Clone(good)
	clear(zeroedPage[2*page : 3*page])
	cases := []struct {
		name string
		data []byte
	}{
		{"garbage bytes", garbage},
		{"a store truncated to half its pages", good[:len(good)/page/2*page]},
		{"a store truncated inside its header", good[:100]},
		{"a store with a page overwritten by zeros", zeroedPage},
		{"another program's SQLite database", otherProgramsDB(t)},
		{"an empty file", []byte{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			dataDir := filepath.Join(dir, "data")
			if err := os.MkdirAll(dataDir, 0o755); err != nil {
				t.Fatal(err)
			}
			storePath := filepath.Join(dataDir, "sloguard.db")
			if err := os.WriteFile(storePath, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			specPath := writeSpec(t, dir)

			p := proctest.Start(t, "sloguard serve", dir, []string{"DASHBOARD_KEY=" + testKey}, proctest.Sloguard(t),
				"serve", "--addr", "127.0.0.1:0", "--slo-file", specPath, "--data-dir", dataDir)
			err := p.Wait(t, 60*time.Second)
			serveOut := p.Output()
			if err == nil {
				t.Fatalf("serve exited with status 0 on the damaged store:\n%s", serveOut)
			}
			if strings.Contains(serveOut, "listening") {
				t.Errorf("serve started listening on a damaged store:\n%s", serveOut)
			}
			assertRecoveryAdvice(t, "serve", serveOut, storePath)

			cmd := exec.Command(proctest.Sloguard(t), "check", "--slo-file", specPath, "--data-dir", dataDir)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 3 {
				t.Errorf("check exited with status %d, want 3 (an error of check itself)\n%s", code, stderr.String())
			}
			assertRecoveryAdvice(t, "check", stderr.String(), storePath)

			after, err := os.ReadFile(storePath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, c.data) {
				t.Errorf("the store file was changed (%d bytes before, %d after): a damaged store must be left as it is", len(c.data), len(after))
			}
		})
	}
}

func assertRecoveryAdvice(t *testing.T, cmd, out, storePath string) {
	t.Helper()
	if !strings.Contains(out, storePath) {
		t.Errorf("%s's error does not name the store %s:\n%s", cmd, storePath, out)
	}
	if !strings.Contains(out, "move it aside") {
		t.Errorf("%s's error does not say to move the file aside:\n%s", cmd, out)
	}
}
