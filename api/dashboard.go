package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// static holds the dashboard: index.html is the page, everything else is
// served under /dashboard/ by its file name.
//
//go:embed static
var static embed.FS

// contentSecurityPolicy allows the page its own script, style and API calls
// and nothing else: no inline script, no other origin, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type asset struct {
	name        string
	contentType string
	etag        string
	body        []byte
}

type dashboard struct {
	page   asset
	assets map[string]asset
}

func newDashboard() (*dashboard, error) {
	d := &dashboard{assets: map[string]asset{}}
	err := fs.WalkDir(static, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a := asset{name: name, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, body: body}
		if name == "index.html" {
			d.page = a
		} else {
			d.assets[name] = a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("api: reading the embedded dashboard: %w", err)
	}
	if d.page.body == nil {
		return nil, fmt.Errorf("api: the embedded dashboard has no index.html")
	}
	return d, nil
}

func (d *dashboard) servePage(w http.ResponseWriter, r *http.Request) {
	d.serve(w, r, d.page)
}

func (d *dashboard) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, PathDashboard+"/")
	if name == "" {
		// Relative links in the page resolve against /dashboard, not /dashboard/.
		http.Redirect(w, r, "../dashboard", http.StatusMovedPermanently)
		return
	}
	a, ok := d.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	d.serve(w, r, a)
}

func (d *dashboard) serve(w http.ResponseWriter, r *http.Request, a asset) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: use GET", quoteValue(r.Method), routeTemplate(r)))
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	// no-cache: revalidate with the ETag, so an upgrade shows at once.
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}
