package ec2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// The instance and image reconcilers. The API records intent (an instance
// pending, stopping, shutting-down; an image pending) and schedules work
// in the same transaction; these handlers, run by internal/reconcile,
// call the compute driver and record the outcome. A running instance is
// also checked when the driver tells of an exit and at every sweep: an
// instance whose workload stopped by itself is stopped (or terminated, by
// its shutdown behaviour) with AWS's StateReason, and one whose workload
// was removed behind gureum's back is terminated with a reason.

// Timings are the paces of the state machines: how long the none
// driver's transitions last, imitating AWS's (real drivers take as long
// as the work takes), and how long terminated instances stay visible.
// The zero value of a field is its default.
type Timings struct {
	// InstancePending is how long an instance stays pending (1 s).
	InstancePending time.Duration
	// InstanceStopping is how long stopping and shutting-down last
	// (500 ms).
	InstanceStopping time.Duration
	// ImagePending is how long a new image stays pending (1 s).
	ImagePending time.Duration
	// Volume is how long creating, attaching, detaching, deleting and
	// modifying a volume, and a snapshot's pending, last (500 ms).
	Volume time.Duration
	// TerminatedRetention is how long a terminated instance stays
	// visible (1 hour); negative means not at all.
	TerminatedRetention time.Duration
}

// withDefaults fills the zero fields.
func (t Timings) withDefaults() Timings {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.InstancePending, time.Second)
	def(&t.InstanceStopping, 500*time.Millisecond)
	def(&t.ImagePending, time.Second)
	def(&t.Volume, 500*time.Millisecond)
	def(&t.TerminatedRetention, time.Hour)
	if t.TerminatedRetention < 0 {
		t.TerminatedRetention = 0
	}
	return t
}

// delay is d for the none driver and zero for drivers that do real work.
func (s *Service) delay(d time.Duration) time.Duration {
	if s.compute.Name() == "none" {
		return d
	}
	return 0
}

