package ec2

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// DescribeInstanceStatus, Describe/ModifyInstanceAttribute and
// GetConsoleOutput.

type describeInstanceStatusInput struct {
	InstanceId          []string
	Filter              []Filter
	IncludeAllInstances bool
	MaxResults          *int32
	NextToken           *string
	DryRun              bool
}

type statusDetail struct {
	Name   string `xml:"name"`
	Status string `xml:"status"`
}

type statusSummary struct {
	Status  string         `xml:"status"`
	Details []statusDetail `xml:"details>item,omitempty"`
}

// InstanceStatus is EC2's InstanceStatus.
type InstanceStatus struct {
	InstanceID         string        `xml:"instanceId"`
	AvailabilityZone   string        `xml:"availabilityZone"`
	AvailabilityZoneID string        `xml:"availabilityZoneId,omitempty"`
	Events             []struct{}    `xml:"eventsSet>item,omitempty"`
	InstanceState      InstanceState `xml:"instanceState"`
	SystemStatus       statusSummary `xml:"systemStatus"`
	InstanceStatus     statusSummary `xml:"instanceStatus"`
	AttachedEbsStatus  statusSummary `xml:"attachedEbsStatus"`
}

type describeInstanceStatusOutput struct {
	Statuses  []*InstanceStatus `xml:"instanceStatusSet>item"`
	NextToken string            `xml:"nextToken,omitempty"`
}

func instanceStatusOf(region string, i *Instance) *InstanceStatus {
	st := &InstanceStatus{InstanceID: i.InstanceID, AvailabilityZone: i.Placement.AvailabilityZone, InstanceState: i.State}
	for n, z := range zones(region) {
		if z == i.Placement.AvailabilityZone {
			st.AvailabilityZoneID = zoneID(region, n)
		}
	}
	if i.State.Name == "running" {
		st.SystemStatus = statusSummary{"ok", []statusDetail{{"reachability", "passed"}}}
		st.InstanceStatus = statusSummary{"ok", []statusDetail{{"reachability", "passed"}}}
		st.AttachedEbsStatus = statusSummary{"ok", []statusDetail{{"reachability", "passed"}}}
	} else {
		st.SystemStatus = statusSummary{Status: "not-applicable"}
		st.InstanceStatus = statusSummary{Status: "not-applicable"}
		st.AttachedEbsStatus = statusSummary{Status: "not-applicable"}
	}
	return st
}

func (st *InstanceStatus) filter(name string) ([]string, bool) {
	switch name {
	case "availability-zone":
		return []string{st.AvailabilityZone}, true
	case "instance-state-name":
		return []string{st.InstanceState.Name}, true
	case "instance-state-code":
		return []string{itoa(int(st.InstanceState.Code))}, true
	case "instance-status.status":
		return []string{st.InstanceStatus.Status}, true
	case "system-status.status":
		return []string{st.SystemStatus.Status}, true
	case "instance-status.reachability":
		if len(st.InstanceStatus.Details) > 0 {
			return []string{st.InstanceStatus.Details[0].Status}, true
		}
		return nil, true
	case "system-status.reachability":
		if len(st.SystemStatus.Details) > 0 {
			return []string{st.SystemStatus.Details[0].Status}, true
		}
		return nil, true
	}
	return nil, false
}

