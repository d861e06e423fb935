package docker

import (
	"context"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/gureum/gureum/internal/compute"
)

// Watch implements compute.Watcher with the Engine's event stream: a
// container of this owner that dies or is destroyed is an event. When the
// stream breaks (the Engine stopped), Watch reconnects every second and,
// once connected again, reports a zero Event so everything is re-checked.
func (d *Driver) Watch(ctx context.Context, fn func(compute.Event)) {
	f := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", LabelOwner+"="+d.cfg.Owner),
		filters.Arg("label", LabelKind+"=instance"),
		filters.Arg("event", string(events.ActionDie)),
		filters.Arg("event", string(events.ActionDestroy)),
	)
	broken := false
	for ctx.Err() == nil {
		if broken {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := d.c.Ping(pctx)
			cancel()
			if err != nil {
				sleep(ctx, time.Second)
				continue
			}
			d.log.Info("docker: the Engine answers again; re-checking every instance")
			fn(compute.Event{})
			broken = false
		}
		msgs, errs := d.c.Events(ctx, events.ListOptions{Filters: f})
	stream:
		for {
			select {
			case <-ctx.Done():
				return
			case m := <-msgs:
				a := m.Actor.Attributes
				fn(compute.Event{Account: a[LabelAccount], Region: a[LabelRegion], InstanceID: a[LabelInstance],
					Gone: m.Action == events.ActionDestroy})
			case err := <-errs:
				if ctx.Err() != nil {
					return
				}
				d.log.Warn("docker: the event stream broke; reconnecting", "err", err)
				broken = true
				break stream
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
