package ec2

import (
	"context"
	"strconv"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// Spot Instances: RequestSpotInstances, DescribeSpotInstanceRequests,
// CancelSpotInstanceRequests, and RunInstances with InstanceMarketOptions
// of market type spot. gureum has capacity whenever it can run an
// instance and never interrupts one, so every request is fulfilled at
// once: each instance is launched as RunInstances launches it, with
// InstanceLifecycle "spot" and its request's id. A request's state
// follows its instance as AWS reports it (closed when a one-time
// request's instance is terminated, disabled when a persistent one's is
// stopped), and CancelSpotInstanceRequests leaves the instance running,
// as on AWS.

// SpotInstanceRequest is EC2's SpotInstanceRequest.
type SpotInstanceRequest struct {
	SpotInstanceRequestID        string               `xml:"spotInstanceRequestId" json:"id"`
	SpotPrice                    string               `xml:"spotPrice" json:"price"`
	Type                         string               `xml:"type" json:"type"`
	State                        string               `xml:"state" json:"state"`
	Status                       spotStatus           `xml:"status" json:"status"`
	LaunchSpecification          spotLaunchSpec       `xml:"launchSpecification" json:"spec"`
	InstanceID                   string               `xml:"instanceId,omitempty" json:"instance,omitempty"`
	CreateTime                   time.Time            `xml:"createTime" json:"created"`
	ProductDescription           string               `xml:"productDescription" json:"product"`
	LaunchedAvailabilityZone     string               `xml:"launchedAvailabilityZone,omitempty" json:"az,omitempty"`
	LaunchedAvailabilityZoneID   string               `xml:"launchedAvailabilityZoneId,omitempty" json:"azid,omitempty"`
	ValidUntil                   *time.Time           `xml:"validUntil,omitempty" json:"until,omitempty"`
	InstanceInterruptionBehavior string               `xml:"instanceInterruptionBehavior" json:"interrupt"`
	Tags                         []Tag                `xml:"tagSet>item" json:"tags,omitempty"`
	Fault                        *spotStatusCodeValue `xml:"fault,omitempty" json:"-"`
	// Cancelled is set by CancelSpotInstanceRequests.
	Cancelled bool `xml:"-" json:"cancelled,omitempty"`
}

type spotStatus struct {
	Code       string    `xml:"code" json:"code"`
	Message    string    `xml:"message" json:"msg"`
	UpdateTime time.Time `xml:"updateTime" json:"time"`
}

type spotStatusCodeValue struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type spotLaunchSpec struct {
	ImageID        string            `xml:"imageId" json:"ami"`
	InstanceType   string            `xml:"instanceType" json:"type"`
	KeyName        string            `xml:"keyName,omitempty" json:"key,omitempty"`
	SubnetID       string            `xml:"subnetId,omitempty" json:"subnet,omitempty"`
	Groups         []GroupIdentifier `xml:"groupSet>item" json:"groups,omitempty"`
	Placement      *spotPlacement    `xml:"placement,omitempty" json:"place,omitempty"`
	EbsOptimized   bool              `xml:"ebsOptimized" json:"ebsopt,omitempty"`
	Monitoring     spotMonitoring    `xml:"monitoring" json:"mon"`
	AddressingType string            `xml:"addressingType,omitempty" json:"-"`
}

type spotPlacement struct {
	AvailabilityZone string `xml:"availabilityZone" json:"az"`
	Tenancy          string `xml:"tenancy,omitempty" json:"tenancy,omitempty"`
}

type spotMonitoring struct {
	Enabled bool `xml:"enabled" json:"enabled"`
}

// spotOrder is what a launch as Spot asks for, beyond the instance.
type spotOrder struct {
	price, typ, interrupt string
	validUntil            *time.Time
	tags                  []Tag
}

// spotPrice is what gureum quotes: the Linux on-demand price of nothing.
const spotPrice = "0.010000"

// newSpotRequest records a fulfilled request for a launched instance.
func newSpotRequest(tx store.Tx, sc scope, o *spotOrder, inst *Instance, now time.Time) error {
	r := &SpotInstanceRequest{SpotInstanceRequestID: newID("sir"), SpotPrice: o.price, Type: o.typ, State: "active",
		Status:     spotStatus{Code: "fulfilled", Message: "Your spot request is fulfilled.", UpdateTime: now.Truncate(time.Second)},
		CreateTime: now.Truncate(time.Second), ProductDescription: "Linux/UNIX", InstanceID: inst.InstanceID,
		LaunchedAvailabilityZone: inst.Placement.AvailabilityZone, ValidUntil: o.validUntil, InstanceInterruptionBehavior: o.interrupt, Tags: o.tags,
		LaunchSpecification: spotLaunchSpec{ImageID: inst.ImageID, InstanceType: inst.InstanceType, KeyName: inst.KeyName, SubnetID: inst.SubnetID,
			Groups: inst.Groups, Placement: &spotPlacement{AvailabilityZone: inst.Placement.AvailabilityZone, Tenancy: inst.Placement.Tenancy},
			EbsOptimized: inst.EbsOptimized, Monitoring: spotMonitoring{inst.Monitoring.State == "enabled"}}}
	for i, z := range zones(sc.region) {
		if z == r.LaunchedAvailabilityZone {
			r.LaunchedAvailabilityZoneID = zoneID(sc.region, i)
		}
	}
	inst.InstanceLifecycle, inst.SpotInstanceRequestID = "spot", r.SpotInstanceRequestID
	return putRes(tx, sc, r.SpotInstanceRequestID, r)
}

// checkSpotOrder validates what RequestSpotInstances and RunInstances'
// SpotOptions share, filling the defaults.
func checkSpotOrder(o *spotOrder, now time.Time) error {
	switch o.typ {
	case "":
		o.typ = "one-time"
	case "one-time", "persistent":
	default:
		return errInvalidParameterValue("Value (%s) for parameter type is invalid.", o.typ)
	}
	switch o.interrupt {
	case "":
		o.interrupt = "terminate"
	case "terminate", "stop", "hibernate":
	default:
		return errInvalidParameterValue("Value (%s) for parameter instanceInterruptionBehavior is invalid.", o.interrupt)
	}
	if o.interrupt != "terminate" && o.typ != "persistent" {
		return errInvalidParameterValue("The instanceInterruptionBehavior %s is only valid for persistent requests.", o.interrupt)
	}
	if o.price == "" {
		o.price = spotPrice
	} else if p, err := strconv.ParseFloat(o.price, 64); err != nil || p <= 0 {
		return errInvalidParameterValue("Invalid value '%s' for spotPrice.", o.price)
	} else {
		o.price = strconv.FormatFloat(p, 'f', 6, 64)
	}
	if o.validUntil != nil && o.validUntil.Before(now) {
		return errInvalidParameterValue("The parameter validUntil must be in the future.")
	}
	return nil
}

// settle shows the request's state as its instance makes it.
func (r *SpotInstanceRequest) settle(tx store.Tx, sc scope) {
	inst, err := getRes[Instance](tx, sc, r.InstanceID)
	state := "terminated"
	if err == nil {
		state = inst.State.Name
	}
	set := func(st, code, msg string) {
		if r.State != st || r.Status.Code != code {
			r.State, r.Status.Code, r.Status.Message = st, code, msg
		}
	}
	switch {
	case r.Cancelled && (state == "terminated" || state == "shutting-down"):
		set("cancelled", "instance-terminated-by-user", "Spot Instance terminated due to user-initiated termination.")
	case r.Cancelled:
		set("cancelled", "request-canceled-and-instance-running", "Spot Instance Request canceled and Spot Instance running.")
	case state == "terminated" || state == "shutting-down":
		// gureum never interrupts an instance: one that is gone was
		// ended by its user.
		set("closed", "instance-terminated-by-user", "Spot Instance terminated due to user-initiated termination.")
	case (state == "stopped" || state == "stopping") && r.Type == "persistent":
		set("disabled", "instance-stopped-by-user", "Spot Instance stopped due to user-initiated shutdown.")
	default:
		set("active", "fulfilled", "Your spot request is fulfilled.")
	}
}

type spotLaunchSpecInput struct {
	ImageId            string
	InstanceType       string
	KeyName            string
	SecurityGroupId    []string
	SecurityGroup      []string
	SubnetId           string
	UserData           string
	Placement          *struct{ AvailabilityZone, GroupName, Tenancy string }
	IamInstanceProfile *struct{ Arn, Name string }
	BlockDeviceMapping []blockDeviceSpec
	NetworkInterface   []networkInterfaceSpec
	Monitoring         *struct{ Enabled bool }
	EbsOptimized       bool
	AddressingType     string
	KernelId           string
	RamdiskId          string
}

type requestSpotInstancesInput struct {
	LaunchSpecification          *spotLaunchSpecInput
	InstanceCount                *int32
	SpotPrice                    string
	Type                         string
	ValidFrom                    *time.Time
	ValidUntil                   *time.Time
	InstanceInterruptionBehavior string
	LaunchGroup                  string
	AvailabilityZoneGroup        string
	BlockDurationMinutes         *int32
	TagSpecification             []TagSpecification
	ClientToken                  string
	DryRun                       bool
}

type spotRequestsOutput struct {
	SpotInstanceRequests []*SpotInstanceRequest `xml:"spotInstanceRequestSet>item"`
	NextToken            string                 `xml:"nextToken,omitempty"`
}

func (s *Service) requestSpotInstances(ctx context.Context, in *requestSpotInstancesInput) (*spotRequestsOutput, error) {
	ls := in.LaunchSpecification
	if ls == nil || ls.ImageId == "" {
		return nil, errMissingParameter("LaunchSpecification.ImageId")
	}
	if in.BlockDurationMinutes != nil {
		return nil, errUnsupportedOperation("Spot Instances with a defined duration (also known as Spot blocks) are no longer available.")
	}
	if in.ValidFrom != nil && in.ValidFrom.After(s.now()) {
		return nil, errUnsupportedOperation("gureum fulfils Spot requests at once; a validFrom in the future is not supported.")
	}
	n := int32(1)
	if in.InstanceCount != nil {
		n = *in.InstanceCount
	}
	if n < 1 {
		return nil, errInvalidParameterValue("Value (%d) for parameter instanceCount is invalid. Expected a positive integer.", n)
	}
	tags, err := tagsFor(in.TagSpecification, "spot-instances-request")
	if err != nil {
		return nil, err
	}
	o := &spotOrder{price: in.SpotPrice, typ: in.Type, interrupt: in.InstanceInterruptionBehavior, validUntil: in.ValidUntil, tags: tags}
	if err := checkSpotOrder(o, s.now()); err != nil {
		return nil, err
	}
	typ := ls.InstanceType
	if typ == "" {
		typ = "m1.small"
	}
	run := &runInstancesInput{ImageId: ls.ImageId, InstanceType: typ, MinCount: &n, MaxCount: &n, KeyName: ls.KeyName,
		SecurityGroupId: ls.SecurityGroupId, SecurityGroup: ls.SecurityGroup, SubnetId: ls.SubnetId, UserData: ls.UserData,
		NetworkInterface: ls.NetworkInterface, IamInstanceProfile: ls.IamInstanceProfile, Placement: ls.Placement, Monitoring: ls.Monitoring,
		EbsOptimized: ls.EbsOptimized, BlockDeviceMapping: ls.BlockDeviceMapping, ClientToken: in.ClientToken, spot: o}
	res, err := s.runInstances(ctx, run)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, inst := range res.Instances {
		ids = append(ids, inst.SpotInstanceRequestID)
	}
	return s.spotRequests(ctx, ids)
}

// spotRequests reads requests by id, settled.
func (s *Service) spotRequests(ctx context.Context, ids []string) (*spotRequestsOutput, error) {
	sc := scopeOf(ctx)
	out := &spotRequestsOutput{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			r, err := getSpotRequest(tx, sc, id)
			if err != nil {
				return err
			}
			r.settle(tx, sc)
			out.SpotInstanceRequests = append(out.SpotInstanceRequests, r)
		}
		return nil
	})
	return out, err
}

