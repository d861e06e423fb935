package imds

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// credKey names a cache entry: an instance's credentials are per role (a
// new profile association must not see the old role's keys).
type credKey struct {
	instanceID, roleName, profileArn string
}

// cachedCreds are credentials and when they were fetched (iam/info's and
// the credentials' LastUpdated).
type cachedCreds struct {
	Credentials
	lastUpdated time.Time
}

// credEntry is one cache entry; mu serialises its fetches, so an instance
// polling in parallel makes one call to the Source.
type credEntry struct {
	mu    sync.Mutex
	ok    bool
	creds cachedCreds
}

// credCache holds the credentials of every instance that asked.
type credCache struct {
	mu      sync.Mutex
	entries map[credKey]*credEntry
}

func (c *credCache) init() { c.entries = make(map[credKey]*credEntry) }

// get returns inst's credentials from the cache, fetching them from the
// Source when there are none or less than RefreshBefore of their life
// remains. When a refresh fails, credentials that have not yet expired
// are still served.
func (c *credCache) get(ctx context.Context, s *Server, inst *Instance) (cachedCreds, error) {
	now := s.now()
	key := credKey{inst.InstanceID, inst.RoleName, inst.InstanceProfileArn}
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		c.sweep(now)
		e = &credEntry{}
		c.entries[key] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ok && e.creds.Expiration.Sub(now) >= RefreshBefore {
		return e.creds, nil
	}
	fresh, err := s.src.Credentials(ctx, inst)
	if err == nil {
		err = checkCreds(fresh, now)
	}
	if err != nil {
		if e.ok && now.Before(e.creds.Expiration) {
			s.log.Warn("imds: refreshing credentials failed, serving the cached ones", "instance", inst.InstanceID, "role", inst.RoleName, "err", err)
			return e.creds, nil
		}
		return cachedCreds{}, fmt.Errorf("credentials of %s for role %s: %w", inst.InstanceID, inst.RoleName, err)
	}
	e.ok, e.creds = true, cachedCreds{Credentials: fresh, lastUpdated: now}
	return e.creds, nil
}

// sweep drops the entries whose credentials have expired, so that
// terminated instances do not stay in memory. Entries being fetched are
// left alone. c.mu is held.
func (c *credCache) sweep(now time.Time) {
	for k, e := range c.entries {
		if !e.mu.TryLock() {
			continue
		}
		if !e.ok || !now.Before(e.creds.Expiration) {
			delete(c.entries, k)
		}
		e.mu.Unlock()
	}
}

// checkCreds rejects credentials a client could not use.
func checkCreds(c Credentials, now time.Time) error {
	switch {
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return errors.New("the source returned empty credentials")
	case !now.Before(c.Expiration):
		return errors.New("the source returned expired credentials")
	}
	return nil
}
