package main

import (
	"flag"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"

	"github.com/prometheus/exporter-toolkit/web"
	"go.yaml.in/yaml/v2"
	"golang.org/x/net/netutil"

	"github.com/sloguard/sloguard/api"
)

// defaultMaxConnections is Prometheus' --web.max-connections default.
const defaultMaxConnections = 512

// listenConfig holds the flags of how `sloguard serve` meets the network.
// The listener's are spelled and read as Prometheus and its exporters do:
// TLS, client certificates and basic auth from a web configuration file
// (exporter-toolkit's format), and a bound on concurrent connections. The
// others say who stands in front: the reverse proxies whose
// X-Forwarded-For is believed, and whether clients are the internet (whose
// traceparent must not decide what is traced).
type listenConfig struct {
	webConfigFile  string
	maxConnections int
	trustedProxies string
	publicEndpoint bool

	tls     bool           // the web configuration turns TLS on
	proxies []netip.Prefix // --trusted-proxies, parsed
}

func (c *listenConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.webConfigFile, "web.config.file", "", "`file` of TLS, client-certificate and basic-auth settings, in the Prometheus exporters' web configuration format (empty: plain HTTP)")
	fs.IntVar(&c.maxConnections, "web.max-connections", defaultMaxConnections, "most connections served at once; past it new connections wait to be accepted")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", "", "comma-separated `CIDRs` of reverse proxies whose X-Forwarded-For names the client for the API's rate limit (empty: the header is ignored)")
	fs.BoolVar(&c.publicEndpoint, "public-endpoint", false, "serve the internet: a client's traceparent becomes a link, never the parent, so clients cannot choose what is traced")
}

// validate reads the web configuration and the certificates it names, so
// that a mistake stops serve before it listens.
func (c *listenConfig) validate() error {
	if c.maxConnections < 1 {
		return usageErr("serve: --web.max-connections %d: want at least 1", c.maxConnections)
	}
	var err error
	if c.proxies, err = api.ParseTrustedProxies(c.trustedProxies); err != nil {
		return usageErr("serve: --trusted-proxies: %v", err)
	}
	if c.webConfigFile == "" {
		return nil
	}
	if err := web.Validate(c.webConfigFile); err != nil {
		return usageErr("serve: --web.config.file %s: %v", c.webConfigFile, firstLine(err.Error()))
	}
	data, err := os.ReadFile(c.webConfigFile)
	if err != nil {
		return usageErr("serve: --web.config.file: %v", err)
	}
	var wc web.Config
	if err := yaml.Unmarshal(data, &wc); err != nil {
		return usageErr("serve: --web.config.file %s: %v", c.webConfigFile, firstLine(err.Error()))
	}
	c.tls = wc.TLSConfig.IsEnabled()
	return nil
}

// scheme is how clients reach the listener.
func (c *listenConfig) scheme() string {
	if c.tls {
		return "https"
	}
	return "http"
}

// serve serves srv on ln until srv is shut down. Connections past the bound
// wait in the kernel's accept queue: requests already accepted are never
// failed for it, and the SLO processor, which does not go through the
// listener, keeps sampling and writing reports. The web configuration is
// read again for each new TLS connection, so certificates can be renewed
// in place.
func (c *listenConfig) serve(ln net.Listener, srv *http.Server, logger *slog.Logger) error {
	ln = netutil.LimitListener(ln, c.maxConnections)
	systemd := false
	addrs := []string{ln.Addr().String()}
	return web.Serve(ln, srv, &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &systemd, WebConfigFile: &c.webConfigFile}, logger)
}