var (
	instanceShutdown = &StateReason{Code: "Client.InstanceInitiatedShutdown", Message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown"}
	launchFailed     = "Server.InternalError"
)

// splitWork splits a work item's id into its scope and resource id.
func splitWork(id string) (scope, string, bool) {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 {
		return scope{}, "", false
	}
	return scope{parts[0], parts[1]}, parts[2], true
}

func (s *Service) reconcileInstance(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return 0, nil
	}
	var inst *Instance
	var spec compute.Spec
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if inst, err = getRes[Instance](tx, sc, id); err != nil {
			return err
		}
		if inst.State.Name == "pending" {
			spec, err = s.instanceSpec(ctx, tx, sc, inst)
		}
		return err
	})
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	d := s.driver()
	observed := inst.State.Name
	switch observed {
	case "pending":
		h, err := d.Start(ctx, spec)
		if errors.Is(err, compute.ErrImageUnavailable) {
			err = reconcile.Permanent(err)
		}
		if err != nil {
			return 0, err
		}
		err = s.moveInstance(ctx, sc, id, observed, func(tx store.Tx, inst *Instance) error {
			inst.Handle = &h
			inst.State, inst.StateReason = stateRunning, nil
			return nil
		}, &h)
		if err == nil {
			s.markNet(sc) // plug its interfaces into the VPC network
		}
		return 0, err
	case "running", "stopped":
		if inst.Handle == nil {
			return 0, nil
		}
		st, err := d.Inspect(ctx, *inst.Handle)
		if errors.Is(err, compute.ErrNotFound) {
			return 0, s.workloadGone(ctx, sc, id, observed)
		}
		if err != nil || observed == "stopped" || st.Running {
			return 0, err
		}
		return 0, s.stoppedByItself(ctx, sc, inst, st)
	case "stopping":
		if inst.Handle != nil {
			err := d.Stop(ctx, *inst.Handle)
			if errors.Is(err, compute.ErrNotFound) {
				return 0, s.workloadGone(ctx, sc, id, observed)
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, s.moveInstance(ctx, sc, id, observed, func(tx store.Tx, inst *Instance) error {
			inst.State = stateStopped
			return nil
		}, nil)
	case "shutting-down":
		if inst.Handle != nil {
			if err := d.Destroy(ctx, *inst.Handle); err != nil && !errors.Is(err, compute.ErrNotFound) {
				return 0, err
			}
		}
		return 0, s.moveInstance(ctx, sc, id, observed, s.terminate, nil)
	case "terminated":
		if !s.now().Before(inst.terminatedAt().Add(s.timings.TerminatedRetention)) {
			return 0, s.store.Update(ctx, func(tx store.Tx) error {
				inst, err := getRes[Instance](tx, sc, id)
				if isNotFound(err) || (err == nil && inst.State.Name != "terminated") {
					return nil
				}
				if err != nil {
					return err
				}
				forget(sc, id)
				return delRes(tx, sc, id)
			})
		}
		return time.Until(inst.terminatedAt().Add(s.timings.TerminatedRetention)) + time.Millisecond, nil
	}
	return 0, nil
}

// terminatedAt is when a terminated instance ended (its Reason's date when
// it has one, else its launch).
func (i *Instance) terminatedAt() time.Time {
	if i.TerminatedAt.IsZero() {
		return i.LaunchTime
	}
	return i.TerminatedAt
}

// terminate records an instance's end and releases its network.
func (s *Service) terminate(_ store.Tx, inst *Instance) error {
	inst.State = stateTerminated
	inst.TerminatedAt = s.now().UTC()
	return nil
}

// moveInstance applies fn to the instance if it is still in the state
// observed when the work began (otherwise the user moved it on, and the
// work scheduled then stands; a new handle is kept all the same).
func (s *Service) moveInstance(ctx context.Context, sc scope, id, observed string, fn func(store.Tx, *Instance) error, h *compute.Handle) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		inst, err := getRes[Instance](tx, sc, id)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if inst.State.Name != observed {
			if h == nil {
				return nil
			}
			inst.Handle = h
			return putRes(tx, sc, id, inst)
		}
		if err := fn(tx, inst); err != nil {
			return err
		}
		if inst.State.Name == "terminated" {
			if err := s.releaseInstanceNetwork(tx, sc, inst); err != nil {
				return err
			}
			if err := s.releaseInstanceVolumes(tx, sc, inst); err != nil {
				return err
			}
			if err := addWork(tx, sc, id, s.now().Add(s.timings.TerminatedRetention)); err != nil {
				return err
			}
		}
		if inst.State.Name == "stopped" {
			if n, err := s.primaryENI(tx, sc, inst); err != nil {
				return err
			} else if n != nil {
				if err := releaseAutoPublicIP(tx, n); err != nil {
					return err
				}
				if err := putRes(tx, sc, n.NetworkInterfaceID, n); err != nil {
					return err
				}
			}
		}
		return putRes(tx, sc, id, inst)
	})
}

// stoppedByItself records a workload that exited without being asked:
// poweroff inside the instance, or a process that died. The instance's
// shutdown behaviour decides between stopped and terminated, as on EC2.
func (s *Service) stoppedByItself(ctx context.Context, sc scope, inst *Instance, st compute.Status) error {
	reason := instanceShutdown
	if st.ExitCode != 0 || st.OOM {
		msg := fmt.Sprintf("Server.InternalError: the instance's init exited with code %d", st.ExitCode)
		if st.OOM {
			msg = "Server.InternalError: the instance ran out of memory"
		}
		reason = &StateReason{Code: "Server.InternalError", Message: msg}
	}
	if inst.ShutdownBehavior == "terminate" {
		if err := s.driver().Destroy(ctx, *inst.Handle); err != nil && !errors.Is(err, compute.ErrNotFound) {
			return err
		}
		return s.moveInstance(ctx, sc, inst.InstanceID, "running", func(tx store.Tx, i *Instance) error {
			i.Reason, i.StateReason = reason.Message, reason
			return s.terminate(tx, i)
		}, nil)
	}
	return s.moveInstance(ctx, sc, inst.InstanceID, "running", func(tx store.Tx, i *Instance) error {
		i.State, i.Reason, i.StateReason = stateStopped, reason.Message, reason
		return nil
	}, nil)
}

