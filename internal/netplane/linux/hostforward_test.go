package linux

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
)

// TestHostForwardRules checks the rules for the host's forward filter in
// a fresh namespace holding an iptables filter table like Docker's (or
// another firewall's, or none): where they go, that they exist once
// however often they are ensured, that they are removed, and that nothing
// else is touched. When iptables-nft is installed, it must still read the
// table (Docker changes it with iptables when it starts).
func TestHostForwardRules(t *testing.T) {
	const prefix, link = "gureum-x-", "gi-0a1b2c3d"
	l := newLab(t)
	mine := hostForwardRules(prefix, link)
	docker := "docker"

	t.Run("DOCKER-USER", func(t *testing.T) {
		ns := l.instance("docker")
		fakeFilter(t, ns, true, nftables.ChainPolicyDrop)
		// Another gureum's rule (another prefix) and a rule of the
		// host's stay whatever happens.
		other := hostForwardRules("gureum-y-", "gi-99999999")[0]
		addFilterRule(t, ns, dockerUserChain, other.comment, other.exprs)
		for i := range 3 {
			chain, changed, err := syncHostForward(ns, prefix, link, true)
			if err != nil || chain != dockerUserChain || changed != (i == 0) {
				t.Fatalf("ensure #%d: %q, changed %v, %v; want %s, changed %v", i+1, chain, changed, err, dockerUserChain, i == 0)
			}
		}
		got := filterComments(t, ns, dockerUserChain)
		want := []string{mine[1].comment, mine[0].comment, other.comment, docker}
		if !slices.Equal(got, want) {
			t.Errorf("DOCKER-USER = %q; want %q", got, want)
		}
		if got := filterComments(t, ns, filterForwardName); !slices.Equal(got, []string{docker}) {
			t.Errorf("FORWARD = %q; want only Docker's jump", got)
		}
		iptablesReads(t, ns, "-i "+link+" -m comment --comment", "-o "+link+" -m conntrack --ctstate RELATED,ESTABLISHED")

		// A duplicate, a rule changed behind gureum's back and one in
		// the wrong chain are replaced or removed.
		addFilterRule(t, ns, dockerUserChain, mine[0].comment, mine[0].exprs)
		addFilterRule(t, ns, dockerUserChain, mine[1].comment, mine[0].exprs)
		addFilterRule(t, ns, filterForwardName, mine[0].comment, mine[0].exprs)
		if _, changed, err := syncHostForward(ns, prefix, link, true); err != nil || !changed {
			t.Fatalf("ensure after tampering: changed %v, %v", changed, err)
		}
		got = filterComments(t, ns, dockerUserChain)
		slices.Sort(got[:2])
		if want := []string{mine[0].comment, mine[1].comment, other.comment, docker}; !slices.Equal(got, want) {
			t.Errorf("DOCKER-USER after tampering = %q; want %q", got, want)
		}
		if got := filterComments(t, ns, filterForwardName); !slices.Equal(got, []string{docker}) {
			t.Errorf("FORWARD after tampering = %q; want only Docker's jump", got)
		}

		for i := range 2 {
			if _, changed, err := syncHostForward(ns, prefix, link, false); err != nil || changed != (i == 0) {
				t.Fatalf("remove #%d: changed %v, %v", i+1, changed, err)
			}
		}
		if got, want := filterComments(t, ns, dockerUserChain), []string{other.comment, docker}; !slices.Equal(got, want) {
			t.Errorf("DOCKER-USER after removal = %q; want %q", got, want)
		}
		iptablesReads(t, ns)
	})

	t.Run("FORWARD with policy drop", func(t *testing.T) {
		ns := l.instance("drop")
		fakeFilter(t, ns, false, nftables.ChainPolicyDrop)
		if chain, _, err := syncHostForward(ns, prefix, link, true); err != nil || chain != filterForwardName {
			t.Fatalf("ensure: %q, %v; want %s", chain, err, filterForwardName)
		}
		if got, want := filterComments(t, ns, filterForwardName), []string{mine[1].comment, mine[0].comment}; !slices.Equal(got, want) {
			t.Errorf("FORWARD = %q; want %q", got, want)
		}
		if _, _, err := syncHostForward(ns, prefix, link, false); err != nil {
			t.Fatal(err)
		}
		if got := filterComments(t, ns, filterForwardName); len(got) > 0 {
			t.Errorf("FORWARD after removal = %q; want no rules", got)
		}
	})

	t.Run("FORWARD with policy accept", func(t *testing.T) {
		ns := l.instance("accept")
		fakeFilter(t, ns, false, nftables.ChainPolicyAccept)
		if chain, changed, err := syncHostForward(ns, prefix, link, true); err != nil || chain != "" || changed {
			t.Fatalf("ensure: %q, changed %v, %v; want nothing", chain, changed, err)
		}
		if got := filterComments(t, ns, filterForwardName); len(got) > 0 {
			t.Errorf("FORWARD = %q; want no rules", got)
		}
	})

	t.Run("no filter table", func(t *testing.T) {
		ns := l.instance("none")
		if chain, changed, err := syncHostForward(ns, prefix, link, true); err != nil || chain != "" || changed {
			t.Fatalf("ensure: %q, changed %v, %v; want nothing", chain, changed, err)
		}
		if _, changed, err := syncHostForward(ns, prefix, link, false); err != nil || changed {
			t.Fatalf("remove: changed %v, %v; want nothing", changed, err)
		}
	})
}

