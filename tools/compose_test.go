package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// loadCompose loads docker-compose.yml with the compose-spec loader, as
// `docker compose` does, without the caller's environment.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions(
		[]string{repoPath(t, "docker-compose.yml")},
		cli.WithWorkingDirectory(repoTop(t)),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q (services: %v)", name, serviceNames(p))
	}
	return s
}

func serviceNames(p *types.Project) []string {
	names := make([]string, 0, len(p.Services))
	for n := range p.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// containerPorts is every port a service offers to the others: published
// ports and the ones it declares with expose.
func containerPorts(t *testing.T, s types.ServiceConfig) map[uint32]bool {
	t.Helper()
	ports := map[uint32]bool{}
	for _, p := range s.Ports {
		ports[p.Target] = true
	}
	for _, e := range s.Expose {
		n, err := strconv.ParseUint(strings.TrimSuffix(e, "/tcp"), 10, 16)
		if err != nil {
			t.Fatalf("service %s: expose %q is not a single TCP port", s.Name, e)
		}
		ports[uint32(n)] = true
	}
	return ports
}

// hostPath maps a path inside a service's container to the repository file
// bind-mounted there.
func hostPath(t *testing.T, s types.ServiceConfig, inContainer string) string {
	t.Helper()
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if inContainer == v.Target {
			return v.Source
		}
		if rel, ok := strings.CutPrefix(inContainer, strings.TrimSuffix(v.Target, "/")+"/"); ok {
			return filepath.Join(v.Source, filepath.FromSlash(rel))
		}
	}
	t.Fatalf("service %s: nothing from the repository is mounted at %s", s.Name, inContainer)
	return ""
}

// flagValue returns the value of --name in a command, as --name=v or --name v.
func flagValue(cmd []string, name string) (string, bool) {
	for i, a := range cmd {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name && i+1 < len(cmd) {
			return cmd[i+1], true
		}
	}
	return "", false
}

func mustFlag(t *testing.T, s types.ServiceConfig, name string) string {
	t.Helper()
	v, ok := flagValue(s.Command, name)
	if !ok {
		t.Fatalf("service %s: command %q has no --%s", s.Name, s.Command, name)
	}
	return v
}

func readYAML(t *testing.T, file string, into any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// envRef is the Collector's ${env:NAME} or ${env:NAME:-default}.
var envRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

// expandEnv resolves the Collector's environment references the way the
// Collector does, from the environment compose gives the service.
func expandEnv(t *testing.T, s types.ServiceConfig, v string) string {
	t.Helper()
	return envRef.ReplaceAllStringFunc(v, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		if val, ok := s.Environment[m[1]]; ok && val != nil {
			return *val
		}
		if !strings.Contains(ref, ":-") {
			t.Fatalf("service %s: %s has no default and compose does not set %s", s.Name, ref, m[1])
		}
		return m[2]
	})
}

// reference is one place a configuration names another service.
type reference struct {
	from string // where the reference is written
	addr string // host:port or URL
}

// hostPort splits host:port or a URL (default port from the scheme).
func hostPort(addr string) (string, uint32, error) {
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil {
			return "", 0, err
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %w", p, err)
	}
	return h, uint32(n), nil
}

// composeConfigs are the repository files the compose services run with,
// found through their command lines and mounts.
type composeConfigs struct {
	prometheus       string // host path
	prometheusInCtr  string // path inside the container
	alertmanager     string
	collector        string
	grafanaProvision string
}

func findConfigs(t *testing.T, p *types.Project) composeConfigs {
	t.Helper()
	var c composeConfigs
	prom := service(t, p, "prometheus")
	c.prometheusInCtr = mustFlag(t, prom, "config.file")
	c.prometheus = hostPath(t, prom, c.prometheusInCtr)
	am := service(t, p, "alertmanager")
	c.alertmanager = hostPath(t, am, mustFlag(t, am, "config.file"))
	col := service(t, p, "collector")
	c.collector = hostPath(t, col, mustFlag(t, col, "config"))
	// Grafana reads provisioning from this fixed path of its image.
	c.grafanaProvision = hostPath(t, service(t, p, "grafana"), "/etc/grafana/provisioning")
	return c
}

