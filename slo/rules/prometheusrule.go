package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The custom resource prometheus-operator turns into rule files.
const (
	PrometheusRuleAPIVersion = "monitoring.coreos.com/v1"
	PrometheusRuleKind       = "PrometheusRule"
)

// PrometheusRule is a rule file as a prometheus-operator custom resource:
// what a Kubernetes cluster running the operator loads into its Prometheus.
type PrometheusRule struct {
	APIVersion string         `yaml:"apiVersion"`
	Kind       string         `yaml:"kind"`
	Metadata   ObjectMeta     `yaml:"metadata"`
	Spec       PrometheusSpec `yaml:"spec"`
}

// ObjectMeta is the part of Kubernetes' object metadata a PrometheusRule
// needs: the operator selects rules by namespace and labels.
type ObjectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

// PrometheusSpec holds the rule groups, as in a rule file.
type PrometheusSpec struct {
	Groups []RuleGroup `yaml:"groups"`
}

// PrometheusRule wraps the file's groups in a PrometheusRule with meta. A
// name, namespace or label Kubernetes would refuse is an error naming it.
func (f *RuleFile) PrometheusRule(meta ObjectMeta) (*PrometheusRule, error) {
	if err := meta.validate(); err != nil {
		return nil, fmt.Errorf("rules: prometheusrule: %w", err)
	}
	return &PrometheusRule{
		APIVersion: PrometheusRuleAPIVersion,
		Kind:       PrometheusRuleKind,
		Metadata:   meta,
		Spec:       PrometheusSpec{Groups: f.Groups},
	}, nil
}

// Marshal encodes the resource as YAML, maps in key order.
func (p *PrometheusRule) Marshal() ([]byte, error) { return marshal(p) }

// WriteFile writes the resource to path atomically.
func (p *PrometheusRule) WriteFile(path string) error { return writeFile(path, p) }

// Kubernetes' name rules (DNS-1123 subdomain and label; label keys and
// values): the API server refuses anything else, after the CI that wrote
// the file has passed.
var (
	dnsLabelRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	labelPartRE    = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
)

func (m ObjectMeta) validate() error {
	switch {
	case m.Name == "":
		return fmt.Errorf("name: missing: a PrometheusRule needs a name")
	case len(m.Name) > 253 || !dnsSubdomainRE.MatchString(m.Name):
		return fmt.Errorf("name: %q is not a Kubernetes object name: lower-case letters, digits, - and ., starting and ending with a letter or digit, at most 253 characters", m.Name)
	}
	if m.Namespace != "" && (len(m.Namespace) > 63 || !dnsLabelRE.MatchString(m.Namespace)) {
		return fmt.Errorf("namespace: %q is not a Kubernetes namespace: lower-case letters, digits and -, starting and ending with a letter or digit, at most 63 characters", m.Namespace)
	}
	keys := make([]string, 0, len(m.Labels))
	for k := range m.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := checkKubeLabel(k, m.Labels[k]); err != nil {
			return fmt.Errorf("labels: %w", err)
		}
	}
	return nil
}

func checkKubeLabel(key, value string) error {
	name := key
	if prefix, rest, ok := strings.Cut(key, "/"); ok {
		if prefix == "" || len(prefix) > 253 || !dnsSubdomainRE.MatchString(prefix) {
			return fmt.Errorf("%q: the prefix before / must be a DNS subdomain (lower-case letters, digits, - and .)", key)
		}
		name = rest
	}
	if len(name) > 63 || !labelPartRE.MatchString(name) {
		return fmt.Errorf("%q is not a Kubernetes label key: at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit, after an optional prefix/", key)
	}
	if value != "" && (len(value) > 63 || !labelPartRE.MatchString(value)) {
		return fmt.Errorf("%q: value %q is not a Kubernetes label value: at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit", key, value)
	}
	return nil
}
