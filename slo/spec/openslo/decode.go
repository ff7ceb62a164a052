package openslo

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sloguard/sloguard/slo"
	"github.com/sloguard/sloguard/slo/spec/internal/yamldoc"
	"gopkg.in/yaml.v3"
)

// OpenSLO v1 (https://openslo.com) is the portable SLO file format. Parse
// and LoadFile read it as well as the sloguard/v1 format, and Export
// writes a Spec as OpenSLO documents.
//
// The sources of an SLI are metricSources of one of two types:
//
//   - sloguard.otel, the service's own OpenTelemetry instruments. Its spec
//     is {metric, match, status, le}: metric names the instrument; match
//     maps attribute names to the values selected (a value or a list);
//     status: 5xx selects the requests answered with a server error and le
//     (seconds) those that finished within that bucket boundary, both on the
//     http.server.request.duration histogram only. A good or bad source counts
//     among the points its total selects.
//   - Prometheus, whose spec.query is a PromQL query for the number of events
//     over the range {{.window}}. Prometheus sources need the same counts as
//     sloguard.otel specs in the annotations sloguard.io/otel-good (or -bad)
//     and sloguard.io/otel-total of the SLI, for when no Prometheus is used.
const (
	// Version is the apiVersion of the OpenSLO documents read and written.
	Version = "openslo/v1"
	// OTelSourceType is the metricSource type of the service's own
	// OpenTelemetry instruments.
	OTelSourceType = "sloguard.otel"
	// PrometheusSourceType is the metricSource type of PromQL queries.
	PrometheusSourceType = "Prometheus"
)

// The annotations sloguard reads and writes. The name keeps an SLO name
// that an OpenSLO name (a DNS label) cannot hold, such as latency_p95.
const (
	annotationPrefix    = "sloguard.io/"
	annotationName      = annotationPrefix + "name"
	annotationMinEvents = annotationPrefix + "min-events"
	annotationAlerting  = annotationPrefix + "alerting"
	annotationOTelGood  = annotationPrefix + "otel-good"
	annotationOTelBad   = annotationPrefix + "otel-bad"
	annotationOTelTotal = annotationPrefix + "otel-total"
)

// serverErrors is the only status a sloguard.otel spec selects.
const serverErrors = "5xx"

// The kinds of OpenSLO v1 objects.
const (
	kindSLO            = "SLO"
	kindSLI            = "SLI"
	kindAlertPolicy    = "AlertPolicy"
	kindAlertCondition = "AlertCondition"
	kindTarget         = "AlertNotificationTarget"
	kindDataSource     = "DataSource"
	kindService        = "Service"
)

var (
	openSLOKinds = []string{kindSLO, kindSLI, kindAlertPolicy, kindAlertCondition, kindTarget, kindDataSource, kindService}
	// decodeOrder decodes the objects others refer to first.
	decodeOrder = []string{kindDataSource, kindService, kindSLI, kindAlertCondition, kindTarget, kindAlertPolicy, kindSLO}

	objectFields      = []string{"apiVersion", "kind", "metadata", "spec"}
	metadataFields    = []string{"name", "displayName", "labels", "annotations"}
	osSLOFields       = []string{"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives", "alertPolicies"}
	inlineSLIFields   = []string{"metadata", "spec"}
	osSLIFields       = []string{"description", "thresholdMetric", "ratioMetric"}
	ratioFields       = []string{"counter", "good", "bad", "total", "rawType", "raw"}
	partFields        = []string{"metricSource"}
	sourceFields      = []string{"metricSourceRef", "type", "spec"}
	otelSpecFields    = []string{"metric", "match", "status", "le"}
	promSpecFields    = []string{"query", "promql"}
	timeWindowFields  = []string{"duration", "isRolling", "calendar"}
	objectiveFields   = []string{"displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow", "indicator", "indicatorRef", "compositeWeight"}
	policyItemFields  = []string{"alertPolicyRef", "kind", "metadata", "spec"}
	policyFields      = []string{"description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets"}
	condItemFields    = []string{"conditionRef", "kind", "metadata", "spec"}
	condSpecFields    = []string{"description", "severity", "condition"}
	conditionFields   = []string{"kind", "op", "threshold", "lookbackWindow", "alertAfter"}
	targetItemFields  = []string{"targetRef", "kind", "metadata", "spec"}
	targetFields      = []string{"description", "target"}
	dataSourceFields  = []string{"description", "type", "connectionDetails"}
	serviceFields     = []string{"description"}
	budgetingMethods  = []string{"Occurrences", "Timeslices", "RatioTimeslices"}
	objectiveOps      = []string{"lt", "lte", "gt", "gte"}
	sloAnnotations    = []string{annotationName, annotationMinEvents, annotationAlerting}
	sliAnnotations    = []string{annotationOTelGood, annotationOTelBad, annotationOTelTotal}
	httpMatchAttrs    = []string{slo.RouteAttr, slo.MethodAttr}
	sourceTypes       = []string{OTelSourceType, PrometheusSourceType}
	shorthandRE       = regexp.MustCompile(`^([0-9]+)([A-Za-z]*)$`)
	dnsLabelInvalidRE = regexp.MustCompile(`[^a-z0-9-]+`)
)