type promConfig struct {
	RuleFiles []string `yaml:"rule_files"`
	Alerting  struct {
		Alertmanagers []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"alertmanagers"`
	} `yaml:"alerting"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

type alertmanagerConfig struct {
	Receivers []struct {
		Name           string `yaml:"name"`
		WebhookConfigs []struct {
			URL string `yaml:"url"`
		} `yaml:"webhook_configs"`
	} `yaml:"receivers"`
}

type grafanaDatasources struct {
	Datasources []struct {
		Name string `yaml:"name"`
		UID  string `yaml:"uid"`
		Type string `yaml:"type"`
		URL  string `yaml:"url"`
	} `yaml:"datasources"`
}

type grafanaProviders struct {
	Providers []struct {
		Name    string `yaml:"name"`
		Type    string `yaml:"type"`
		Options struct {
			Path string `yaml:"path"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

// collectorConfig is the part of the Collector configuration that names
// addresses.
type collectorConfig struct {
	Receivers  map[string]map[string]any `yaml:"receivers"`
	Exporters  map[string]map[string]any `yaml:"exporters"`
	Extensions map[string]map[string]any `yaml:"extensions"`
	Service    struct {
		Telemetry struct {
			Metrics struct {
				Readers []struct {
					Pull struct {
						Exporter struct {
							Prometheus struct {
								Host string `yaml:"host"`
								Port string `yaml:"port"`
							} `yaml:"prometheus"`
						} `yaml:"exporter"`
					} `yaml:"pull"`
				} `yaml:"readers"`
			} `yaml:"metrics"`
		} `yaml:"telemetry"`
	} `yaml:"service"`
}

// componentType is the type part of a component ID such as otlp_grpc/jaeger.
func componentType(id string) string {
	typ, _, _ := strings.Cut(id, "/")
	return typ
}

// exportsToRemote reports whether an exporter type sends to an endpoint
// (instead of serving one, as the prometheus exporter does).
func exportsToRemote(typ string) bool {
	return slices.Contains([]string{"otlp", "otlp_grpc", "otlphttp", "otlp_http"}, typ)
}

// collectorAddrs returns what the Collector listens on and what it sends to.
func collectorAddrs(t *testing.T, s types.ServiceConfig, file string) (listen, remote []reference) {
	t.Helper()
	var cfg collectorConfig
	readYAML(t, file, &cfg)
	str := func(v any) string {
		sv, _ := v.(string)
		return expandEnv(t, s, sv)
	}
	for id, r := range cfg.Receivers {
		if protos, ok := r["protocols"].(map[string]any); ok {
			for proto, pc := range protos {
				if m, ok := pc.(map[string]any); ok && m["endpoint"] != nil {
					listen = append(listen, reference{"collector receiver " + id + " " + proto, str(m["endpoint"])})
				}
			}
		}
	}
	for id, e := range cfg.Exporters {
		if e["endpoint"] == nil {
			continue
		}
		ref := reference{"collector exporter " + id, str(e["endpoint"])}
		if exportsToRemote(componentType(id)) {
			remote = append(remote, ref)
		} else {
			listen = append(listen, ref)
		}
	}
	for id, e := range cfg.Extensions {
		if e["endpoint"] != nil {
			listen = append(listen, reference{"collector extension " + id, str(e["endpoint"])})
		}
	}
	for _, r := range cfg.Service.Telemetry.Metrics.Readers {
		pe := r.Pull.Exporter.Prometheus
		if pe.Port != "" {
			listen = append(listen, reference{"collector telemetry", net.JoinHostPort(str(pe.Host), str(pe.Port))})
		}
	}
	return listen, remote
}

// references gathers every address by which one configuration of the
// topology names a compose service.
func references(t *testing.T, p *types.Project) []reference {
	t.Helper()
	c := findConfigs(t, p)
	var refs []reference

	var prom promConfig
	readYAML(t, c.prometheus, &prom)
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				refs = append(refs, reference{"prometheus.yml scrape job " + sc.JobName, target})
			}
		}
	}
	for _, am := range prom.Alerting.Alertmanagers {
		for _, st := range am.StaticConfigs {
			for _, target := range st.Targets {
				refs = append(refs, reference{"prometheus.yml alerting", target})
			}
		}
	}

	var am alertmanagerConfig
	readYAML(t, c.alertmanager, &am)
	for _, r := range am.Receivers {
		for _, w := range r.WebhookConfigs {
			refs = append(refs, reference{"alertmanager.yml receiver " + r.Name, w.URL})
		}
	}

	_, remote := collectorAddrs(t, service(t, p, "collector"), c.collector)
	refs = append(refs, remote...)

	dsFiles, _ := filepath.Glob(filepath.Join(c.grafanaProvision, "datasources", "*.y*ml"))
	if len(dsFiles) == 0 {
		t.Fatalf("no Grafana datasource in %s/datasources", c.grafanaProvision)
	}
	for _, f := range dsFiles {
		var ds grafanaDatasources
		readYAML(t, f, &ds)
		for _, d := range ds.Datasources {
			refs = append(refs, reference{"grafana datasource " + d.Name, d.URL})
		}
	}

	app := service(t, p, "app")
	if v := app.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"]; v != nil {
		refs = append(refs, reference{"app OTEL_EXPORTER_OTLP_ENDPOINT", *v})
	} else {
		t.Error("service app sets no OTEL_EXPORTER_OTLP_ENDPOINT: its telemetry would reach no Collector")
	}
	refs = append(refs, reference{"app --alertmanager-url", mustFlag(t, app, "alertmanager-url")})
	return refs
}

// listenPorts are the ports a service's own configuration makes it listen on,
// for the services whose configuration the repository holds; nil when only
// the image knows.
func listenPorts(t *testing.T, p *types.Project, name string) map[uint32]bool {
	t.Helper()
	var addrs []reference
	switch name {
	case "collector":
		addrs, _ = collectorAddrs(t, service(t, p, name), findConfigs(t, p).collector)
	case "app":
		addrs = []reference{{"app --addr", mustFlag(t, service(t, p, name), "addr")}}
	default:
		return nil
	}
	ports := map[uint32]bool{}
	for _, a := range addrs {
		_, port, err := hostPort(a.addr)
		if err != nil {
			t.Fatalf("%s: %q: %v", a.from, a.addr, err)
		}
		ports[port] = true
	}
	return ports
}

func TestComposeLoadsWithTheExpectedServices(t *testing.T) {
	p := loadCompose(t)
	want := []string{"alertmanager", "app", "collector", "grafana", "jaeger", "prometheus"}
	if got := serviceNames(p); !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
}

func TestComposePublishesTheUserFacingPorts(t *testing.T) {
	p := loadCompose(t)
	tests := []struct {
		name    string
		service string
		port    uint32
	}{
		{"the app and its dashboard on 8080", "app", 8080},
		{"the Jaeger UI on 16686", "jaeger", 16686},
		{"the Prometheus UI on 9090", "prometheus", 9090},
		{"the Alertmanager UI on 9093", "alertmanager", 9093},
		{"Grafana on 3000", "grafana", 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := service(t, p, tt.service)
			for _, pc := range s.Ports {
				if pc.Target == tt.port && pc.Published == strconv.Itoa(int(tt.port)) {
					return
				}
			}
			t.Errorf("service %s publishes %+v, want %d:%d", tt.service, s.Ports, tt.port, tt.port)
		})
	}
}

func TestComposeMountsOnlyFilesThatExist(t *testing.T) {
	p := loadCompose(t)
	binds := 0
	for _, name := range serviceNames(p) {
		s := p.Services[name]
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			binds++
			t.Run(name+" mounts "+v.Target, func(t *testing.T) {
				rel, err := filepath.Rel(repoTop(t), v.Source)
				if err != nil || strings.HasPrefix(rel, "..") {
					t.Fatalf("%s is outside the repository", v.Source)
				}
				st, err := os.Stat(v.Source)
				if err != nil {
					t.Fatalf("mounted %s: %v", rel, err)
				}
				// A config file mounted over a directory (or the reverse) makes
				// the container fail at start.
				wantFile := path.Ext(v.Target) != ""
				if wantFile == st.IsDir() {
					t.Errorf("%s (dir=%v) is mounted at %s", rel, st.IsDir(), v.Target)
				}
				if !v.ReadOnly {
					t.Errorf("%s is mounted writable; configuration mounts are read-only", rel)
				}
			})
		}
		if s.Build != nil {
			t.Run(name+" builds from the repository", func(t *testing.T) {
				df := s.Build.Dockerfile
				if !filepath.IsAbs(df) {
					df = filepath.Join(s.Build.Context, df)
				}
				if _, err := os.Stat(df); err != nil {
					t.Errorf("Dockerfile: %v", err)
				}
			})
		}
	}
	if binds == 0 {
		t.Fatal("no bind mount found: the services would run without the repository's configuration")
	}
}

func TestComposeConfigReferencesResolveToServicePorts(t *testing.T) {
	p := loadCompose(t)
	refs := references(t, p)
	if len(refs) < 6 {
		t.Fatalf("found only %d references in the configurations: %+v", len(refs), refs)
	}
	for _, r := range refs {
		t.Run(r.from+" "+r.addr, func(t *testing.T) {
			host, port, err := hostPort(r.addr)
			if err != nil {
				t.Fatalf("%s: %q is not host:port or a URL: %v", r.from, r.addr, err)
			}
			s, ok := p.Services[host]
			if !ok {
				t.Fatalf("%s names %q, which is no compose service (services: %v)", r.from, host, serviceNames(p))
			}
			if !containerPorts(t, s)[port] {
				t.Errorf("%s names %s:%d, but service %s neither publishes nor exposes %d", r.from, host, port, host, port)
			}
			if lp := listenPorts(t, p, host); lp != nil && !lp[port] {
				t.Errorf("%s names %s:%d, but %s's configuration listens only on %v", r.from, host, port, host, keys(lp))
			}
		})
	}
}

func keys(m map[uint32]bool) []uint32 {
	ks := make([]uint32, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestComposePrometheusFindsItsRuleDirectory(t *testing.T) {
	p := loadCompose(t)
	c := findConfigs(t, p)
	var prom promConfig
	readYAML(t, c.prometheus, &prom)
	if len(prom.RuleFiles) == 0 {
		t.Fatal("prometheus.yml loads no rule files: the SLO rules would never be evaluated")
	}
	for _, rf := range prom.RuleFiles {
		t.Run(rf, func(t *testing.T) {
			inCtr := rf
			if !path.IsAbs(inCtr) {
				inCtr = path.Join(path.Dir(c.prometheusInCtr), rf)
			}
			// The rule file itself is generated; its directory must be mounted.
			dir := hostPath(t, service(t, p, "prometheus"), path.Dir(inCtr))
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				t.Errorf("rule directory %s for %s: %v", dir, inCtr, err)
			}
		})
	}
}

func TestComposeGrafanaLoadsTheDashboards(t *testing.T) {
	p := loadCompose(t)
	c := findConfigs(t, p)
	grafana := service(t, p, "grafana")

	uids := map[string]bool{}
	dsFiles, _ := filepath.Glob(filepath.Join(c.grafanaProvision, "datasources", "*.y*ml"))
	for _, f := range dsFiles {
		var ds grafanaDatasources
		readYAML(t, f, &ds)
		for _, d := range ds.Datasources {
			uids[d.UID] = true
		}
	}

	provFiles, _ := filepath.Glob(filepath.Join(c.grafanaProvision, "dashboards", "*.y*ml"))
	if len(provFiles) == 0 {
		t.Fatalf("no dashboard provider in %s/dashboards", c.grafanaProvision)
	}
	dashboards := 0
	for _, f := range provFiles {
		var prov grafanaProviders
		readYAML(t, f, &prov)
		for _, pr := range prov.Providers {
			dir := hostPath(t, grafana, pr.Options.Path)
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			for _, df := range files {
				dashboards++
				t.Run(filepath.Base(df), func(t *testing.T) {
					d := readDashboard(t, df)
					if d.UID == "" || d.Title == "" {
						t.Errorf("dashboard has uid %q and title %q; both are needed for stable links", d.UID, d.Title)
					}
					for _, q := range d.queries() {
						if q.datasource != "${datasource}" && !uids[q.datasource] {
							t.Errorf("panel %q uses datasource %q, which is not provisioned (%v)", q.panel, q.datasource, uids)
						}
					}
				})
			}
		}
	}
	if dashboards == 0 {
		t.Fatal("the dashboard providers find no dashboard")
	}
}

// dashboard is the part of a Grafana dashboard that holds queries.
type dashboard struct {
	UID    string `json:"uid"`
	Title  string `json:"title"`
	Panels []struct {
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr       string `json:"expr"`
			RefID      string `json:"refId"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
}

type dashboardQuery struct {
	panel, ref, expr, datasource string
}

func (d dashboard) queries() []dashboardQuery {
	var qs []dashboardQuery
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			ds := tg.Datasource.UID
			if ds == "" {
				ds = p.Datasource.UID
			}
			qs = append(qs, dashboardQuery{p.Title, tg.RefID, tg.Expr, ds})
		}
	}
	return qs
}

func readDashboard(t *testing.T, file string) dashboard {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return d
}
