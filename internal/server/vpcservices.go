package server

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gureum/gureum/internal/ec2"
	"github.com/gureum/gureum/internal/iam"
	"github.com/gureum/gureum/internal/imds"
	"github.com/gureum/gureum/internal/netplane"
	"github.com/gureum/gureum/internal/vpcdns"
)

// instanceCredentialsLife is how long the role credentials the metadata
// service hands out last (EC2's are good for about six hours and are
// refreshed well before).
const instanceCredentialsLife = 6 * time.Hour

// vpcServices runs the services AWS has in every VPC: the instance
// metadata service at 169.254.169.254 and the resolver at base + 2. Both
// listen inside the VPC's network (netplane's Listen) and are served by
// gureum's goroutines; they answer from the store, so they are always as
// current as the API.
type vpcServices struct {
	ec2     *ec2.Service
	iam     *iam.Service
	log     *slog.Logger
	now     func() time.Time
	forward []string // upstream resolvers; none in an isolated internet
	md      *imds.Server
	api     http.Handler // gureum's AWS endpoint, served in every VPC too

	mu     sync.Mutex
	scopes map[string][2]string // vpc id → account, region
}

func newVPCServices(e *ec2.Service, i *iam.Service, api http.Handler, log *slog.Logger, now func() time.Time, forward []string) *vpcServices {
	v := &vpcServices{ec2: e, iam: i, api: api, log: log, now: now, forward: forward, scopes: map[string][2]string{}}
	v.md = imds.NewServer(mdSource{v}, imds.WithLogger(log), imds.WithClock(now))
	return v
}

// Open implements ec2.VPCServices.
func (v *vpcServices) Open(ctx context.Context, dp netplane.Dataplane, acct, region string, vpc *ec2.Vpc) (io.Closer, error) {
	cidr, err := netip.ParsePrefix(vpc.CidrBlock)
	if err != nil {
		return nil, err
	}
	id := vpc.VpcID
	v.mu.Lock()
	v.scopes[id] = [2]string{acct, region}
	v.mu.Unlock()
	var cs closers
	fail := func(err error) (io.Closer, error) {
		cs.Close()
		return nil, err
	}
	mdl, err := dp.Listen(ctx, id, "tcp", "169.254.169.254:80")
	if err != nil {
		return fail(err)
	}
	cs = append(cs, mdl)
	go v.md.Serve(mdl.(net.Listener), id)

	// gureum's own endpoint, so that instances reach S3, IAM, STS and EC2
	// as the host does at localhost:4566 (AWS_ENDPOINT_URL).
	apil, err := dp.Listen(ctx, id, "tcp", ec2.APIAddrInVPC)
	if err != nil {
		return fail(err)
	}
	cs = append(cs, apil)
	api := &http.Server{Handler: v.api, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(v.log.Handler(), slog.LevelDebug)}
	go api.Serve(apil.(net.Listener))

	dnsAddr := netip.AddrPortFrom(ec2.ResolverAddr(cidr), 53).String()
	udp, err := dp.Listen(ctx, id, "udp", dnsAddr)
	if err != nil {
		return fail(err)
	}
	cs = append(cs, udp)
	tcp, err := dp.Listen(ctx, id, "tcp", dnsAddr)
	if err != nil {
		return fail(err)
	}
	cs = append(cs, tcp)
	dns := vpcdns.NewServer(dnsRecords{v, acct, region}, id, vpcdns.Options{
		Forward: v.forward, Region: region, Logger: v.log,
		EnableDNSSupport: func() bool {
			on, _, err := v.ec2.VPCDNS(context.Background(), acct, region, id)
			return err == nil && on
		},
	})
	go dns.ServeUDP(udp.(net.PacketConn))
	go dns.ServeTCP(tcp.(net.Listener))
	cs = append(cs, closeFunc(func() error {
		v.mu.Lock()
		delete(v.scopes, id)
		v.mu.Unlock()
		return nil
	}))
	return cs, nil
}

