// fpy-app is the application the end-to-end tests release: an HTTP server whose version, error rate
// and latency come from its environment, so that a "bad release" is a Deployment whose pod template
// sets APP_ERROR_RATE or APP_LATENCY. It counts what it serves, per version, route and code, in the
// Prometheus text format, so a test measures the traffic each backend really received.
//
//	APP_VERSION     reported by /version and in the metrics' version label (default "v1")
//	APP_ERROR_RATE  fraction of requests to / answered 500, spread evenly (0..1, default 0)
//	APP_LATENCY     added to every request to / (a Go duration, default 0)
//	APP_DRAIN       on SIGTERM, how long to go on serving, with /readyz failing, before shutting
//	                down gracefully (a Go duration, default 5s), as podinfo and any app that is
//	                rolled without dropped requests does: the proxies learn of a terminating pod
//	                only after it got SIGTERM
//
// The port is a flag (-port, default 9898, podinfo's), not an environment variable: Kubernetes sets
// <SERVICE>_PORT=tcp://... in every pod for each Service, so a Service named "app" would set APP_PORT.
//
// Routes: / (the application), /status/{code}, /delay/{seconds}, /version, /healthz, /readyz,
// /metrics (not counted), like podinfo's. Besides its own app_requests_total it exports podinfo's
// http_request_duration_seconds histogram (labels method, path, status), which Flagger's built-in
// queries for the kubernetes and gatewayapi providers read.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type key struct {
	route string
	code  int
}

// Upper bounds of the histogram buckets, in seconds (podinfo's are Prometheus' defaults).
var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

type counters struct {
	mu       sync.Mutex
	requests map[key]uint64
	seconds  map[string]float64
	count    map[string]uint64
	latency  map[key]*histogram
}

func (c *counters) add(route string, code int, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := key{route, code}
	c.requests[k]++
	c.seconds[route] += took.Seconds()
	c.count[route]++
	h := c.latency[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		c.latency[k] = h
	}
	for i, le := range buckets {
		if took.Seconds() <= le {
			h.counts[i]++
			break
		}
	}
	h.sum += took.Seconds()
	h.count++
}

