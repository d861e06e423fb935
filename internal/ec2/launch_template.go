package ec2

import (
	"context"
)

// Launch templates. gureum has none yet (CreateLaunchTemplate is not
// served), so the reads answer an empty set, or AWS's NotFound for a
// template asked for by id or name.

func (s *Service) launchTemplateOps() opTable {
	return opTable{
		"DescribeLaunchTemplates":        handle(s.describeLaunchTemplates),
		"DescribeLaunchTemplateVersions": handle(s.describeLaunchTemplateVersions),
	}
}

type describeLaunchTemplatesInput struct {
	LaunchTemplateId        []string
	LaunchTemplateName      []string
	Filter                  []Filter
	MaxResults              *int32
	NextToken               *string
	IncludeManagedResources bool
	DryRun                  bool
}

type describeLaunchTemplatesOutput struct {
	LaunchTemplates []struct{} `xml:"launchTemplates>item"`
	NextToken       string     `xml:"nextToken,omitempty"`
}

func (s *Service) describeLaunchTemplates(_ context.Context, in *describeLaunchTemplatesInput) (*describeLaunchTemplatesOutput, error) {
	if len(in.LaunchTemplateId) > 0 {
		return nil, errLaunchTemplateID(in.LaunchTemplateId[0])
	}
	if len(in.LaunchTemplateName) > 0 {
		return nil, errInvalidLaunchTemplateNameNotFoundException("At least one of the launch templates specified in the request does not exist.")
	}
	if err := checkFilterNames(in.Filter, []string{"create-time", "launch-template-name"}); err != nil {
		return nil, err
	}
	if _, _, err := page([]struct{}{}, in.MaxResults, in.NextToken, 1, 200); err != nil {
		return nil, err
	}
	return &describeLaunchTemplatesOutput{}, nil
}

type describeLaunchTemplateVersionsInput struct {
	LaunchTemplateId        string
	LaunchTemplateName      string
	LaunchTemplateVersion   []string
	MinVersion              string
	MaxVersion              string
	Filter                  []Filter
	MaxResults              *int32
	NextToken               *string
	ResolveAlias            bool
	IncludeManagedResources bool
	DryRun                  bool
}

type describeLaunchTemplateVersionsOutput struct {
	Versions  []struct{} `xml:"launchTemplateVersionSet>item"`
	NextToken string     `xml:"nextToken,omitempty"`
}

func (s *Service) describeLaunchTemplateVersions(_ context.Context, in *describeLaunchTemplateVersionsInput) (*describeLaunchTemplateVersionsOutput, error) {
	switch {
	case in.LaunchTemplateId != "" && in.LaunchTemplateName != "":
		return nil, errInvalidParameterCombination("Specify either the launch template ID or the launch template name, but not both.")
	case in.LaunchTemplateId != "":
		return nil, errLaunchTemplateID(in.LaunchTemplateId)
	case in.LaunchTemplateName != "":
		return nil, errInvalidLaunchTemplateNameNotFoundException("The specified launch template, with template name %s, does not exist.", in.LaunchTemplateName)
	}
	if err := checkFilterNames(in.Filter, []string{"create-time", "ebs-optimized", "http-endpoint", "http-protocol-ipv4",
		"host-resource-group-arn", "http-tokens", "iam-instance-profile", "image-id", "instance-type", "is-default-version",
		"kernel-id", "license-configuration-arn", "network-card-index", "ram-disk-id"}); err != nil {
		return nil, err
	}
	if _, _, err := page([]struct{}{}, in.MaxResults, in.NextToken, 1, 200); err != nil {
		return nil, err
	}
	return &describeLaunchTemplateVersionsOutput{}, nil
}
