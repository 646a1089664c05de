// Package metrics holds magesync's Prometheus metrics: what the engine and
// the admin count, and the queue's depth read from the database when
// scraped.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	// Outcomes counts finished queue attempts by outcome (complete,
	// skipped, error, failed, retry).
	Outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "magesync_queue_outcomes_total", Help: "Queue entries the workers finished or put back, by outcome.",
	}, []string{"outcome"})
	// SyncLatency is the time from an order's change in Magento to
	// Salesforce holding it, for automatic syncs.
	SyncLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "magesync_sync_latency_seconds",
		Help:    "From an order's change in Magento to Salesforce holding it (automatic synchronization).",
		Buckets: []float64{0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900},
	})
	// APIUsed and APILimit are the org's API requests in the last 24 hours
	// and its daily limit, as Salesforce's last answer said.
	APIUsed = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "magesync_salesforce_api_requests_used", Help: "The org's API requests in the last 24 hours, as Salesforce last reported.",
	})
	APILimit = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "magesync_salesforce_api_requests_limit", Help: "The org's daily API request limit, as Salesforce last reported.",
	})
	// DetectorPoll is when this process's change detector last polled.
	DetectorPoll = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "magesync_detector_last_poll_timestamp_seconds", Help: "When the change detector last polled Magento (Unix time).",
	})
	// HTTPDuration times the admin's requests by route and status class.
	HTTPDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "magesync_http_request_duration_seconds", Help: "Admin HTTP requests, by route and status class.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10},
	}, []string{"method", "route", "status"})
)

// QueueCounter reads the queue's entries by status.
type QueueCounter func(ctx context.Context) (map[string]int, error)

// queueDepth reports the queue's depth by status at each scrape.
type queueDepth struct {
	count QueueCounter
	desc  *prometheus.Desc
}

func (q queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

func (q queueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := q.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(q.desc, err)
		return
	}
	for _, status := range []string{"new", "processing", "complete", "skipped", "error", "failed"} {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(counts[status]), status)
	}
}

// Handler serves the metrics in Prometheus's text format, with the queue's
// depth read through count at each scrape and the Go runtime's own.
func Handler(count QueueCounter) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(Outcomes, SyncLatency, APIUsed, APILimit, DetectorPoll, HTTPDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		queueDepth{count: count, desc: prometheus.NewDesc("magesync_queue_entries", "Queue entries by status.", []string{"status"}, nil)})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