// fakeFilter makes iptables' table ip filter in the namespace at path:
// with docker as Docker leaves it (FORWARD jumps to DOCKER-USER, which
// returns), without it a FORWARD chain only; FORWARD has the policy given.
// Docker's rules carry no comment.
func fakeFilter(t *testing.T, path string, docker bool, policy nftables.ChainPolicy) {
	t.Helper()
	err := do(path, func() error {
		c, err := nftables.New()
		if err != nil {
			return err
		}
		tb := c.AddTable(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: filterTableName})
		fwd := c.AddChain(&nftables.Chain{
			Name: filterForwardName, Table: tb, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &policy,
		})
		if docker {
			du := c.AddChain(&nftables.Chain{Name: dockerUserChain, Table: tb})
			c.AddRule(&nftables.Rule{Table: tb, Chain: fwd, Exprs: []expr.Any{&expr.Counter{}, &expr.Verdict{Kind: expr.VerdictJump, Chain: dockerUserChain}}})
			c.AddRule(&nftables.Rule{Table: tb, Chain: du, Exprs: []expr.Any{&expr.Counter{}, &expr.Verdict{Kind: expr.VerdictReturn}}})
		}
		return c.Flush()
	})
	if err != nil {
		t.Fatalf("fake filter table: %v", err)
	}
}

// addFilterRule inserts a rule with a comment at the top of a chain of
// table ip filter in the namespace at path.
func addFilterRule(t *testing.T, path, chain, comment string, ex []expr.Any) {
	t.Helper()
	err := do(path, func() error {
		c, err := nftables.New()
		if err != nil {
			return err
		}
		tb := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: filterTableName}
		c.InsertRule(&nftables.Rule{Table: tb, Chain: &nftables.Chain{Name: chain, Table: tb}, Exprs: ex,
			UserData: userdata.AppendString(nil, userdata.TypeComment, comment)})
		return c.Flush()
	})
	if err != nil {
		t.Fatalf("adding a rule to %s: %v", chain, err)
	}
}

// filterComments lists the comments of the rules of a chain of table ip
// filter in the namespace at path, in order; "docker" stands for a rule
// without a comment.
func filterComments(t *testing.T, path, chain string) []string {
	t.Helper()
	var got []string
	err := do(path, func() error {
		c, err := nftables.New()
		if err != nil {
			return err
		}
		tb := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: filterTableName}
		rules, err := c.GetRules(tb, &nftables.Chain{Name: chain, Table: tb})
		for _, r := range rules {
			cm, ok := userdata.GetString(r.UserData, userdata.TypeComment)
			if !ok {
				cm = "docker"
			}
			got = append(got, cm)
		}
		return err
	})
	if err != nil {
		t.Fatalf("listing %s: %v", chain, err)
	}
	return got
}

// iptablesReads checks, if iptables-nft is installed, that it can read
// the filter table in the namespace at path, and that its rules contain
// each of want.
func iptablesReads(t *testing.T, path string, want ...string) {
	t.Helper()
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Log("iptables is not installed: not checking that it reads the table")
		return
	}
	if v, err := exec.Command("iptables", "-V").Output(); err != nil || !strings.Contains(string(v), "nf_tables") {
		t.Logf("iptables is not iptables-nft (%q, %v): not checking that it reads the table", v, err)
		return
	}
	out, err := exec.Command("ip", "netns", "exec", filepath.Base(path), "iptables", "-S").CombinedOutput()
	if err != nil {
		t.Fatalf("iptables -S: %v\n%s", err, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("iptables -S shows no %q:\n%s", w, out)
		}
	}
	// As Docker does when it starts.
	if out, err := exec.Command("ip", "netns", "exec", filepath.Base(path), "iptables", "-C", dockerUserChain, "-j", "RETURN").CombinedOutput(); err != nil {
		t.Errorf("iptables -C %s -j RETURN: %v\n%s", dockerUserChain, err, out)
	}
}
