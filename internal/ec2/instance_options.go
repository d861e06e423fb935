package ec2

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/store"
)

// Instance options changed or read outside ModifyInstanceAttribute:
// credit specifications of burstable instances, metadata options, private
// DNS name options, capacity reservation preference, and GetPasswordData.

func (s *Service) instanceOptionOps() opTable {
	return opTable{
		"DescribeInstanceCreditSpecifications":        handle(s.describeInstanceCreditSpecifications),
		"ModifyInstanceCreditSpecification":           handle(s.modifyInstanceCreditSpecification),
		"ModifyInstanceMetadataOptions":               handle(s.modifyInstanceMetadataOptions),
		"ModifyPrivateDnsNameOptions":                 handle(s.modifyPrivateDNSNameOptions),
		"ModifyInstanceCapacityReservationAttributes": handle(s.modifyInstanceCapacityReservationAttributes),
		"GetPasswordData":                             handle(s.getPasswordData),
	}
}

// cpuCredits is an instance's credit option: the one it was given, else
// its type's default (t2 standard, later T types unlimited). AWS answers
// standard for an instance that is not burstable.
func cpuCredits(i *Instance) string {
	if i.CpuCredits != "" {
		return i.CpuCredits
	}
	if t, ok := lookupInstanceType(i.InstanceType); ok && t.burst && !strings.HasPrefix(i.InstanceType, "t2.") {
		return "unlimited"
	}
	return "standard"
}