func (s *Service) describeInstanceStatus(ctx context.Context, in *describeInstanceStatusInput) (*describeInstanceStatusOutput, error) {
	sc := scopeOf(ctx)
	var out []*InstanceStatus
	err := s.store.View(ctx, func(tx store.Tx) error {
		var all []*Instance
		var err error
		if len(in.InstanceId) > 0 {
			all, err = instancesByID(tx, sc, in.InstanceId)
		} else {
			all, err = listRes[Instance](tx, sc, "i-")
		}
		if err != nil {
			return err
		}
		for _, i := range all {
			if !in.IncludeAllInstances && i.State.Name != "running" {
				continue
			}
			st := instanceStatusOf(sc.region, i)
			ok, err := matchFilters(in.Filter, nil, st.filter)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, st)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(out, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeInstanceStatusOutput{Statuses: items, NextToken: next}, nil
}

type describeInstanceAttributeInput struct {
	InstanceId string
	Attribute  string
	DryRun     bool
}

type boolValue struct {
	Value bool `xml:"value"`
}

type describeInstanceAttributeOutput struct {
	InstanceID            string                       `xml:"instanceId"`
	InstanceType          *attributeValue              `xml:"instanceType,omitempty"`
	UserData              *attributeValue              `xml:"userData,omitempty"`
	DisableAPITermination *boolValue                   `xml:"disableApiTermination,omitempty"`
	DisableAPIStop        *boolValue                   `xml:"disableApiStop,omitempty"`
	ShutdownBehavior      *attributeValue              `xml:"instanceInitiatedShutdownBehavior,omitempty"`
	RootDeviceName        *attributeValue              `xml:"rootDeviceName,omitempty"`
	BlockDeviceMapping    []InstanceBlockDeviceMapping `xml:"blockDeviceMapping>item,omitempty"`
	Groups                []GroupIdentifier            `xml:"groupSet>item,omitempty"`
	SourceDestCheck       *boolValue                   `xml:"sourceDestCheck,omitempty"`
	EbsOptimized          *boolValue                   `xml:"ebsOptimized,omitempty"`
	EnaSupport            *boolValue                   `xml:"enaSupport,omitempty"`
	KernelID              *attributeValue              `xml:"kernel,omitempty"`
	RamdiskID             *attributeValue              `xml:"ramdisk,omitempty"`
	SriovNetSupport       *attributeValue              `xml:"sriovNetSupport,omitempty"`
	ProductCodes          *emptyElement                `xml:"productCodes,omitempty"`
	EnclaveOptions        *enabledFlag                 `xml:"enclaveOptions,omitempty"`
}

func (s *Service) describeInstanceAttribute(ctx context.Context, in *describeInstanceAttributeInput) (*describeInstanceAttributeOutput, error) {
	if in.InstanceId == "" {
		return nil, errMissingParameter("InstanceId")
	}
	if in.Attribute == "" {
		return nil, errMissingParameter("Attribute")
	}
	sc := scopeOf(ctx)
	out := &describeInstanceAttributeOutput{InstanceID: in.InstanceId}
	err := s.store.View(ctx, func(tx store.Tx) error {
		i, err := getInstance(tx, sc, in.InstanceId)
		if err != nil {
			return err
		}
		switch in.Attribute {
		case "instanceType":
			out.InstanceType = &attributeValue{strp(i.InstanceType)}
		case "userData":
			out.UserData = &attributeValue{}
			if i.UserData != "" {
				out.UserData.Value = strp(i.UserData)
			}
		case "disableApiTermination":
			out.DisableAPITermination = &boolValue{i.DisableAPITermination}
		case "disableApiStop":
			out.DisableAPIStop = &boolValue{i.DisableAPIStop}
		case "instanceInitiatedShutdownBehavior":
			out.ShutdownBehavior = &attributeValue{strp(i.ShutdownBehavior)}
		case "rootDeviceName":
			out.RootDeviceName = &attributeValue{strp(i.RootDeviceName)}
		case "blockDeviceMapping":
			out.BlockDeviceMapping = i.BlockDeviceMapping
		case "groupSet":
			out.Groups = i.Groups
		case "sourceDestCheck":
			out.SourceDestCheck = &boolValue{i.SourceDestCheck}
		case "ebsOptimized":
			out.EbsOptimized = &boolValue{i.EbsOptimized}
		case "enaSupport":
			out.EnaSupport = &boolValue{i.EnaSupport}
		case "kernel":
			out.KernelID = &attributeValue{}
		case "ramdisk":
			out.RamdiskID = &attributeValue{}
		case "sriovNetSupport":
			out.SriovNetSupport = &attributeValue{strp("simple")}
		case "productCodes":
			out.ProductCodes = &emptyElement{}
		case "enclaveOptions":
			out.EnclaveOptions = &enabledFlag{}
		default:
			return errUnknownAttribute(in.Attribute)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type modifyInstanceAttributeInput struct {
	InstanceId                        string
	Attribute                         string
	Value                             *string
	InstanceType                      *attributeValue
	UserData                          *attributeValue // base64 of the data
	DisableApiTermination             *attributeBooleanValue
	DisableApiStop                    *attributeBooleanValue
	SourceDestCheck                   *attributeBooleanValue
	EbsOptimized                      *attributeBooleanValue
	EnaSupport                        *attributeBooleanValue
	InstanceInitiatedShutdownBehavior *attributeValue
	GroupId                           []string
	BlockDeviceMapping                []instanceBlockDeviceSpec
	DryRun                            bool
}

func (s *Service) modifyInstanceAttribute(ctx context.Context, in *modifyInstanceAttributeInput) (*returnTrue, error) {
	if in.InstanceId == "" {
		return nil, errMissingParameter("InstanceId")
	}
	// The Attribute/Value form names one attribute.
	if in.Attribute != "" {
		if in.Value == nil {
			return nil, errMissingParameter("Value")
		}
		v := *in.Value
		b := v == "true"
		switch in.Attribute {
		case "instanceType":
			in.InstanceType = &attributeValue{&v}
		case "userData":
			in.UserData = &attributeValue{&v}
		case "disableApiTermination":
			in.DisableApiTermination = &attributeBooleanValue{&b}
		case "disableApiStop":
			in.DisableApiStop = &attributeBooleanValue{&b}
		case "sourceDestCheck":
			in.SourceDestCheck = &attributeBooleanValue{&b}
		case "ebsOptimized":
			in.EbsOptimized = &attributeBooleanValue{&b}
		case "enaSupport":
			in.EnaSupport = &attributeBooleanValue{&b}
		case "instanceInitiatedShutdownBehavior":
			in.InstanceInitiatedShutdownBehavior = &attributeValue{&v}
		default:
			return nil, errUnknownAttribute(in.Attribute)
		}
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		i, err := getInstance(tx, sc, in.InstanceId)
		if err != nil {
			return err
		}
		if i.State.Name == "terminated" || i.State.Name == "shutting-down" {
			return errInstanceState(i.InstanceID, "modified")
		}
		notStopped := func() error {
			if i.State.Name != "stopped" {
				return errInstanceNotStopped(i.InstanceID)
			}
			return nil
		}
		changed := false
		if a := in.InstanceType; a != nil && a.Value != nil {
			if err := notStopped(); err != nil {
				return err
			}
			t, ok := lookupInstanceType(*a.Value)
			if !ok {
				return errInvalidParameterValue("Invalid value '%s' for InstanceType.", *a.Value)
			}
			if !t.supports(i.Architecture) {
				return errInvalidInstanceAttributeValue(t.name, i.Architecture)
			}
			threads := int32(2)
			if t.vcpu == 1 || t.maker == "AWS" {
				threads = 1
			}
			i.InstanceType, i.CpuOptions = t.name, cpuOptions{CoreCount: max(t.vcpu/threads, 1), ThreadsPerCore: threads}
			changed = true
		}
		if a := in.UserData; a != nil && a.Value != nil {
			if err := notStopped(); err != nil {
				return err
			}
			raw, err := base64.StdEncoding.DecodeString(*a.Value)
			if err != nil {
				raw = []byte(*a.Value)
			}
			if len(raw) > 16384 {
				return errInvalidParameterValue("User data is limited to 16384 bytes")
			}
			i.UserData = ""
			if len(raw) > 0 {
				i.UserData = base64.StdEncoding.EncodeToString(raw)
			}
			changed = true
		}
		if a := in.EnaSupport; a != nil && a.Value != nil {
			if err := notStopped(); err != nil {
				return err
			}
			i.EnaSupport, changed = *a.Value, true
		}
		if a := in.DisableApiTermination; a != nil && a.Value != nil {
			i.DisableAPITermination, changed = *a.Value, true
		}
		if a := in.DisableApiStop; a != nil && a.Value != nil {
			i.DisableAPIStop, changed = *a.Value, true
		}
		if a := in.EbsOptimized; a != nil && a.Value != nil {
			i.EbsOptimized, changed = *a.Value, true
		}
		if a := in.InstanceInitiatedShutdownBehavior; a != nil && a.Value != nil {
			if *a.Value != "stop" && *a.Value != "terminate" {
				return errInvalidParameterValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are: stop, terminate.", *a.Value)
			}
			i.ShutdownBehavior, changed = *a.Value, true
		}
		eni, err := s.primaryENI(tx, sc, i)
		if err != nil {
			return err
		}
		if a := in.SourceDestCheck; a != nil && a.Value != nil {
			i.SourceDestCheck, changed = *a.Value, true
			if eni != nil {
				eni.SourceDestCheck = *a.Value
			}
		}
		if len(in.GroupId) > 0 {
			groups, err := groupsInVpc(tx, sc, in.GroupId, i.VpcID)
			if err != nil {
				return err
			}
			i.Groups, changed = groups, true
			if eni != nil {
				eni.Groups = groups
			}
		}
		if len(in.BlockDeviceMapping) > 0 {
			if err := setDeleteOnTermination(tx, sc, i, in.BlockDeviceMapping); err != nil {
				return err
			}
			changed = true
		}
		if !changed {
			return errInvalidParameterCombination("No attributes specified.")
		}
		if eni != nil {
			if err := putRes(tx, sc, eni.NetworkInterfaceID, eni); err != nil {
				return err
			}
		}
		return putRes(tx, sc, i.InstanceID, i)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// groupsInVpc resolves security group ids that must all be in one VPC.
func groupsInVpc(tx store.Tx, sc scope, ids []string, vpcID string) ([]GroupIdentifier, error) {
	var out []GroupIdentifier
	for _, gid := range ids {
		g, err := getRes[SecurityGroup](tx, sc, gid)
		if isNotFound(err) {
			return nil, errGroupNotFound(gid)
		}
		if err != nil {
			return nil, err
		}
		if g.VpcID != vpcID {
			return nil, errInvalidParameterValue("Security group %s does not belong to VPC %s", gid, vpcID)
		}
		out = append(out, GroupIdentifier{GroupID: g.GroupID, GroupName: g.GroupName})
	}
	return out, nil
}

type getConsoleOutputInput struct {
	InstanceId string
	Latest     bool
	DryRun     bool
}

type getConsoleOutputOutput struct {
	InstanceID string    `xml:"instanceId"`
	Timestamp  time.Time `xml:"timestamp"`
	Output     string    `xml:"output,omitempty"`
}

func (s *Service) getConsoleOutput(ctx context.Context, in *getConsoleOutputInput) (*getConsoleOutputOutput, error) {
	if in.InstanceId == "" {
		return nil, errMissingParameter("InstanceId")
	}
	sc := scopeOf(ctx)
	var inst *Instance
	if err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		inst, err = getInstance(tx, sc, in.InstanceId)
		return err
	}); err != nil {
		return nil, err
	}
	out := &getConsoleOutputOutput{InstanceID: inst.InstanceID, Timestamp: s.now().UTC().Truncate(time.Second)}
	if inst.Handle != nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		b, err := s.driver().ConsoleOutput(cctx, *inst.Handle)
		cancel()
		if err != nil {
			return nil, err
		}
		if len(b) > 0 {
			out.Output = base64.StdEncoding.EncodeToString(b)
		}
	}
	return out, nil
}