// workloadGone records an instance whose workload was removed behind
// gureum's back: it is terminated, with a reason that says so. What the
// driver kept for it besides the workload (its volumes' mounts, its
// files) goes too.
func (s *Service) workloadGone(ctx context.Context, sc scope, id, observed string) error {
	s.log.Warn("ec2: an instance's workload is gone; the instance is terminated", "instance", id)
	var h *compute.Handle
	if err := s.store.View(ctx, func(tx store.Tx) error {
		inst, err := getRes[Instance](tx, sc, id)
		if err == nil {
			h = inst.Handle
		}
		return nil
	}); err != nil {
		return err
	}
	if h != nil {
		if err := s.driver().Destroy(ctx, *h); err != nil && !errors.Is(err, compute.ErrNotFound) {
			return err
		}
	}
	return s.moveInstance(ctx, sc, id, observed, func(tx store.Tx, i *Instance) error {
		i.Reason = "Server.InternalError: the instance's container was removed outside gureum"
		i.StateReason = &StateReason{Code: "Server.InternalError", Message: i.Reason}
		return s.terminate(tx, i)
	}, nil)
}

// failInstance records work on an instance that failed for good. A launch
// that failed ends the instance as AWS ends one that could not launch.
func (s *Service) failInstance(ctx context.Context, it reconcile.Item, cause error) error {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return nil
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		inst, err := getRes[Instance](tx, sc, id)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		switch inst.State.Name {
		case "pending":
			msg := "Server.InternalError: Internal error on launch"
			if errors.Is(cause, compute.ErrImageUnavailable) {
				msg += ": " + cause.Error()
			}
			inst.Reason, inst.StateReason = msg, &StateReason{Code: launchFailed, Message: msg}
			if err := s.terminate(tx, inst); err != nil {
				return err
			}
			if err := s.releaseInstanceNetwork(tx, sc, inst); err != nil {
				return err
			}
			if err := s.releaseInstanceVolumes(tx, sc, inst); err != nil {
				return err
			}
			if err := putRes(tx, sc, id, inst); err != nil {
				return err
			}
			return addWork(tx, sc, id, s.now().Add(s.timings.TerminatedRetention))
		}
		// Stop and terminate keep being asked for, more slowly: the
		// instance stays stopping or shutting-down meanwhile, as on AWS.
		if inst.State.Name == "stopping" || inst.State.Name == "shutting-down" {
			return addWork(tx, sc, id, s.now().Add(time.Minute))
		}
		return nil
	})
}

func (s *Service) reconcileImage(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return 0, nil
	}
	var im *Image
	var inst *Instance
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		im, err = getRes[Image](tx, sc, id)
		if err != nil {
			return err
		}
		inst, _ = getRes[Instance](tx, sc, im.SourceInstanceID)
		return nil
	})
	if isNotFound(err) || (err == nil && im.State != "pending") {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	ref := im.Ref
	if c, ok := s.driver().(compute.ImageCreator); ok && inst != nil && inst.Handle != nil {
		ref, err = c.CreateImage(ctx, *inst.Handle, compute.ImageOptions{ImageID: im.ImageID, Name: im.Name,
			Description: im.Description, Reboot: !im.NoReboot && inst.State.Name == "running"})
		s.markNet(sc) // a reboot around the commit gave it a new namespace
		if err != nil {
			return 0, err
		}
	}
	return 0, s.store.Update(ctx, func(tx store.Tx) error {
		im, err := getRes[Image](tx, sc, id)
		if isNotFound(err) {
			// Deregistered meanwhile: its bytes go too.
			return reconcile.Add(tx, workImageRemove, string(resKey(sc.acct, sc.region, ref)), s.now())
		}
		if err != nil {
			return err
		}
		if im.State == "pending" {
			im.State, im.Ref = "available", ref
			if err := rootSnapshotHolds(tx, sc, im); err != nil {
				return err
			}
			return putRes(tx, sc, im.ImageID, im)
		}
		return nil
	})
}

func (s *Service) failImage(ctx context.Context, it reconcile.Item, cause error) error {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return nil
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		im, err := getRes[Image](tx, sc, id)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if im.State != "pending" {
			return nil
		}
		im.State = "failed"
		im.StateReason = &StateReason{Code: "Server.InternalError", Message: "Server.InternalError: " + cause.Error()}
		return putRes(tx, sc, id, im)
	})
}

