package ec2

import (
	"context"
	"errors"
	"time"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// The kinds of reconciler work EC2 registers. Each item's id is
// account "/" region "/" resource id.
const (
	workInstance    = "ec2.instance"     // drive an instance toward its recorded state
	workImage       = "ec2.image"        // snapshot an instance into a pending image
	workImageRemove = "ec2.image-remove" // remove a deregistered image's bytes
	workReboot      = "ec2.reboot"       // restart a running instance in place
	workNat         = "ec2.nat"          // settle a NAT gateway's timed states
	workVolume      = "ec2.volume"       // create, attach, detach, modify, delete an EBS volume
	workSnapshot    = "ec2.snapshot"     // copy (or remove) an EBS snapshot's bytes
	workSweep       = "ec2.sweep"        // compare every workload with the store
)

// sweepInterval is how often every workload is compared with the store
// (exits and removals also arrive as events, at once).
const sweepInterval = 30 * time.Second

func (s *Service) driver() compute.Driver { return s.compute }

// kick makes the reconciler look for due work now.
func (s *Service) kick() {
	if s.rec != nil {
		s.rec.Kick()
	}
}

func workKind(id string) string {
	switch {
	case len(id) > 4 && id[:4] == "ami-":
		return workImage
	case len(id) > 4 && id[:4] == "nat-":
		return workNat
	case len(id) > 4 && id[:4] == "vol-":
		return workVolume
	case len(id) > 5 && id[:5] == "snap-":
		return workSnapshot
	}
	return workInstance
}

func addWork(tx store.Tx, sc scope, id string, due time.Time) error {
	return reconcile.Add(tx, workKind(id), string(resKey(sc.acct, sc.region, id)), due)
}

// putDue stores a resource whose current state ends at due and schedules
// its work for then, in one transaction.
func putDue(tx store.Tx, sc scope, id string, due time.Time, v any) error {
	if err := addWork(tx, sc, id, due); err != nil {
		return err
	}
	return putRes(tx, sc, id, v)
}

func delWork(tx store.Tx, sc scope, id string) error {
	return reconcile.Remove(tx, workKind(id), string(resKey(sc.acct, sc.region, id)))
}

// registerWork registers EC2's kinds of work with the reconciler.
func (s *Service) registerWork(e *reconcile.Engine) {
	e.Register(reconcile.Kind{Name: workInstance, Handle: s.reconcileInstance, Fail: s.failInstance})
	e.Register(reconcile.Kind{Name: workImage, Handle: s.reconcileImage, Fail: s.failImage})
	e.Register(reconcile.Kind{Name: workImageRemove, Handle: s.removeImageBytes, MaxAttempts: 1 << 20})
	e.Register(reconcile.Kind{Name: workReboot, Handle: s.rebootWorkload, MaxAttempts: 3})
	e.Register(reconcile.Kind{Name: workNat, Handle: s.reconcileNat})
	e.Register(reconcile.Kind{Name: workVolume, Handle: s.reconcileVolume, Fail: s.failVolume})
	e.Register(reconcile.Kind{Name: workSnapshot, Handle: s.reconcileSnapshot, Fail: s.failSnapshot})
	e.Register(reconcile.Kind{Name: workSweep, Handle: s.sweep, MaxAttempts: 1 << 20})
}

// Resume schedules what a start needs: a sweep that re-adopts running
// workloads, finds drift and removes orphans. It also starts watching the
// driver's exits. Call it once the reconciler runs; ctx bounds the watch.
func (s *Service) Resume(ctx context.Context) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return reconcile.Add(tx, workSweep, "all", s.now())
	})
	if err != nil {
		return err
	}
	if w, ok := s.compute.(compute.Watcher); ok {
		go w.Watch(ctx, s.onWorkloadEvent)
	}
	if s.netOn() {
		s.markAllNet()
		go s.runNet(ctx)
	}
	s.kick()
	return nil
}

// onWorkloadEvent schedules a check of the instance an event is about (all
// of them after the runtime came back).
func (s *Service) onWorkloadEvent(ev compute.Event) {
	ctx := context.Background()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if ev.InstanceID == "" {
			return reconcile.Add(tx, workSweep, "all", s.now())
		}
		sc := scope{ev.Account, ev.Region}
		s.markNet(sc)
		if _, err := getRes[Instance](tx, sc, ev.InstanceID); err != nil {
			if isNotFound(err) {
				return nil
			}
			return err
		}
		// A removal always schedules a new look: the check an exit
		// scheduled may be running and have seen the container still
		// there (a forced removal kills first), and a reschedule wins.
		if _, pending, err := reconcile.Scheduled(tx, workInstance, string(resKey(sc.acct, sc.region, ev.InstanceID))); err != nil || (pending && !ev.Gone) {
			return err // the work already scheduled will look
		}
		return addWork(tx, sc, ev.InstanceID, s.now())
	})
	if err != nil && !errors.Is(err, store.ErrClosed) {
		s.log.Warn("ec2: scheduling a workload check", "instance", ev.InstanceID, "err", err)
	}
	s.kick()
}
