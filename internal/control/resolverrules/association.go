package resolverrules

import (
	"context"
	"slices"

	r53r "vpcd/internal/aws/route53resolver"
	"vpcd/internal/control/kit"
)

func associationShape(r *kit.ResolverRuleRecord, a kit.ResolverRuleVPC, status, message string) *r53r.ResolverRuleAssociation {
	out := &r53r.ResolverRuleAssociation{Id: kit.Ptr(a.ID), ResolverRuleId: kit.Ptr(r.ID), VPCId: kit.Ptr(a.VpcID),
		Status: kit.Ptr(status), StatusMessage: kit.Ptr(message)}
	if a.Name != "" {
		out.Name = kit.Ptr(a.Name)
	}
	return out
}

const msgAssociationComplete = "This Resolver rule association is complete."

// AssociateResolverRule associates a rule with a VPC, which then forwards the rule's
// domain. A VPC has one rule per domain name.
func (s *ResolverRules) AssociateResolverRule(ctx context.Context, c kit.Caller, in *r53r.AssociateResolverRuleRequest) (*r53r.AssociateResolverRuleResponse, error) {
	id, vpc := kit.Deref(in.ResolverRuleId), kit.Deref(in.VPCId)
	if err := checkLength(kit.Deref(in.Name), "name", 0, 64); err != nil {
		return nil, err
	}
	if id == internetResolver {
		return nil, errInvalidRequest("[RSLVR-00712] The rule %s is defined by Resolver and is associated with every VPC.", id)
	}
	var r *kit.ResolverRuleRecord
	a := kit.ResolverRuleVPC{ID: kit.NewID("rslvr-rrassoc"), Name: kit.Deref(in.Name), VpcID: vpc}
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getRule(t, c, id); err != nil {
			return err
		}
		if _, err := kit.GetVpc(t, c, vpc); err != nil {
			return errInvalidParameter("[RSLVR-00801] VPC %s does not exist.", vpc)
		}
		// Two associations with the VPC conflict, so that the check for a rule of the same
		// domain below holds.
		if err := t.Guard(c.Prefix("rslvr-vpc") + vpc); err != nil {
			return err
		}
		rules, err := listRules(t, c)
		if err != nil {
			return err
		}
		for _, o := range rules {
			if !slices.ContainsFunc(o.Associations, func(x kit.ResolverRuleVPC) bool { return x.VpcID == vpc }) {
				continue
			}
			if o.ID == r.ID {
				return errInvalidRequest("[RSLVR-00803] The resolver rule %s is already associated with VPC %s.", r.ID, vpc)
			}
			if o.DomainName == r.DomainName {
				return errInvalidRequest("[RSLVR-00802] Cannot associate rules with same domain name with same VPC. Conflict with resolver rule \"%s\"", o.ID)
			}
		}
		r.Associations = append(r.Associations, a)
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &r53r.AssociateResolverRuleResponse{ResolverRuleAssociation: associationShape(r, a, "CREATING", "[Trace Id: "+traceID()+"] Creating Association")}, nil
}

// DisassociateResolverRule ends a rule's association with a VPC.
func (s *ResolverRules) DisassociateResolverRule(ctx context.Context, c kit.Caller, in *r53r.DisassociateResolverRuleRequest) (*r53r.DisassociateResolverRuleResponse, error) {
	id, vpc := kit.Deref(in.ResolverRuleId), kit.Deref(in.VPCId)
	var r *kit.ResolverRuleRecord
	var a kit.ResolverRuleVPC
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getRule(t, c, id); err != nil {
			return err
		}
		i := slices.IndexFunc(r.Associations, func(x kit.ResolverRuleVPC) bool { return x.VpcID == vpc })
		if i < 0 {
			return errNotFound(vpc)
		}
		a = r.Associations[i]
		r.Associations = slices.Delete(r.Associations, i, i+1)
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &r53r.DisassociateResolverRuleResponse{ResolverRuleAssociation: associationShape(r, a, "DELETING", "[Trace Id: "+traceID()+"] Deleting Association")}, nil
}

// association is one association and its rule.
type association struct {
	rule *kit.ResolverRuleRecord
	a    kit.ResolverRuleVPC
}

func listAssociations(ctx context.Context, s *ResolverRules, c kit.Caller) ([]association, error) {
	var out []association
	err := s.View(ctx, func(t *kit.Txn) error {
		rules, err := listRules(t, c)
		out = nil
		for _, r := range rules {
			for _, a := range r.Associations {
				out = append(out, association{r, a})
			}
		}
		return err
	})
	return out, err
}

// GetResolverRuleAssociation answers one association.
func (s *ResolverRules) GetResolverRuleAssociation(ctx context.Context, c kit.Caller, in *r53r.GetResolverRuleAssociationRequest) (*r53r.GetResolverRuleAssociationResponse, error) {
	id := kit.Deref(in.ResolverRuleAssociationId)
	all, err := listAssociations(ctx, s, c)
	if err != nil {
		return nil, err
	}
	for _, x := range all {
		if x.a.ID == id {
			return &r53r.GetResolverRuleAssociationResponse{ResolverRuleAssociation: associationShape(x.rule, x.a, "COMPLETE", msgAssociationComplete)}, nil
		}
	}
	return nil, errNotFound(id)
}

var associationFilters = map[string]bool{"Name": true, "ResolverRuleId": true, "Status": true, "VPCId": true}

// ListResolverRuleAssociations lists the associations of the caller's rules.
func (s *ResolverRules) ListResolverRuleAssociations(ctx context.Context, c kit.Caller, in *r53r.ListResolverRuleAssociationsRequest) (*r53r.ListResolverRuleAssociationsResponse, error) {
	filters, err := parseFilters(in.Filters, associationFilters)
	if err != nil {
		return nil, err
	}
	all, err := listAssociations(ctx, s, c)
	if err != nil {
		return nil, err
	}
	kept := []r53r.ResolverRuleAssociation{}
	for _, x := range all {
		values := func(name string) []string {
			switch name {
			case "Name":
				return []string{x.a.Name}
			case "ResolverRuleId":
				return []string{x.rule.ID}
			case "VPCId":
				return []string{x.a.VpcID}
			}
			return []string{"COMPLETE"}
		}
		if matches(filters, values) {
			kept = append(kept, *associationShape(x.rule, x.a, "COMPLETE", msgAssociationComplete))
		}
	}
	pg, next, limit, err := page(kept, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &r53r.ListResolverRuleAssociationsResponse{ResolverRuleAssociations: pg, NextToken: next, MaxResults: limit}, nil
}
