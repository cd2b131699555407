package dns

import (
	"context"
	"maps"
	"slices"

	"vpcd/internal/aws/route53"
	"vpcd/internal/control/kit"
)

// Route 53 tags hosted zones and health checks; vpcd keeps no health checks, so a
// health check's ID names nothing.

const maxTags = 50

// checkResourceType validates the type a tagging request names.
func checkResourceType(rt string) error {
	if rt != "hostedzone" && rt != "healthcheck" {
		return errValidation(rt, "resourceType", "Member must satisfy enum value set: [healthcheck, hostedzone]")
	}
	return nil
}

// ChangeTagsForResource adds and removes tags of one of the caller's zones.
func (s *DNS) ChangeTagsForResource(ctx context.Context, c kit.Caller, in *route53.ChangeTagsForResourceRequest) (*route53.ChangeTagsForResourceResponse, error) {
	rt, id := kit.Deref(in.ResourceType), kit.Deref(in.ResourceId)
	if err := checkResourceType(rt); err != nil {
		return nil, err
	}
	if len(in.AddTags) > 10 {
		return nil, errValidation(len(in.AddTags), "addTags", "Member must have length less than or equal to 10")
	}
	if len(in.RemoveTagKeys) > 10 {
		return nil, errValidation(len(in.RemoveTagKeys), "removeTagKeys", "Member must have length less than or equal to 10")
	}
	for _, tag := range in.AddTags {
		if k := kit.Deref(tag.Key); k == "" || len(k) > 128 || len(kit.Deref(tag.Value)) > 256 {
			return nil, errInvalidInput("Tag keys must be 1 to 128 characters long and tag values at most 256.")
		}
	}
	if rt == "healthcheck" {
		return nil, errNoSuchHealthCheck(id)
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		z, err := s.ownZone(t, c, id)
		if err != nil {
			return err
		}
		tags := maps.Clone(z.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		for _, k := range in.RemoveTagKeys {
			delete(tags, k)
		}
		for _, tag := range in.AddTags {
			tags[kit.Deref(tag.Key)] = kit.Deref(tag.Value)
		}
		if len(tags) > maxTags {
			return errInvalidInput("A resource can have at most %d tags.", maxTags)
		}
		z.Tags = tags
		return t.Put(kit.HostedZoneKey(z.Owner, z.ID), z)
	})
	if err != nil {
		return nil, err
	}
	return &route53.ChangeTagsForResourceResponse{}, nil
}

// ListTagsForResource lists the tags of one of the caller's zones.
func (s *DNS) ListTagsForResource(ctx context.Context, c kit.Caller, in *route53.ListTagsForResourceRequest) (*route53.ListTagsForResourceResponse, error) {
	sets, err := s.tagSets(ctx, c, kit.Deref(in.ResourceType), []string{kit.Deref(in.ResourceId)})
	if err != nil {
		return nil, err
	}
	return &route53.ListTagsForResourceResponse{ResourceTagSet: &sets[0]}, nil
}

// ListTagsForResources lists the tags of up to 10 of the caller's zones.
func (s *DNS) ListTagsForResources(ctx context.Context, c kit.Caller, in *route53.ListTagsForResourcesRequest) (*route53.ListTagsForResourcesResponse, error) {
	if len(in.ResourceIds) > 10 {
		return nil, errValidation(len(in.ResourceIds), "resourceIds", "Member must have length less than or equal to 10")
	}
	sets, err := s.tagSets(ctx, c, kit.Deref(in.ResourceType), in.ResourceIds)
	if err != nil {
		return nil, err
	}
	return &route53.ListTagsForResourcesResponse{ResourceTagSets: sets}, nil
}

func (s *DNS) tagSets(ctx context.Context, c kit.Caller, rt string, ids []string) ([]route53.ResourceTagSet, error) {
	if err := checkResourceType(rt); err != nil {
		return nil, err
	}
	if rt == "healthcheck" {
		return nil, errNoSuchHealthCheck(ids[0])
	}
	var sets []route53.ResourceTagSet
	err := s.View(ctx, func(t *kit.Txn) error {
		for _, id := range ids {
			z, err := s.ownZone(t, c, id)
			if err != nil {
				return err
			}
			set := route53.ResourceTagSet{ResourceId: kit.Ptr(z.ID), ResourceType: kit.Ptr(rt), Tags: []route53.Tag{}}
			for _, k := range slices.Sorted(maps.Keys(z.Tags)) {
				set.Tags = append(set.Tags, route53.Tag{Key: kit.Ptr(k), Value: kit.Ptr(z.Tags[k])})
			}
			sets = append(sets, set)
		}
		return nil
	})
	return sets, err
}
