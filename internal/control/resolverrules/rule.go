package resolverrules

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	r53r "vpcd/internal/aws/route53resolver"
	"vpcd/internal/control/kit"
)

// internetResolver is the rule every account has: Resolver answers what no other rule
// decides by recursing on the internet. ListResolverRules shows it as AWS does.
const internetResolver = "rslvr-autodefined-rr-internet-resolver"

func internetResolverShape(c kit.Caller) r53r.ResolverRule {
	return r53r.ResolverRule{
		Id: kit.Ptr(internetResolver), CreatorRequestId: kit.Ptr(""), DomainName: kit.Ptr("."), Status: kit.Ptr("COMPLETE"),
		Arn: kit.Ptr("arn:aws:route53resolver:" + c.Region + "::autodefined-rule/" + internetResolver), RuleType: kit.Ptr("RECURSIVE"),
		Name: kit.Ptr("Internet Resolver"), OwnerId: kit.Ptr("Route 53 Resolver"), ShareStatus: kit.Ptr("NOT_SHARED"),
	}
}

func getRule(t *kit.Txn, c kit.Caller, id string) (*kit.ResolverRuleRecord, error) {
	if !kit.ValidID(id, "rslvr-rr") {
		return nil, errNotFound(id)
	}
	r := new(kit.ResolverRuleRecord)
	ok, err := t.Get(c.Key(id), r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotFound(id)
	}
	return r, nil
}

func listRules(t *kit.Txn, c kit.Caller) ([]*kit.ResolverRuleRecord, error) {
	all, err := kit.ListAll[kit.ResolverRuleRecord](t, c.Prefix("rslvr"))
	return slices.DeleteFunc(all, func(r *kit.ResolverRuleRecord) bool { return !strings.HasPrefix(r.ID, "rslvr-rr-") }), err
}

// domainName is a rule's domain as AWS keeps it: lower case, with a trailing dot.
func domainName(name string) (string, error) {
	if err := checkLength(name, "domainName", 1, 256); err != nil {
		return "", err
	}
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" {
		return ".", nil
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-_*") != "" {
			return "", errInvalidParameter("[RSLVR-00702] Domain name %s is not valid.", name)
		}
	}
	return name + ".", nil
}

// targets checks a FORWARD rule's target addresses; the port defaults to 53.
func targets(in []r53r.TargetAddress) ([]kit.ResolverTarget, error) {
	if len(in) > maxTargets {
		return nil, errLimitExceeded("[RSLVR-00704] A rule can forward to at most %d target IP addresses.", maxTargets)
	}
	var out []kit.ResolverTarget
	for _, ta := range in {
		if ta.Ipv6 != nil {
			return nil, errInvalidParameter("[RSLVR-00410] IPv6 target addresses are not supported by vpcd.")
		}
		addr, err := netip.ParseAddr(kit.Deref(ta.Ip))
		if err != nil || !addr.Is4() {
			return nil, errInvalidParameter("[RSLVR-00701] Target IP %s is not a valid IPv4 address.", kit.Deref(ta.Ip))
		}
		port := int32(53)
		if ta.Port != nil {
			if port = *ta.Port; port < 0 || port > 65535 {
				return nil, validationError(strconv.Itoa(int(port)), "port", "Member must have value between 0 and 65535")
			}
		}
		if p := kit.Deref(ta.Protocol); p != "" && p != "Do53" {
			return nil, errInvalidParameter("[RSLVR-00411] Protocol %s is not supported by vpcd; only Do53 is.", p)
		}
		out = append(out, kit.ResolverTarget{Addr: addr, Port: port, Protocol: "Do53"})
	}
	return out, nil
}

// outboundEndpoint reads the outbound endpoint a FORWARD rule names.
func outboundEndpoint(t *kit.Txn, c kit.Caller, id string) (*kit.ResolverEndpointRecord, error) {
	e, err := getEndpoint(t, c, id)
	if err != nil {
		return nil, err
	}
	if e.Direction != "OUTBOUND" {
		return nil, errInvalidRequest("[RSLVR-00706] Resolver endpoint %s is not an outbound endpoint.", id)
	}
	return e, nil
}