type describeInstanceCreditSpecificationsInput struct {
	InstanceId []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type instanceCreditSpecification struct {
	InstanceID string `xml:"instanceId"`
	CpuCredits string `xml:"cpuCredits"`
}

type describeInstanceCreditSpecificationsOutput struct {
	Specs     []instanceCreditSpecification `xml:"instanceCreditSpecificationSet>item"`
	NextToken string                        `xml:"nextToken,omitempty"`
}

// describeInstanceCreditSpecifications answers the instances asked for,
// else (as AWS does) the burstable ones whose option is unlimited.
func (s *Service) describeInstanceCreditSpecifications(ctx context.Context, in *describeInstanceCreditSpecificationsInput) (*describeInstanceCreditSpecificationsOutput, error) {
	if len(in.InstanceId) > 0 && in.MaxResults != nil {
		return nil, errInvalidParameterValue("The parameter instancesSet cannot be used with the parameter maxResults")
	}
	sc := scopeOf(ctx)
	var out []instanceCreditSpecification
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
			c := cpuCredits(i)
			if len(in.InstanceId) == 0 {
				if t, ok := lookupInstanceType(i.InstanceType); !ok || !t.burst || c != "unlimited" || i.State.Name == "terminated" {
					continue
				}
			}
			ok, err := matchFilters(in.Filter, nil, func(name string) ([]string, bool) {
				if name == "instance-id" {
					return []string{i.InstanceID}, true
				}
				return nil, false
			})
			if err != nil {
				return err
			}
			if ok {
				out = append(out, instanceCreditSpecification{i.InstanceID, c})
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
	return &describeInstanceCreditSpecificationsOutput{Specs: items, NextToken: next}, nil
}

type modifyInstanceCreditSpecificationInput struct {
	InstanceCreditSpecification []struct{ InstanceId, CpuCredits string }
	ClientToken                 string
	DryRun                      bool
}

type creditSpecificationError struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type unsuccessfulCreditSpecification struct {
	InstanceID string                   `xml:"instanceId"`
	Error      creditSpecificationError `xml:"error"`
}

type modifyInstanceCreditSpecificationOutput struct {
	Successful []struct {
		InstanceID string `xml:"instanceId"`
	} `xml:"successfulInstanceCreditSpecificationSet>item"`
	Unsuccessful []unsuccessfulCreditSpecification `xml:"unsuccessfulInstanceCreditSpecificationSet>item"`
}

func (s *Service) modifyInstanceCreditSpecification(ctx context.Context, in *modifyInstanceCreditSpecificationInput) (*modifyInstanceCreditSpecificationOutput, error) {
	if len(in.InstanceCreditSpecification) == 0 {
		return nil, errMissingParameter("InstanceCreditSpecification")
	}
	sc := scopeOf(ctx)
	out := &modifyInstanceCreditSpecificationOutput{}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, spec := range in.InstanceCreditSpecification {
			if spec.CpuCredits != "standard" && spec.CpuCredits != "unlimited" {
				return errInvalidParameterValue("Value (%s) for parameter cpuCredits is invalid. Valid values are: standard, unlimited.", spec.CpuCredits)
			}
			// An instance's failure is an item of the answer, not an error.
			fail := func(err error) error {
				var ae *awsproto.Error
				if !errors.As(err, &ae) {
					return err
				}
				out.Unsuccessful = append(out.Unsuccessful, unsuccessfulCreditSpecification{spec.InstanceId, creditSpecificationError{ae.Code, ae.Message}})
				return nil
			}
			i, err := getInstance(tx, sc, spec.InstanceId)
			if err == nil {
				if t, ok := lookupInstanceType(i.InstanceType); !ok || !t.burst {
					err = errCreditsNotSupported()
				} else if i.State.Name == "terminated" || i.State.Name == "shutting-down" {
					err = errInstanceState(i.InstanceID, "modified")
				}
			}
			if err != nil {
				if err := fail(err); err != nil {
					return err
				}
				continue
			}
			i.CpuCredits = spec.CpuCredits
			if err := putRes(tx, sc, i.InstanceID, i); err != nil {
				return err
			}
			out.Successful = append(out.Successful, struct {
				InstanceID string `xml:"instanceId"`
			}{i.InstanceID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// modifyInstance loads a live instance, lets fn change it and stores it.
func (s *Service) modifyInstance(ctx context.Context, id string, fn func(*Instance) error) (*Instance, error) {
	if id == "" {
		return nil, errMissingParameter("InstanceId")
	}
	sc := scopeOf(ctx)
	var inst *Instance
	err := s.store.Update(ctx, func(tx store.Tx) error {
		i, err := getInstance(tx, sc, id)
		if err != nil {
			return err
		}
		if i.State.Name == "terminated" || i.State.Name == "shutting-down" {
			return errInstanceState(i.InstanceID, "modified")
		}
		if err := fn(i); err != nil {
			return err
		}
		inst = i
		return putRes(tx, sc, i.InstanceID, i)
	})
	return inst, err
}

type modifyInstanceMetadataOptionsInput struct {
	InstanceId              string
	HttpTokens              string
	HttpPutResponseHopLimit *int32
	HttpEndpoint            string
	HttpProtocolIpv6        string
	InstanceMetadataTags    string
	DryRun                  bool
}

type modifyInstanceMetadataOptionsOutput struct {
	InstanceID      string          `xml:"instanceId"`
	MetadataOptions metadataOptions `xml:"instanceMetadataOptions"`
}

func (s *Service) modifyInstanceMetadataOptions(ctx context.Context, in *modifyInstanceMetadataOptionsInput) (*modifyInstanceMetadataOptionsOutput, error) {
	enum := func(param, v string, valid ...string) error {
		if v != "" && !contains(valid, v) {
			return errInvalidParameterValue("Value (%s) for parameter %s is invalid. Valid values are: %s.", v, param, strings.Join(valid, ", "))
		}
		return nil
	}
	for _, err := range []error{
		enum("HttpTokens", in.HttpTokens, "optional", "required"),
		enum("HttpEndpoint", in.HttpEndpoint, "disabled", "enabled"),
		enum("HttpProtocolIpv6", in.HttpProtocolIpv6, "disabled", "enabled"),
		enum("InstanceMetadataTags", in.InstanceMetadataTags, "disabled", "enabled"),
	} {
		if err != nil {
			return nil, err
		}
	}
	if h := in.HttpPutResponseHopLimit; h != nil && (*h < 1 || *h > 64) {
		return nil, errInvalidParameterValue("Value (%d) for parameter HttpPutResponseHopLimit is invalid. Valid values are 1-64.", *h)
	}
	i, err := s.modifyInstance(ctx, in.InstanceId, func(i *Instance) error {
		m := &i.MetadataOptions
		if in.HttpTokens != "" {
			m.HttpTokens = in.HttpTokens
		}
		if in.HttpPutResponseHopLimit != nil {
			m.HttpPutResponseHopLimit = *in.HttpPutResponseHopLimit
		}
		if in.HttpEndpoint != "" {
			m.HttpEndpoint = in.HttpEndpoint
		}
		if in.HttpProtocolIpv6 != "" {
			m.HttpProtocolIpv6 = in.HttpProtocolIpv6
		}
		if in.InstanceMetadataTags != "" {
			m.InstanceMetadataTags = in.InstanceMetadataTags
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	md := i.MetadataOptions
	md.State = "pending" // applied once the instance has it (at once here)
	return &modifyInstanceMetadataOptionsOutput{InstanceID: i.InstanceID, MetadataOptions: md}, nil
}

type modifyPrivateDNSNameOptionsInput struct {
	InstanceId                      string
	PrivateDnsHostnameType          string
	EnableResourceNameDnsARecord    *bool
	EnableResourceNameDnsAAAARecord *bool
	DryRun                          bool
}

func (s *Service) modifyPrivateDNSNameOptions(ctx context.Context, in *modifyPrivateDNSNameOptionsInput) (*returnTrue, error) {
	if t := in.PrivateDnsHostnameType; t != "" && t != "ip-name" && t != "resource-name" {
		return nil, errInvalidParameterValue("Value (%s) for parameter PrivateDnsHostnameType is invalid. Valid values are: ip-name, resource-name.", t)
	}
	_, err := s.modifyInstance(ctx, in.InstanceId, func(i *Instance) error {
		if i.State.Name != "stopped" && in.PrivateDnsHostnameType != "" {
			return errInstanceNotStopped(i.InstanceID)
		}
		i.fill()
		o := &i.PrivateDNSNameOptions
		if in.PrivateDnsHostnameType != "" {
			o.HostnameType = in.PrivateDnsHostnameType
		}
		if in.EnableResourceNameDnsARecord != nil {
			o.EnableResourceNameDnsARecord = *in.EnableResourceNameDnsARecord
		}
		if in.EnableResourceNameDnsAAAARecord != nil {
			o.EnableResourceNameDnsAAAARecord = *in.EnableResourceNameDnsAAAARecord
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type modifyInstanceCapacityReservationAttributesInput struct {
	InstanceId                       string
	CapacityReservationSpecification *struct {
		CapacityReservationPreference string
		CapacityReservationTarget     *struct{ CapacityReservationId, CapacityReservationResourceGroupArn string }
	}
	DryRun bool
}

func (s *Service) modifyInstanceCapacityReservationAttributes(ctx context.Context, in *modifyInstanceCapacityReservationAttributesInput) (*returnTrue, error) {
	spec := in.CapacityReservationSpecification
	if spec == nil {
		return nil, errMissingParameter("CapacityReservationSpecification")
	}
	if t := spec.CapacityReservationTarget; t != nil && t.CapacityReservationId != "" {
		return nil, errInvalidCapacityReservationIdNotFound(t.CapacityReservationId)
	}
	p := spec.CapacityReservationPreference
	if p != "open" && p != "none" && p != "capacity-reservations-only" {
		return nil, errInvalidParameterValue("Value (%s) for parameter CapacityReservationPreference is invalid. Valid values are: capacity-reservations-only, open, none.", p)
	}
	_, err := s.modifyInstance(ctx, in.InstanceId, func(i *Instance) error {
		if i.State.Name != "stopped" {
			return errInstanceNotStopped(i.InstanceID)
		}
		i.CapacityReservation.Preference = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type getPasswordDataInput struct {
	InstanceId string
	DryRun     bool
}

type getPasswordDataOutput struct {
	InstanceID   string    `xml:"instanceId"`
	Timestamp    time.Time `xml:"timestamp"`
	PasswordData string    `xml:"passwordData"`
}

// getPasswordData answers an empty password: every gureum instance runs
// Linux, for which AWS answers so too.
func (s *Service) getPasswordData(ctx context.Context, in *getPasswordDataInput) (*getPasswordDataOutput, error) {
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
	return &getPasswordDataOutput{InstanceID: inst.InstanceID, Timestamp: s.now().UTC().Truncate(time.Second)}, nil
}
