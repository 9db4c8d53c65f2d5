// Command flaggerexposition prints the /metrics text of Flagger 1.44's own metrics recorder after
// the recorder calls Flagger's controller makes for the scenario of test_flagger_exposition.py
// (four canaries whose names differ from their targets' names).
//
// Regenerate the fixture, offline, from the module cache:
//
//	GOPROXY=off GOFLAGS=-mod=mod go run . > flagger-1.44.prom
package main

import (
	"os"
	"time"

	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	istiov1beta1 "github.com/fluxcd/flagger/pkg/apis/istio/v1beta1"
	"github.com/fluxcd/flagger/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func canary(name, target string, analysis flaggerv1.CanaryAnalysis) *flaggerv1.Canary {
	cd := &flaggerv1.Canary{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "test"}}
	cd.Spec.TargetRef.Name = target
	cd.Spec.Analysis = &analysis
	return cd
}

func labels(cd *flaggerv1.Canary, status string) metrics.CanaryMetricLabels {
	return metrics.CanaryMetricLabels{
		Name:               cd.Spec.TargetRef.Name,
		Namespace:          cd.Namespace,
		DeploymentStrategy: cd.DeploymentStrategy(),
		AnalysisStatus:     status,
	}
}

func main() {
	r := metrics.NewRecorder("flagger", false)
	r.SetInfo("1.44.0", "istio")
	r.SetTotal("test", 4)

	// web-release -> podinfo, blue/green: initialized, a new revision, one analysis tick, rolled back.
	web := canary("web-release", "podinfo", flaggerv1.CanaryAnalysis{Iterations: 3})
	r.SetStatus(web, flaggerv1.CanaryPhaseInitialized)
	r.SetWeight(web, 100, 0)
	r.SetStatus(web, flaggerv1.CanaryPhaseInitialized)
	r.SetStatus(web, flaggerv1.CanaryPhaseProgressing)
	r.SetWeight(web, 100, 0)
	r.SetStatus(web, flaggerv1.CanaryPhaseProgressing)
	r.SetAnalysis(web, "request-duration", (250 * time.Millisecond).Seconds())
	r.SetDuration(web, 20*time.Millisecond)
	r.SetWeight(web, 100, 0)
	r.SetStatus(web, flaggerv1.CanaryPhaseProgressing)
	r.SetWeight(web, 100, 0)
	r.SetStatus(web, flaggerv1.CanaryPhaseFailed)
	r.IncFailures(labels(web, metrics.AnalysisStatusCompleted))

	// api-canary -> api, canary with skipAnalysis: promoted without an analysis.
	api := canary("api-canary", "api", flaggerv1.CanaryAnalysis{StepWeight: 10})
	r.SetWeight(api, 100, 0)
	r.SetStatus(api, flaggerv1.CanaryPhaseProgressing)
	r.SetWeight(api, 100, 0)
	r.SetStatus(api, flaggerv1.CanaryPhaseSucceeded)
	r.IncSuccesses(labels(api, metrics.AnalysisStatusSkipped))

	// shop-ab -> shop, A/B testing: one analysis tick routes everyone matching to the canary.
	shop := canary("shop-ab", "shop", flaggerv1.CanaryAnalysis{
		Iterations: 2,
		Match:      []istiov1beta1.HTTPMatchRequest{{}},
	})
	r.SetWeight(shop, 100, 0)
	r.SetStatus(shop, flaggerv1.CanaryPhaseProgressing)
	r.SetAnalysis(shop, "error-rate", 1.5)
	r.SetWeight(shop, 0, 100)
	r.SetDuration(shop, 300*time.Millisecond)

	// legacy-bg -> legacy, provider kubernetes: an analysis tick during iterations (the no-op router
	// answers all to the canary), then the Finalising tick that ends the promotion.
	legacy := canary("legacy-bg", "legacy", flaggerv1.CanaryAnalysis{Iterations: 3})
	r.SetWeight(legacy, 0, 100)
	r.SetStatus(legacy, flaggerv1.CanaryPhaseProgressing)
	r.SetDuration(legacy, 50*time.Millisecond)
	r.SetWeight(legacy, 100, 0)
	r.SetStatus(legacy, flaggerv1.CanaryPhaseFinalising)
	r.SetStatus(legacy, flaggerv1.CanaryPhaseSucceeded)
	r.IncSuccesses(labels(legacy, metrics.AnalysisStatusCompleted))

	registry := prometheus.NewRegistry()
	registry.MustRegister(
		r.GetInfoMetric(), r.GetDurationMetric(), r.GetTotalMetric(), r.GetStatusMetric(),
		r.GetWeightMetric(), r.GetAnalysisMetric(), r.GetSuccessesMetric(), r.GetFailuresMetric(),
	)
	families, err := registry.Gather()
	if err != nil {
		panic(err)
	}
	encoder := expfmt.NewEncoder(os.Stdout, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, family := range families {
		if err := encoder.Encode(family); err != nil {
			panic(err)
		}
	}
}