// CreateResolverRule creates a FORWARD or SYSTEM rule. A repeated CreatorRequestId
// answers the rule it created.
func (s *ResolverRules) CreateResolverRule(ctx context.Context, c kit.Caller, in *r53r.CreateResolverRuleRequest) (*r53r.CreateResolverRuleResponse, error) {
	token, typ := kit.Deref(in.CreatorRequestId), kit.Deref(in.RuleType)
	if err := checkLength(token, "creatorRequestId", 1, 255); err != nil {
		return nil, err
	}
	if err := checkLength(kit.Deref(in.Name), "name", 0, 64); err != nil {
		return nil, err
	}
	switch typ {
	case "FORWARD", "SYSTEM":
	case "RECURSIVE":
		return nil, errInvalidRequest("[RSLVR-00707] Rules of type RECURSIVE are defined by Resolver and cannot be created.")
	default:
		return nil, validationError(typ, "ruleType", "Member must satisfy enum value set: [FORWARD, SYSTEM, RECURSIVE]")
	}
	if in.DomainName == nil {
		return nil, errInvalidRequest("[RSLVR-00702] DomainName is required for rules of type %s.", typ)
	}
	domain, err := domainName(*in.DomainName)
	if err != nil {
		return nil, err
	}
	tgts, err := targets(in.TargetIps)
	if err != nil {
		return nil, err
	}
	endpoint := kit.Deref(in.ResolverEndpointId)
	switch {
	case typ == "SYSTEM" && (len(tgts) > 0 || endpoint != ""):
		return nil, errInvalidRequest("[RSLVR-00708] Rules of type SYSTEM take neither TargetIps nor a ResolverEndpointId.")
	case typ == "FORWARD" && len(tgts) == 0:
		return nil, errInvalidRequest("[RSLVR-00709] Rules of type FORWARD need at least one target IP.")
	case typ == "FORWARD" && endpoint == "":
		return nil, errInvalidRequest("[RSLVR-00710] Rules of type FORWARD need a ResolverEndpointId.")
	}
	tags, err := tagsOf(in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	r := &kit.ResolverRuleRecord{Meta: kit.Meta{ID: kit.NewID("rslvr-rr"), Owner: c.Account, Tags: tags}, CreatorRequestID: token,
		Name: kit.Deref(in.Name), RuleType: typ, DomainName: domain, Targets: tgts, EndpointID: endpoint, Created: now, Modified: now}
	var existing *kit.ResolverRuleRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		existing = nil
		all, err := listRules(t, c)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.CreatorRequestID == token {
				if o.RuleType != typ || o.DomainName != domain {
					return errExists("Resolver rule", token)
				}
				existing = o
				return nil
			}
		}
		if len(all) >= maxRules {
			return errLimitExceeded("[RSLVR-00703] Account has reached the maximum number of Resolver rules: %d.", maxRules)
		}
		if endpoint != "" {
			if _, err := outboundEndpoint(t, c, endpoint); err != nil {
				return err
			}
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return &r53r.CreateResolverRuleResponse{ResolverRule: ruleShape(c, existing)}, nil
	}
	return &r53r.CreateResolverRuleResponse{ResolverRule: ruleShape(c, r)}, nil
}

func ruleShape(c kit.Caller, r *kit.ResolverRuleRecord) *r53r.ResolverRule {
	out := &r53r.ResolverRule{
		Id: kit.Ptr(r.ID), Arn: kit.Ptr(arn(c, "resolver-rule", r.ID)), CreatorRequestId: kit.Ptr(r.CreatorRequestID), DomainName: kit.Ptr(r.DomainName),
		Status: kit.Ptr("COMPLETE"), StatusMessage: kit.Ptr("[Trace Id: " + traceID() + "] Successfully created Resolver Rule with ID " + r.ID + "."),
		RuleType: kit.Ptr(r.RuleType), OwnerId: kit.Ptr(r.Owner), ShareStatus: kit.Ptr("NOT_SHARED"),
		CreationTime: timestamp(r.Created), ModificationTime: timestamp(r.Modified),
	}
	if r.Name != "" {
		out.Name = kit.Ptr(r.Name)
	}
	if r.EndpointID != "" {
		out.ResolverEndpointId = kit.Ptr(r.EndpointID)
	}
	for _, t := range r.Targets {
		out.TargetIps = append(out.TargetIps, r53r.TargetAddress{Ip: kit.Ptr(t.Addr.String()), Port: kit.Ptr(t.Port), Protocol: kit.Ptr(t.Protocol)})
	}
	return out
}

