package rules_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/sloguard/sloguard/internal/demo"
	"github.com/sloguard/sloguard/slo/rules"
)

// crdSchema compiles the PrometheusRule CRD's published OpenAPI schema.
// Kubernetes drops the fields a structural schema does not list, so every
// object that lists its properties is closed here: a field the operator
// would silently drop fails the test instead.
func crdSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "prometheusrule.schema.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var closeObjects func(v any)
	closeObjects = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			if _, ok := n["properties"]; ok {
				if _, set := n["additionalProperties"]; !set {
					n["additionalProperties"] = false
				}
			}
			for _, c := range n {
				closeObjects(c)
			}
		case []any:
			for _, c := range n {
				closeObjects(c)
			}
		}
	}
	closeObjects(doc)
	c := jsonschema.NewCompiler()
	if err := c.AddResource("prometheusrule.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("prometheusrule.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON reads YAML as the API server would receive it: as JSON values.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPrometheusRuleMatchesTheCRDSchema(t *testing.T) {
	schema := crdSchema(t)
	meta := rules.ObjectMeta{Name: "sloguard-slos", Namespace: "monitoring", Labels: map[string]string{"release": "kube-prometheus", "app.kubernetes.io/part-of": "sloguard"}}
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			f, err := rules.Generate(tc.spec, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := f.PrometheusRule(meta)
			if err != nil {
				t.Fatal(err)
			}
			data, err := pr.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(asJSON(t, data)); err != nil {
				t.Fatalf("the PrometheusRule does not match the CRD schema: %v", err)
			}
			var back struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
				Metadata   struct {
					Name, Namespace string
					Labels          map[string]string
				}
				Spec rules.RuleFile
			}
			if err := yaml.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			if back.APIVersion != "monitoring.coreos.com/v1" || back.Kind != "PrometheusRule" {
				t.Errorf("apiVersion %q kind %q", back.APIVersion, back.Kind)
			}
			if back.Metadata.Name != "sloguard-slos" || back.Metadata.Namespace != "monitoring" || back.Metadata.Labels["release"] != "kube-prometheus" {
				t.Errorf("metadata %+v", back.Metadata)
			}
			want, _ := f.Marshal()
			got, _ := (&back.Spec).Marshal()
			if string(got) != string(want) {
				t.Error("spec.groups do not read back as the rule file's groups")
			}
		})
	}
}

// The schema test can fail: a resource the CRD refuses is refused.
func TestCRDSchemaRefusesWhatTheOperatorWould(t *testing.T) {
	schema := crdSchema(t)
	for name, doc := range map[string]string{
		"a group without a name":   "spec: {groups: [{rules: [{record: a, expr: b}]}]}",
		"a rule without an expr":   "spec: {groups: [{name: g, rules: [{record: a}]}]}",
		"an interval in Go syntax": "spec: {groups: [{name: g, interval: 1m30.5s, rules: []}]}",
		"a misspelled field":       "spec: {groups: [{name: g, rules: [{record: a, expr: b, label: {x: y}}]}]}",
		"no spec":                  "kind: PrometheusRule",
	} {
		if err := schema.Validate(asJSON(t, []byte(doc))); err == nil {
			t.Errorf("%s: the schema accepts %s", name, doc)
		}
	}
}

func TestPrometheusRuleRefusesNamesKubernetesRefuses(t *testing.T) {
	f, err := rules.Generate(demo.Spec())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		meta rules.ObjectMeta
		want string
	}{
		{"no name", rules.ObjectMeta{}, "name: missing"},
		{"an upper-case name", rules.ObjectMeta{Name: "SLOs"}, `name: "SLOs"`},
		{"a namespace with a dot", rules.ObjectMeta{Name: "slos", Namespace: "mon.itoring"}, `namespace: "mon.itoring"`},
		{"a label key with a space", rules.ObjectMeta{Name: "slos", Labels: map[string]string{"my team": "a"}}, `labels: "my team"`},
		{"a label value with a slash", rules.ObjectMeta{Name: "slos", Labels: map[string]string{"team": "a/b"}}, `value "a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := f.PrometheusRule(tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PrometheusRule(%+v) = %v, %v; want an error with %q", tt.meta, pr, err, tt.want)
			}
		})
	}
}