func (v *vpcServices) scope(vpcID string) (acct, region string, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.scopes[vpcID]
	return s[0], s[1], ok
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

type closeFunc func() error

func (f closeFunc) Close() error { return f() }

// mdSource answers the metadata service from EC2's and IAM's records.
type mdSource struct{ v *vpcServices }

// Lookup implements imds.Source.
func (m mdSource) Lookup(ctx context.Context, vpcID string, ip netip.Addr) (*imds.Instance, error) {
	// A client that half-closes after its request (nc) cancels the
	// request's context; the lookup is short and should finish.
	ctx = context.WithoutCancel(ctx)
	acct, region, ok := m.v.scope(vpcID)
	if !ok {
		return nil, imds.ErrNoInstance
	}
	mv, err := m.v.ec2.MetadataFor(ctx, acct, region, vpcID, ip)
	if errors.Is(err, ec2.ErrNoInstance) {
		return nil, imds.ErrNoInstance
	}
	if err != nil {
		return nil, err
	}
	in := mv.Instance
	out := &imds.Instance{
		InstanceID: in.InstanceID, ImageID: in.ImageID, InstanceType: in.InstanceType, Architecture: in.Architecture,
		ReservationID: in.ReservationID, AccountID: acct, Region: region,
		AvailabilityZone: in.Placement.AvailabilityZone, LaunchIndex: int(in.AmiLaunchIndex), RootDeviceName: in.RootDeviceName,
		PrivateIP: ip, PrivateDNSName: mv.ENI.PrivateDNSName, MAC: strings.ToLower(mv.ENI.MacAddress),
		InterfaceID: mv.ENI.NetworkInterfaceID, SubnetID: mv.ENI.SubnetID, VpcID: vpcID,
		SecurityGroupNames: mv.GroupNames, KeyName: in.KeyName, PublicKey: mv.PublicKey,
		HttpTokens: in.MetadataOptions.HttpTokens, HttpPutResponseHopLimit: int(in.MetadataOptions.HttpPutResponseHopLimit),
		HttpEndpoint: in.MetadataOptions.HttpEndpoint, LaunchTime: in.LaunchTime,
	}
	if out.PrivateDNSName == "" {
		out.PrivateDNSName = in.PrivateDNSName
	}
	for _, g := range mv.ENI.Groups {
		out.SecurityGroupIDs = append(out.SecurityGroupIDs, g.GroupID)
	}
	if a := mv.ENI.Association; a != nil {
		out.PublicIP, _ = netip.ParseAddr(a.PublicIP)
		out.PublicDNSName = a.PublicDNSName
	}
	out.SubnetCIDR, _ = netip.ParsePrefix(mv.Subnet.CidrBlock)
	out.VpcCIDR, _ = netip.ParsePrefix(mv.Vpc.CidrBlock)
	if in.UserData != "" {
		out.UserData, _ = base64.StdEncoding.DecodeString(in.UserData)
	}
	if p := in.IamInstanceProfile; p != nil {
		role, ok, err := m.v.iam.InstanceProfileRole(ctx, acct, p.Arn)
		if err != nil {
			return nil, err
		}
		if ok {
			out.RoleName, out.InstanceProfileArn, out.InstanceProfileID = role.Name, p.Arn, p.ID
		}
	}
	return out, nil
}

// Credentials implements imds.Source: a session of the instance profile's
// role named after the instance, as EC2 makes them; requests signed with
// it are authorized as that role session.
func (m mdSource) Credentials(ctx context.Context, inst *imds.Instance) (imds.Credentials, error) {
	ctx = context.WithoutCancel(ctx)
	role, ok, err := m.v.iam.InstanceProfileRole(ctx, inst.AccountID, inst.InstanceProfileArn)
	if err != nil {
		return imds.Credentials{}, err
	}
	if !ok {
		return imds.Credentials{}, errors.New("the instance profile has no role")
	}
	sess, err := m.v.iam.CreateSession(ctx, iam.SessionSpec{Account: role.Account, Expires: m.v.now().Add(instanceCredentialsLife),
		Role: &role, SessionName: inst.InstanceID})
	if err != nil {
		return imds.Credentials{}, err
	}
	return imds.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, Token: sess.SessionToken, Expiration: sess.Expiration}, nil
}

// dnsRecords answers the resolver from EC2's records.
type dnsRecords struct {
	v            *vpcServices
	acct, region string
}

// Resolve implements vpcdns.Records: ip-a-b-c-d names of the VPC's
// interfaces, and (with enableDnsHostnames) the public names of its
// public IPs, which resolve to the private address inside the VPC.
func (r dnsRecords) Resolve(ctx context.Context, vpcID, name string) ([]netip.Addr, bool, error) {
	ip, public, ok := vpcdns.ParseEC2Name(name)
	if !ok {
		return nil, false, nil
	}
	if public {
		_, hostnames, err := r.v.ec2.VPCDNS(ctx, r.acct, r.region, vpcID)
		if err != nil || !hostnames {
			return nil, false, err
		}
	}
	priv, found, err := r.v.ec2.VPCAddress(ctx, r.acct, r.region, vpcID, ip, public)
	if err != nil || !found {
		return nil, false, err
	}
	return []netip.Addr{priv}, true, nil
}

// hostResolvers returns the nameservers of the host's resolv.conf, which
// the VPC resolvers forward to when gureum's internet is the host's.
func hostResolvers() []string {
	f, err := os.Open("/etc/resolv.conf")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "nameserver" {
			if a, err := netip.ParseAddr(fields[1]); err == nil {
				out = append(out, netip.AddrPortFrom(a, 53).String())
			}
		}
	}
	return out
}
