package ec2

import (
	"context"
	"sync"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/compute/none"
)

// computeRuntime is a Service's compute driver and reconciler. It lives
// beside the Service (keyed by it) until Config grows a Compute member;
// until then SetComputeDriver wires a driver, and the none driver is used
// when nothing was.
type computeRuntime struct {
	driver compute.Driver
	once   sync.Once
	stop   chan struct{}
}

var runtimes sync.Map // *Service → *computeRuntime

// SetComputeDriver sets the driver that runs the Service's instances. It
// must be called before the first request.
func (s *Service) SetComputeDriver(d compute.Driver) {
	runtimes.Store(s, &computeRuntime{driver: d, stop: make(chan struct{})})
}

func (s *Service) runtime() *computeRuntime {
	if rt, ok := runtimes.Load(s); ok {
		return rt.(*computeRuntime)
	}
	rt, _ := runtimes.LoadOrStore(s, &computeRuntime{driver: none.New(), stop: make(chan struct{})})
	return rt.(*computeRuntime)
}

func (s *Service) driver() compute.Driver { return s.runtime().driver }

// StopReconciler stops the Service's instance reconciler (it also stops by
// itself once the store is closed).
func (s *Service) StopReconciler() {
	rt := s.runtime()
	rt.once.Do(func() {}) // never start after a stop
	select {
	case <-rt.stop:
	default:
		close(rt.stop)
	}
}

// ensureReconciler starts the reconciler on first use of instances or
// images; it then also picks up work left by an earlier run.
func (s *Service) ensureReconciler(context.Context) {
	rt := s.runtime()
	rt.once.Do(func() { go s.reconcileLoop(rt) })
}
