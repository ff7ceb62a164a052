package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sloguard/sloguard/slo"
)

// SaveFiring implements slo.Store.
func (s *Store) SaveFiring(ctx context.Context, firing []slo.Alert) error {
	if err := s.writable("save firing alerts"); err != nil {
		return err
	}
	if firing == nil {
		firing = []slo.Alert{}
	}
	data, err := json.Marshal(firing)
	if err != nil {
		return fmt.Errorf("sqlite store %s: save firing alerts: %w", s.path, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT OR REPLACE INTO firing (id, alerts) VALUES (1, ?)`, string(data))
	return s.wrap("save firing alerts", err)
}

// LoadFiring implements slo.Store.
func (s *Store) LoadFiring(ctx context.Context) ([]slo.Alert, error) {
	var data string
	err := s.db.QueryRowContext(ctx, `SELECT alerts FROM firing WHERE id = 1`).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap("load firing alerts", err)
	}
	var out []slo.Alert
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		return nil, s.recoverable(fmt.Sprintf("is corrupted (firing alerts: %v)", err))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