// removeImageBytes removes a deregistered image's bytes; the driver
// refuses while an instance still uses them, so this retries until none
// does.
func (s *Service) removeImageBytes(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	_, ref, ok := splitWork(it.ID)
	c, can := s.driver().(compute.ImageCreator)
	if !ok || !can || ref == "" {
		return 0, nil
	}
	return 0, c.RemoveImage(ctx, ref)
}

// rebootWorkload restarts a running instance's workload in place.
func (s *Service) rebootWorkload(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	sc, id, ok := splitWork(it.ID)
	r, can := s.driver().(compute.Rebooter)
	if !ok || !can {
		return 0, nil
	}
	var inst *Instance
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		inst, err = getRes[Instance](tx, sc, id)
		return err
	})
	if isNotFound(err) || (err == nil && (inst.State.Name != "running" || inst.Handle == nil)) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	err = r.Reboot(ctx, *inst.Handle)
	s.markNet(sc) // a new namespace: plug it again
	return 0, err
}

// reconcileNat settles a NAT gateway's timed states (pending → available,
// deleting → deleted, deleted → forgotten) when they are due.
func (s *Service) reconcileNat(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return 0, nil
	}
	var again time.Duration
	err := s.store.Update(ctx, func(tx store.Tx) error {
		again = 0
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		b, err := tx.Get(tNatDeleted, resKey(sc.acct, sc.region, id))
		if err == nil {
			// Deleted: it is forgotten once natDeletedTTL has passed.
			var n NatGateway
			if json.Unmarshal(b, &n) == nil && n.DeleteTime != nil {
				again = max(n.DeleteTime.Add(natDeletedTTL).Sub(s.now())+time.Second, time.Millisecond)
			}
			return nil
		}
		if n, err := getRes[NatGateway](tx, sc, id); err == nil && (n.State == "pending" || n.State == "deleting") {
			again = max(n.Due.Sub(s.now()), time.Millisecond)
		}
		return nil
	})
	s.markNet(sc) // an available (or deleted) NAT gateway changes routing
	return again, err
}

// sweep compares every workload the driver owns with the store: a
// workload whose instance is gone (or terminated) is an orphan and is
// removed; an instance whose workload stopped or vanished is checked. It
// runs at start (re-adopting what kept running while gureum was down) and
// then every sweepInterval.
func (s *Service) sweep(ctx context.Context, _ reconcile.Item) (time.Duration, error) {
	type known struct {
		sc    scope
		state string
		h     *compute.Handle
	}
	insts := map[string]known{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		return tx.Scan(tRes, nil, nil, func(k, v []byte) (bool, error) {
			sc, id, ok := splitWork(string(k))
			if !ok || !strings.HasPrefix(id, "i-") {
				return true, nil
			}
			inst, err := getRes[Instance](tx, sc, id)
			if err != nil {
				return true, nil
			}
			insts[id] = known{sc, inst.State.Name, inst.Handle}
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	var check []known
	var checkIDs []string
	if l, ok := s.driver().(compute.Lister); ok {
		wls, err := l.List(ctx)
		if err != nil {
			return 0, err
		}
		have := map[string]bool{}
		for _, w := range wls {
			have[w.InstanceID] = true
			k, ok := insts[w.InstanceID]
			if !ok || k.state == "terminated" {
				s.log.Info("ec2: removing an orphan workload", "instance", w.InstanceID)
				if err := s.driver().Destroy(ctx, w.Handle); err != nil && !errors.Is(err, compute.ErrNotFound) {
					return 0, err
				}
				continue
			}
			if k.state == "running" && !w.Status.Running {
				check, checkIDs = append(check, k), append(checkIDs, w.InstanceID)
			}
		}
		for id, k := range insts {
			if (k.state == "running" || k.state == "stopped") && k.h != nil && k.h.Driver == s.driver().Name() && !have[id] {
				check, checkIDs = append(check, k), append(checkIDs, id)
			}
		}
	}
	if len(check) > 0 {
		err := s.store.Update(ctx, func(tx store.Tx) error {
			for i, k := range check {
				if err := addWork(tx, k.sc, checkIDs[i], s.now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return sweepInterval, nil
}
