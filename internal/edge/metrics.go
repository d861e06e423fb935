package edge

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// metrics counts requests by service, operation and status, with latency
// histograms and bytes in and out, and renders them in Prometheus' text
// format. It is a few maps behind one mutex: cheap enough for the request
// path and no dependency to carry.
type metrics struct {
	mu       sync.Mutex
	requests map[reqKey]uint64
	latency  map[opKey]*histogram
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
}

type reqKey struct {
	service, operation string
	status             int
}

type opKey struct{ service, operation string }

// latencyBuckets are the histogram's upper bounds, in seconds.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []uint64
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[reqKey]uint64{}, latency: map[opKey]*histogram{}}
}

func (m *metrics) observe(service, operation string, status int, d time.Duration, in, out int64) {
	if in > 0 {
		m.bytesIn.Add(uint64(in))
	}
	if out > 0 {
		m.bytesOut.Add(uint64(out))
	}
	secs := d.Seconds()
	m.mu.Lock()
	m.requests[reqKey{service, operation, status}]++
	h := m.latency[opKey{service, operation}]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.latency[opKey{service, operation}] = h
	}
	for i, b := range latencyBuckets {
		if secs <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += secs
	h.count++
	m.mu.Unlock()
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP gureum_requests_total Requests served, by service, operation and HTTP status.")
	fmt.Fprintln(w, "# TYPE gureum_requests_total counter")
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.service != b.service {
			return a.service < b.service
		}
		if a.operation != b.operation {
			return a.operation < b.operation
		}
		return a.status < b.status
	})
	for _, k := range keys {
		fmt.Fprintf(w, "gureum_requests_total{service=%q,operation=%q,status=\"%d\"} %d\n", k.service, k.operation, k.status, m.requests[k])
	}
	fmt.Fprintln(w, "# HELP gureum_request_duration_seconds Request latency, by service and operation.")
	fmt.Fprintln(w, "# TYPE gureum_request_duration_seconds histogram")
	ops := make([]opKey, 0, len(m.latency))
	for k := range m.latency {
		ops = append(ops, k)
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].service != ops[j].service {
			return ops[i].service < ops[j].service
		}
		return ops[i].operation < ops[j].operation
	})
	for _, k := range ops {
		h := m.latency[k]
		var cum uint64
		for i, b := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "gureum_request_duration_seconds_bucket{service=%q,operation=%q,le=\"%g\"} %d\n", k.service, k.operation, b, cum)
		}
		fmt.Fprintf(w, "gureum_request_duration_seconds_bucket{service=%q,operation=%q,le=\"+Inf\"} %d\n", k.service, k.operation, h.count)
		fmt.Fprintf(w, "gureum_request_duration_seconds_sum{service=%q,operation=%q} %g\n", k.service, k.operation, h.sum)
		fmt.Fprintf(w, "gureum_request_duration_seconds_count{service=%q,operation=%q} %d\n", k.service, k.operation, h.count)
	}
	fmt.Fprintln(w, "# HELP gureum_received_bytes_total Request body bytes received.")
	fmt.Fprintln(w, "# TYPE gureum_received_bytes_total counter")
	fmt.Fprintf(w, "gureum_received_bytes_total %d\n", m.bytesIn.Load())
	fmt.Fprintln(w, "# HELP gureum_sent_bytes_total Response body bytes sent.")
	fmt.Fprintln(w, "# TYPE gureum_sent_bytes_total counter")
	fmt.Fprintf(w, "gureum_sent_bytes_total %d\n", m.bytesOut.Load())
}
