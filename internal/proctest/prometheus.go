package proctest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// Series is one series of a Prometheus instant query's answer.
type Series struct {
	Labels map[string]string
	Value  float64
}

// QueryPrometheus runs the instant query q now against the Prometheus HTTP
// API at base, with client c (http.DefaultClient when nil).
func QueryPrometheus(c *http.Client, base, q string) ([]Series, error) {
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %s: %s: %v (%.200s)", q, resp.Status, err, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, r.Error)
	}
	out := make([]Series, len(r.Data.Result))
	for i, s := range r.Data.Result {
		str, _ := s.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v: %v", q, s.Value[1], err)
		}
		out[i] = Series{Labels: s.Metric, Value: v}
	}
	return out, nil
}