// GetResolverRule answers one rule, the Internet Resolver's too.
func (s *ResolverRules) GetResolverRule(ctx context.Context, c kit.Caller, in *r53r.GetResolverRuleRequest) (*r53r.GetResolverRuleResponse, error) {
	id := kit.Deref(in.ResolverRuleId)
	if id == internetResolver {
		return &r53r.GetResolverRuleResponse{ResolverRule: kit.Ptr(internetResolverShape(c))}, nil
	}
	var r *kit.ResolverRuleRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		r, err = getRule(t, c, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r53r.GetResolverRuleResponse{ResolverRule: ruleShape(c, r)}, nil
}

var ruleFilters = map[string]bool{"CreatorRequestId": true, "DomainName": true, "Name": true, "ResolverEndpointId": true, "Status": true,
	"Type": true, "RuleType": true}

// ListResolverRules lists the Internet Resolver's rule and the caller's rules that
// match the filters.
func (s *ResolverRules) ListResolverRules(ctx context.Context, c kit.Caller, in *r53r.ListResolverRulesRequest) (*r53r.ListResolverRulesResponse, error) {
	filters, err := parseFilters(in.Filters, ruleFilters)
	if err != nil {
		return nil, err
	}
	var all []*kit.ResolverRuleRecord
	err = s.View(ctx, func(t *kit.Txn) error {
		all, err = listRules(t, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	shapes := []r53r.ResolverRule{internetResolverShape(c)}
	for _, r := range all {
		shapes = append(shapes, *ruleShape(c, r))
	}
	kept := []r53r.ResolverRule{}
	for _, r := range shapes {
		values := func(name string) []string {
			switch name {
			case "CreatorRequestId":
				return []string{kit.Deref(r.CreatorRequestId)}
			case "DomainName":
				return []string{kit.Deref(r.DomainName), strings.TrimSuffix(kit.Deref(r.DomainName), ".")}
			case "Name":
				return []string{kit.Deref(r.Name)}
			case "ResolverEndpointId":
				return []string{kit.Deref(r.ResolverEndpointId)}
			case "Status":
				return []string{kit.Deref(r.Status)}
			}
			return []string{kit.Deref(r.RuleType)}
		}
		if matches(filters, values) {
			kept = append(kept, r)
		}
	}
	pg, next, limit, err := page(kept, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &r53r.ListResolverRulesResponse{ResolverRules: pg, NextToken: next, MaxResults: limit}, nil
}

// UpdateResolverRule changes a rule's name, targets or outbound endpoint.
func (s *ResolverRules) UpdateResolverRule(ctx context.Context, c kit.Caller, in *r53r.UpdateResolverRuleRequest) (*r53r.UpdateResolverRuleResponse, error) {
	cfg := in.Config
	if cfg == nil {
		return nil, errInvalidParameter("[RSLVR-00711] Config is required.")
	}
	if err := checkLength(kit.Deref(cfg.Name), "name", 0, 64); err != nil {
		return nil, err
	}
	tgts, err := targets(cfg.TargetIps)
	if err != nil {
		return nil, err
	}
	var r *kit.ResolverRuleRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getRule(t, c, kit.Deref(in.ResolverRuleId)); err != nil {
			return err
		}
		if r.RuleType == "SYSTEM" && (len(tgts) > 0 || cfg.ResolverEndpointId != nil) {
			return errInvalidRequest("[RSLVR-00708] Rules of type SYSTEM take neither TargetIps nor a ResolverEndpointId.")
		}
		if cfg.Name != nil {
			r.Name = *cfg.Name
		}
		if len(tgts) > 0 {
			r.Targets = tgts
		}
		if cfg.ResolverEndpointId != nil {
			e, err := outboundEndpoint(t, c, *cfg.ResolverEndpointId)
			if err != nil {
				return err
			}
			r.EndpointID = e.ID
		}
		r.Modified = s.Now()
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &r53r.UpdateResolverRuleResponse{ResolverRule: ruleShape(c, r)}, nil
}

// DeleteResolverRule deletes a rule that no VPC is associated with.
func (s *ResolverRules) DeleteResolverRule(ctx context.Context, c kit.Caller, in *r53r.DeleteResolverRuleRequest) (*r53r.DeleteResolverRuleResponse, error) {
	id := kit.Deref(in.ResolverRuleId)
	if id == internetResolver {
		return nil, errInvalidRequest("[RSLVR-00712] The rule %s is defined by Resolver and cannot be deleted.", id)
	}
	var r *kit.ResolverRuleRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getRule(t, c, id); err != nil {
			return err
		}
		if len(r.Associations) > 0 {
			return errInUse("[RSLVR-00705] Cannot delete the rule %s because it is associated with VPC %s. Disassociate the rule first.", r.ID, r.Associations[0].VpcID)
		}
		t.Del(c.Key(r.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := ruleShape(c, r)
	out.Status, out.StatusMessage = kit.Ptr("DELETING"), kit.Ptr("[Trace Id: "+traceID()+"] Deleting Resolver Rule")
	return &r53r.DeleteResolverRuleResponse{ResolverRule: out}, nil
}