func (c *counters) write(w http.ResponseWriter, version string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	keys := make([]key, 0, len(c.requests))
	for k := range c.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].code < keys[j].code
	})
	fmt.Fprintln(w, "# HELP app_requests_total Requests served, by version, route and status code.")
	fmt.Fprintln(w, "# TYPE app_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "app_requests_total{version=%q,route=%q,code=\"%d\"} %d\n", version, k.route, k.code, c.requests[k])
	}
	routes := make([]string, 0, len(c.count))
	for r := range c.count {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintln(w, "# HELP app_request_duration_seconds Time spent serving requests.")
	fmt.Fprintln(w, "# TYPE app_request_duration_seconds summary")
	for _, r := range routes {
		fmt.Fprintf(w, "app_request_duration_seconds_sum{version=%q,route=%q} %g\n", version, r, c.seconds[r])
		fmt.Fprintf(w, "app_request_duration_seconds_count{version=%q,route=%q} %d\n", version, r, c.count[r])
	}
	fmt.Fprintln(w, "# HELP http_request_duration_seconds Seconds spent serving HTTP requests (podinfo's).")
	fmt.Fprintln(w, "# TYPE http_request_duration_seconds histogram")
	for _, k := range keys {
		h := c.latency[k]
		labels := fmt.Sprintf("method=\"GET\",path=%q,status=\"%d\"", k.route, k.code)
		var cumulative uint64
		for i, le := range buckets {
			cumulative += h.counts[i]
			fmt.Fprintf(w, "http_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", labels, le, cumulative)
		}
		fmt.Fprintf(w, "http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, h.count)
		fmt.Fprintf(w, "http_request_duration_seconds_sum{%s} %g\n", labels, h.sum)
		fmt.Fprintf(w, "http_request_duration_seconds_count{%s} %d\n", labels, h.count)
	}
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	version := env("APP_VERSION", "v1")
	errorRate, err := strconv.ParseFloat(env("APP_ERROR_RATE", "0"), 64)
	if err != nil || errorRate < 0 || errorRate > 1 {
		log.Fatalf("APP_ERROR_RATE must be a number from 0 to 1, got %q", os.Getenv("APP_ERROR_RATE"))
	}
	latency, err := time.ParseDuration(env("APP_LATENCY", "0s"))
	if err != nil || latency < 0 {
		log.Fatalf("APP_LATENCY must be a non-negative Go duration such as 300ms, got %q", os.Getenv("APP_LATENCY"))
	}
	drain, err := time.ParseDuration(env("APP_DRAIN", "5s"))
	if err != nil || drain < 0 {
		log.Fatalf("APP_DRAIN must be a non-negative Go duration such as 5s, got %q", os.Getenv("APP_DRAIN"))
	}
	var draining atomic.Bool
	port := flag.String("port", "9898", "listening port")
	flag.Parse()
	c := &counters{requests: map[key]uint64{}, seconds: map[string]float64{}, count: map[string]uint64{}, latency: map[key]*histogram{}}
	// Failures are spread evenly, not drawn at random: with a rate of 0.3, requests 4, 7, 10, 14, ...
	// fail. A random draw lets a short step see no error at all by chance (0.7^15 is 0.5 %), which
	// makes "stopped at the first step" a matter of luck; an even spread gives every step its share.
	var failMu sync.Mutex
	owed := 0.0
	fail := func() bool {
		failMu.Lock()
		defer failMu.Unlock()
		owed += errorRate
		if owed >= 1 {
			owed--
			return true
		}
		return false
	}
	serve := func(route string, h func(w http.ResponseWriter, r *http.Request) int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			code := h(w, r)
			c.add(route, code, time.Since(start))
		}
	}
	reply := func(w http.ResponseWriter, code int, body string) int {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-App-Version", version)
		w.WriteHeader(code)
		fmt.Fprintln(w, body)
		return code
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", serve("/", func(w http.ResponseWriter, r *http.Request) int {
		time.Sleep(latency)
		if fail() {
			return reply(w, http.StatusInternalServerError, fmt.Sprintf(`{"version":%q,"error":"injected"}`, version))
		}
		return reply(w, http.StatusOK, fmt.Sprintf(`{"version":%q}`, version))
	}))
	mux.HandleFunc("/status/", serve("/status", func(w http.ResponseWriter, r *http.Request) int {
		code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
		if err != nil || code < 200 || code > 599 {
			return reply(w, http.StatusBadRequest, `{"error":"status code must be 200..599"}`)
		}
		return reply(w, code, fmt.Sprintf(`{"version":%q,"status":%d}`, version, code))
	}))
	mux.HandleFunc("/delay/", serve("/delay", func(w http.ResponseWriter, r *http.Request) int {
		s, err := strconv.ParseFloat(strings.TrimPrefix(r.URL.Path, "/delay/"), 64)
		if err != nil || s < 0 || s > 30 {
			return reply(w, http.StatusBadRequest, `{"error":"delay must be 0..30 seconds"}`)
		}
		time.Sleep(time.Duration(s * float64(time.Second)))
		return reply(w, http.StatusOK, fmt.Sprintf(`{"version":%q,"delay":%g}`, version, s))
	}))
	mux.HandleFunc("/version", serve("/version", func(w http.ResponseWriter, r *http.Request) int {
		return reply(w, http.StatusOK, fmt.Sprintf(`{"version":%q}`, version))
	}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusOK, `{"status":"ok"}`) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			reply(w, http.StatusServiceUnavailable, `{"status":"draining"}`)
			return
		}
		reply(w, http.StatusOK, `{"status":"ok"}`)
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) { c.write(w, version) })
	log.Printf("fpy-app %s listening on :%s (error rate %g, latency %s)", version, *port, errorRate, latency)
	srv := &http.Server{Addr: ":" + *port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		draining.Store(true)
		log.Printf("SIGTERM: serving for %s more, then shutting down", drain)
		time.Sleep(drain)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
