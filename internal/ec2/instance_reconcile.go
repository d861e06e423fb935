package ec2

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/store"
)

// The instance reconciler. The API records intent (an instance pending,
// stopping, shutting-down; an image pending) and puts the resource in the
// work table with the time it is due; the reconciler calls the compute
// driver and records the outcome. The work table is in the store, so
// after a restart the first use of instances or images resumes whatever
// was in flight.
//
//	ec2.work: account "/" region "/" id → due time (unix ns, big endian)
const tWork = "ec2.work"

// Timings of the state machine. Tests may shorten them.
var (
	// InstancePendingDelay is how long an instance stays pending.
	InstancePendingDelay = time.Second
	// InstanceStoppingDelay is how long stopping and shutting-down last.
	InstanceStoppingDelay = 500 * time.Millisecond
	// ImagePendingDelay is how long a new image stays pending.
	ImagePendingDelay = time.Second
	// TerminatedRetention is how long a terminated instance stays visible.
	TerminatedRetention = time.Hour
	// ReconcileInterval is the reconciler's tick.
	ReconcileInterval = 200 * time.Millisecond
)

func addWork(tx store.Tx, sc scope, id string, due time.Time) error {
	return tx.Put(tWork, resKey(sc.acct, sc.region, id), binary.BigEndian.AppendUint64(nil, uint64(due.UnixNano())))
}

func delWork(tx store.Tx, sc scope, id string) error {
	return tx.Delete(tWork, resKey(sc.acct, sc.region, id))
}

type workItem struct {
	sc scope
	id string
}

func (s *Service) reconcileLoop(rt *computeRuntime) {
	t := time.NewTicker(ReconcileInterval)
	defer t.Stop()
	for {
		if err := s.reconcileOnce(context.Background()); errors.Is(err, store.ErrClosed) {
			return
		} else if err != nil {
			s.log.Warn("ec2 reconciler", "err", err)
		}
		select {
		case <-rt.stop:
			return
		case <-t.C:
		}
	}
}

// reconcileOnce handles every work item that is due.
func (s *Service) reconcileOnce(ctx context.Context) error {
	now := s.now()
	var due []workItem
	err := s.store.View(ctx, func(tx store.Tx) error {
		return tx.Scan(tWork, nil, nil, func(k, v []byte) (bool, error) {
			if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now.UnixNano() {
				return true, nil
			}
			parts := strings.SplitN(string(k), "/", 3)
			if len(parts) == 3 {
				due = append(due, workItem{scope{parts[0], parts[1]}, parts[2]})
			}
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	for _, w := range due {
		var err error
		if strings.HasPrefix(w.id, "ami-") {
			err = s.reconcileImage(ctx, w)
		} else {
			err = s.reconcileInstance(ctx, w)
		}
		if errors.Is(err, store.ErrClosed) {
			return err
		}
		if err != nil {
			s.log.Warn("ec2 reconciler", "id", w.id, "err", err)
			// Try again a little later.
			_ = s.store.Update(ctx, func(tx store.Tx) error { return addWork(tx, w.sc, w.id, s.now().Add(time.Second)) })
		}
	}
	return nil
}

func (s *Service) reconcileImage(ctx context.Context, w workItem) error {
	var im *Image
	var inst *Instance
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		im, err = getRes[Image](tx, w.sc, w.id)
		if err != nil {
			return err
		}
		inst, _ = getRes[Instance](tx, w.sc, im.SourceInstanceID)
		return nil
	})
	if isNotFound(err) {
		return s.store.Update(ctx, func(tx store.Tx) error { return delWork(tx, w.sc, w.id) })
	}
	if err != nil {
		return err
	}
	ref := im.Ref
	if c, ok := s.driver().(compute.ImageCreator); ok && inst != nil && inst.Handle != nil {
		if ref, err = c.CreateImage(ctx, *inst.Handle, im.Name); err != nil {
			return err
		}
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		im, err := getRes[Image](tx, w.sc, w.id)
		if isNotFound(err) {
			return delWork(tx, w.sc, w.id)
		}
		if err != nil {
			return err
		}
		if im.State == "pending" {
			im.State, im.Ref = "available", ref
			if err := putRes(tx, w.sc, im.ImageID, im); err != nil {
				return err
			}
		}
		return delWork(tx, w.sc, w.id)
	})
}

func (s *Service) reconcileInstance(ctx context.Context, w workItem) error {
	var inst *Instance
	var spec compute.Spec
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		inst, err = getRes[Instance](tx, w.sc, w.id)
		if err != nil {
			return err
		}
		if inst.State.Name == "pending" {
			spec, err = s.instanceSpec(ctx, tx, w.sc, inst)
		}
		return err
	})
	if isNotFound(err) {
		return s.store.Update(ctx, func(tx store.Tx) error { return delWork(tx, w.sc, w.id) })
	}
	if err != nil {
		return err
	}
	d := s.driver()
	observed := inst.State.Name
	var handle *compute.Handle
	switch observed {
	case "pending":
		h, err := d.Start(ctx, spec)
		if err != nil {
			return err
		}
		handle = &h
	case "stopping":
		if inst.Handle != nil {
			if err := d.Stop(ctx, *inst.Handle); err != nil {
				return err
			}
		}
	case "shutting-down":
		if inst.Handle != nil {
			if err := d.Destroy(ctx, *inst.Handle); err != nil && !errors.Is(err, compute.ErrNotFound) {
				return err
			}
		}
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		inst, err := getRes[Instance](tx, w.sc, w.id)
		if isNotFound(err) {
			return delWork(tx, w.sc, w.id)
		}
		if err != nil {
			return err
		}
		if handle != nil {
			inst.Handle = handle
		}
		if inst.State.Name != observed {
			// The user moved it on meanwhile; its new work item stands.
			return putRes(tx, w.sc, inst.InstanceID, inst)
		}
		now := s.now().UTC()
		switch observed {
		case "pending":
			inst.State = stateRunning
		case "stopping":
			inst.State = stateStopped
		case "shutting-down":
			inst.State = stateTerminated
			if err := s.releaseInstanceNetwork(tx, w.sc, inst); err != nil {
				return err
			}
			if err := putRes(tx, w.sc, inst.InstanceID, inst); err != nil {
				return err
			}
			return addWork(tx, w.sc, inst.InstanceID, now.Add(TerminatedRetention))
		case "terminated":
			if err := delRes(tx, w.sc, inst.InstanceID); err != nil {
				return err
			}
			forget(w.sc, inst.InstanceID)
			return delWork(tx, w.sc, w.id)
		}
		if err := putRes(tx, w.sc, inst.InstanceID, inst); err != nil {
			return err
		}
		return delWork(tx, w.sc, w.id)
	})
}