// osDecoder reads OpenSLO objects into a Spec. It reuses the sloguard/v1
// decoder's helpers, with fields named the OpenSLO way: Kind/name, then the
// path in the object, as in SLO/availability.spec.timeWindow[0].duration.
type osDecoder struct {
	*yamldoc.Decoder

	objects []*osObject
	named   map[string]map[string]*osObject // kind -> name -> first object

	sources    map[string]string // DataSource name -> type ("" when unusable)
	slis       map[string]*osIndicator
	conditions map[string]*osCondition
	policies   map[string]*osPolicy
	targets    map[string]bool
	services   []*osObject

	// warned holds the fields warned about, for objects read once per SLO
	// using them.
	warned map[string]bool

	// native maps the fields of the sloguard/v1 format, as validateSpec
	// names them, to the OpenSLO fields they were read from.
	native map[string]string
}

// osObject is one OpenSLO object of the file.
type osObject struct {
	kind   string
	field  string
	line   int
	meta   osMeta
	spec   *yaml.Node
	isCopy bool // a second object of the same kind and name
}

type osMeta struct {
	name        string
	displayName string
	labels      map[string]string
	annotations map[string]*yaml.Node
	// others are the annotations of other tools, kept for export.
	others map[string]string
	field  string
}

// Format reads OpenSLO v1 documents. The zero value is ready to use.
type Format struct{}

// Name names the format in messages.
func (Format) Name() string { return Version }

// Reads reports whether a document whose key (apiVersion or version) holds
// version is of this format: any openslo/ version, so that the reader can
// say which it reads.
func (Format) Reads(key, version string) bool {
	return key == "apiVersion" && strings.HasPrefix(version, "openslo/")
}

// Decode reads the OpenSLO objects of every document given, from any number
// of files: an SLO may refer to an SLI, an AlertPolicy or a DataSource of
// another file. It returns the SLOs with every problem found, each naming
// the file and line of the object it is about.
func (Format) Decode(docs []yamldoc.Document, opts yamldoc.Options) (slo.Spec, []slo.Problem) {
	file := ""
	if len(docs) > 0 {
		file = docs[0].File
	}
	d := &osDecoder{
		Decoder:    yamldoc.New(file),
		named:      map[string]map[string]*osObject{},
		sources:    map[string]string{},
		slis:       map[string]*osIndicator{},
		conditions: map[string]*osCondition{},
		policies:   map[string]*osPolicy{},
		targets:    map[string]bool{},
		native:     map[string]string{},
		warned:     map[string]bool{},
	}
	d.read(docs)
	spec := d.decodeAll()
	if len(spec.SLOs) > 0 {
		seen := map[slo.Problem]bool{}
		for _, p := range d.Problems {
			seen[p] = true
		}
		for _, p := range spec.Problems(opts.Boundaries) {
			p.Field = d.translate(p.Field)
			if d.Suppressed(p.Field) {
				continue
			}
			p.File = d.FileOf(p.Field)
			p.Line = d.LineOf(p.Field)
			// A referenced SLI is checked once for every SLO using it.
			if !seen[p] {
				seen[p] = true
				d.Problems = append(d.Problems, p)
			}
		}
	}
	slices.SortStableFunc(d.Problems, func(a, b slo.Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return spec, d.Problems
}

// forget drops the fields registered for slos[i], an SLO left out of the
// spec.
func (d *osDecoder) forget(i int) {
	p := fmt.Sprintf("slos[%d]", i)
	for k := range d.native {
		if k == p || strings.HasPrefix(k, p+".") {
			delete(d.native, k)
		}
	}
}

// shift moves the fields registered for the SLOs after slos[i], one left
// out of the spec, down by one, so that they name the SLOs appended after it.
func (d *osDecoder) shift(i int) {
	for j := i + 1; ; j++ {
		p := fmt.Sprintf("slos[%d]", j)
		moved := false
		for k, v := range d.native {
			if k == p || strings.HasPrefix(k, p+".") {
				delete(d.native, k)
				d.native[fmt.Sprintf("slos[%d]", j-1)+k[len(p):]] = v
				moved = true
			}
		}
		if !moved {
			return
		}
	}
}

// translate names a field of validateSpec the OpenSLO way: the closest
// registered ancestor, followed by the rest of the path.
func (d *osDecoder) translate(field string) string {
	for f := field; ; f = yamldoc.ParentField(f) {
		if of, ok := d.native[f]; ok {
			return of + field[len(f):]
		}
		if f == "" {
			return field
		}
	}
}