func getSpotRequest(tx store.Tx, sc scope, id string) (*SpotInstanceRequest, error) {
	r, err := getRes[SpotInstanceRequest](tx, sc, id)
	if isNotFound(err) {
		return nil, errInvalidSpotInstanceRequestIDNotFound(id)
	}
	return r, err
}

type describeSpotRequestsInput struct {
	SpotInstanceRequestId []string
	Filter                []Filter
	MaxResults            *int32
	NextToken             *string
	DryRun                bool
}

func (r *SpotInstanceRequest) filter(name string) ([]string, bool) {
	switch name {
	case "spot-instance-request-id":
		return []string{r.SpotInstanceRequestID}, true
	case "state":
		return []string{r.State}, true
	case "status-code":
		return []string{r.Status.Code}, true
	case "status-message":
		return []string{r.Status.Message}, true
	case "instance-id":
		return []string{r.InstanceID}, true
	case "type":
		return []string{r.Type}, true
	case "spot-price":
		return []string{r.SpotPrice}, true
	case "product-description":
		return []string{r.ProductDescription}, true
	case "launched-availability-zone":
		return []string{r.LaunchedAvailabilityZone}, true
	case "launch.image-id":
		return []string{r.LaunchSpecification.ImageID}, true
	case "launch.instance-type":
		return []string{r.LaunchSpecification.InstanceType}, true
	case "launch.key-name":
		return []string{r.LaunchSpecification.KeyName}, true
	case "launch.group-id":
		var out []string
		for _, g := range r.LaunchSpecification.Groups {
			out = append(out, g.GroupID)
		}
		return out, true
	case "create-time":
		return []string{r.CreateTime.Format("2006-01-02T15:04:05.000Z")}, true
	}
	return nil, false
}

