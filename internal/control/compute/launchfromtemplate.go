package compute

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// launchTemplateRequest is a RunInstances request with the launch template's parameters
// where the request gives none ("any additional parameters that you specify for the new
// instance overwrite the corresponding parameters included in the launch template"),
// and the tags AWS puts on instances launched from a template. Tags of both apply, the
// request's winning for one key. A subnet, groups or address at the top of the request
// go to the template's primary interface, when the template has interfaces.
func (s *Compute) launchTemplateRequest(ctx context.Context, c kit.Caller, in *ec2.RunInstancesRequest) (*ec2.RunInstancesRequest, map[string]string, error) {
	spec := in.LaunchTemplate
	if spec == nil {
		return in, nil, nil
	}
	var lt *launchTemplateRecord
	var ver *launchTemplateVersion
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		if lt, err = getTemplate(t, c, kit.Deref(spec.LaunchTemplateId), kit.Deref(spec.LaunchTemplateName)); err != nil {
			return err
		}
		ver, err = getVersion(t, c, lt, kit.Deref(spec.Version))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	base := new(ec2.RunInstancesRequest)
	convertShape(ver.Data, base)
	out := *in
	if len(out.NetworkInterfaces) == 0 && len(base.NetworkInterfaces) > 0 &&
		(out.SubnetId != nil || len(out.SecurityGroupIds) > 0 || out.PrivateIpAddress != nil) {
		for i := range base.NetworkInterfaces {
			if ni := &base.NetworkInterfaces[i]; kit.Deref(ni.DeviceIndex) == 0 {
				ni.SubnetId = cmpPtr(out.SubnetId, ni.SubnetId)
				ni.PrivateIpAddress = cmpPtr(out.PrivateIpAddress, ni.PrivateIpAddress)
				if len(out.SecurityGroupIds) > 0 {
					ni.Groups = out.SecurityGroupIds
				}
			}
		}
		out.SubnetId, out.PrivateIpAddress, out.SecurityGroupIds = nil, nil, nil
	}
	if len(out.NetworkInterfaces) > 0 {
		base.SecurityGroupIds, base.SecurityGroups = nil, nil
	}
	// The template's tags of resources vpcd does not make (Spot requests, Elastic GPUs)
	// have nothing to go to.
	base.TagSpecifications = slices.DeleteFunc(base.TagSpecifications, func(spec ec2.TagSpecification) bool {
		rt := kit.Deref(spec.ResourceType)
		return rt != "instance" && rt != "network-interface" && rt != "volume"
	})
	out.TagSpecifications = append(slices.Clip(base.TagSpecifications), in.TagSpecifications...)
	overlay(&out, base)
	out.LaunchTemplate = nil
	return &out, map[string]string{"aws:ec2launchtemplate:id": lt.ID, "aws:ec2launchtemplate:version": strconv.FormatInt(ver.Number, 10)}, nil
}

func cmpPtr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// withTags adds tags to a resource's, which may be nil.
func withTags(tags, more map[string]string) map[string]string {
	if len(more) == 0 {
		return tags
	}
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, more)
	return tags
}