func (s *Service) describeSpotInstanceRequests(ctx context.Context, in *describeSpotRequestsInput) (*spotRequestsOutput, error) {
	items, next, err := describeRes(s, ctx, "sir-", in.SpotInstanceRequestId, getSpotRequest, func(r *SpotInstanceRequest) string { return r.SpotInstanceRequestID },
		func(tx store.Tx, sc scope, r *SpotInstanceRequest) (bool, error) {
			r.settle(tx, sc)
			return matchFilters(in.Filter, r.Tags, r.filter)
		},
		in.MaxResults, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	return &spotRequestsOutput{SpotInstanceRequests: items, NextToken: next}, nil
}

type cancelSpotRequestsInput struct {
	SpotInstanceRequestId []string
	DryRun                bool
}

type cancelledSpotRequest struct {
	SpotInstanceRequestID string `xml:"spotInstanceRequestId"`
	State                 string `xml:"state"`
}

type cancelSpotRequestsOutput struct {
	Cancelled []cancelledSpotRequest `xml:"spotInstanceRequestSet>item"`
}

func (s *Service) cancelSpotInstanceRequests(ctx context.Context, in *cancelSpotRequestsInput) (*cancelSpotRequestsOutput, error) {
	if len(in.SpotInstanceRequestId) == 0 {
		return nil, errMissingParameter("SpotInstanceRequestId")
	}
	sc := scopeOf(ctx)
	out := &cancelSpotRequestsOutput{}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, id := range in.SpotInstanceRequestId {
			r, err := getSpotRequest(tx, sc, id)
			if err != nil {
				return err
			}
			r.settle(tx, sc)
			if r.State != "closed" {
				r.Cancelled = true
				r.settle(tx, sc)
				r.Status.UpdateTime = s.now().UTC().Truncate(time.Second)
				if err := putRes(tx, sc, r.SpotInstanceRequestID, r); err != nil {
					return err
				}
			}
			out.Cancelled = append(out.Cancelled, cancelledSpotRequest{SpotInstanceRequestID: r.SpotInstanceRequestID, State: r.State})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// spotOps returns this file's operations.
func (s *Service) spotOps() opTable {
	return opTable{
		"RequestSpotInstances":         handle(s.requestSpotInstances),
		"DescribeSpotInstanceRequests": handle(s.describeSpotInstanceRequests),
		"CancelSpotInstanceRequests":   handle(s.cancelSpotInstanceRequests),
	}
}

// spotFromMarketOptions turns RunInstances' InstanceMarketOptions into
// the launch's Spot order.
func (in *runInstancesInput) spotFromMarketOptions(now time.Time) error {
	m := in.InstanceMarketOptions
	if m == nil || in.spot != nil {
		return nil
	}
	switch m.MarketType {
	case "spot":
	case "capacity-block":
		return errInvalidParameterValue("Capacity Blocks are not offered by gureum.")
	default:
		return errInvalidParameterValue("Value (%s) for parameter MarketType is invalid.", m.MarketType)
	}
	o := &spotOrder{}
	if so := m.SpotOptions; so != nil {
		if so.BlockDurationMinutes != nil {
			return errUnsupportedOperation("Spot Instances with a defined duration (also known as Spot blocks) are no longer available.")
		}
		o.price, o.typ, o.interrupt, o.validUntil = so.MaxPrice, so.SpotInstanceType, so.InstanceInterruptionBehavior, so.ValidUntil
	}
	tags, err := tagsFor(in.TagSpecification, "spot-instances-request", "instance", "volume", "network-interface")
	if err != nil {
		return err
	}
	o.tags = tags
	if err := checkSpotOrder(o, now); err != nil {
		return err
	}
	in.spot = o
	return nil
}
