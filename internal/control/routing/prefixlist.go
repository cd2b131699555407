package routing

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// maxPrefixListEntries is the largest MaxEntries AWS accepts.
const maxPrefixListEntries = 1000

// getOwnPrefixList reads a prefix list the caller may change.
func getOwnPrefixList(t *kit.Txn, c kit.Caller, id, verb string) (*kit.PrefixListRecord, error) {
	p, err := kit.GetPrefixList(t, c, id)
	if err != nil {
		return nil, err
	}
	if p.Owner == kit.AwsOwner {
		return nil, ec2.ErrUnauthorizedOperation("You are not authorized to %s the AWS-managed prefix list %s.", verb, id)
	}
	return p, nil
}

// parsePrefixListEntry checks one entry against the list's family.
func parsePrefixListEntry(cidr, desc *string, family string) (kit.PrefixListEntry, error) {
	if cidr == nil {
		return kit.PrefixListEntry{}, ec2.ErrMissingParameter("Entry.Cidr")
	}
	p, err := netip.ParsePrefix(*cidr)
	if err != nil || p != p.Masked() {
		return kit.PrefixListEntry{}, ec2.ErrInvalidParameterValue("The CIDR '%s' is invalid.", *cidr)
	}
	if p.Addr().Is4() != (family == "IPv4") {
		return kit.PrefixListEntry{}, ec2.ErrInvalidParameterValue("The CIDR '%s' does not match the address family of the prefix list (%s).", *cidr, family)
	}
	if len(kit.Deref(desc)) > 255 {
		return kit.PrefixListEntry{}, ec2.ErrInvalidParameterValue("The description must be 255 characters or fewer.")
	}
	return kit.PrefixListEntry{Cidr: p, Description: kit.Deref(desc)}, nil
}

func checkPrefixListName(name string) error {
	switch {
	case name == "":
		return ec2.ErrMissingParameter("PrefixListName")
	case len(name) > 255:
		return ec2.ErrInvalidParameterValue("The prefix list name must be 255 characters or fewer.")
	case strings.HasPrefix(strings.ToLower(name), "com.amazonaws"):
		return ec2.ErrInvalidParameterValue("The prefix list name cannot start with com.amazonaws.")
	}
	return nil
}

func checkMaxEntries(n int32) error {
	if n < 1 || n > maxPrefixListEntries {
		return ec2.ErrInvalidParameterValue("The value for MaxEntries (%d) is invalid. It must be between 1 and %d.", n, maxPrefixListEntries)
	}
	return nil
}

func errTooManyEntries(max int32) error {
	return ec2.ErrInvalidParameterValue("The prefix list would have more entries than its maximum number of entries (%d).", max)
}

// CreateManagedPrefixList creates a customer-managed prefix list at version 1.
func (s *Routing) CreateManagedPrefixList(ctx context.Context, c kit.Caller, in *ec2.CreateManagedPrefixListRequest) (*ec2.CreateManagedPrefixListResult, error) {
	name := kit.Deref(in.PrefixListName)
	if err := checkPrefixListName(name); err != nil {
		return nil, err
	}
	if in.MaxEntries == nil {
		return nil, ec2.ErrMissingParameter("MaxEntries")
	}
	if err := checkMaxEntries(*in.MaxEntries); err != nil {
		return nil, err
	}
	family := kit.Deref(in.AddressFamily)
	switch family {
	case "IPv4", "IPv6":
	case "":
		return nil, ec2.ErrMissingParameter("AddressFamily")
	default:
		return nil, ec2.ErrInvalidParameterValue("The address family '%s' is invalid. Valid values are IPv4 and IPv6.", family)
	}
	var entries []kit.PrefixListEntry
	for _, e := range in.Entries {
		entry, err := parsePrefixListEntry(e.Cidr, e.Description, family)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(entries, func(o kit.PrefixListEntry) bool { return o.Cidr == entry.Cidr }) {
			return nil, ec2.ErrInvalidParameterValue("The CIDR '%s' is specified more than once.", entry.Cidr)
		}
		entries = append(entries, entry)
	}
	if len(entries) > int(*in.MaxEntries) {
		return nil, errTooManyEntries(*in.MaxEntries)
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "prefix-list")
	if err != nil {
		return nil, err
	}
	p := &kit.PrefixListRecord{
		Meta: kit.Meta{ID: kit.NewID("pl"), Owner: c.Account, Tags: tags},
		Name: name, AddressFamily: family, MaxEntries: *in.MaxEntries, State: "create-complete",
		Versions: [][]kit.PrefixListEntry{entries}, ClientToken: kit.Deref(in.ClientToken), Region: c.Region,
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if p.ClientToken != "" {
			all, err := kit.ListAll[kit.PrefixListRecord](t, c.Prefix("pl"))
			if err != nil {
				return err
			}
			for _, other := range all {
				if other.ClientToken == p.ClientToken {
					p = other
					return nil
				}
			}
		}
		return t.Put(c.Key(p.ID), p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateManagedPrefixListResult{PrefixList: p.EC2()}, nil
}

// ModifyManagedPrefixList renames a list, resizes it, or adds and removes entries (which
// makes a new version); entries change only from the version the caller names.
func (s *Routing) ModifyManagedPrefixList(ctx context.Context, c kit.Caller, in *ec2.ModifyManagedPrefixListRequest) (*ec2.ModifyManagedPrefixListResult, error) {
	id := kit.Deref(in.PrefixListId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("PrefixListId")
	}
	changesEntries := len(in.AddEntries) > 0 || len(in.RemoveEntries) > 0
	if changesEntries && in.MaxEntries != nil {
		return nil, ec2.ErrInvalidParameterCombination("You cannot modify the entries and the maximum number of entries for the prefix list in the same request.")
	}
	if in.PrefixListName != nil {
		if err := checkPrefixListName(*in.PrefixListName); err != nil {
			return nil, err
		}
	}
	if in.MaxEntries != nil {
		if err := checkMaxEntries(*in.MaxEntries); err != nil {
			return nil, err
		}
	}
	var out *kit.PrefixListRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		p, err := getOwnPrefixList(t, c, id, "modify")
		if err != nil {
			return err
		}
		if in.CurrentVersion != nil && *in.CurrentVersion != p.Version() {
			return ec2.ErrPrefixListVersionMismatch("The prefix list has the incorrect version number.")
		}
		if changesEntries {
			if in.CurrentVersion == nil {
				return ec2.ErrMissingParameter("CurrentVersion")
			}
			next, err := modifiedEntries(p, in.AddEntries, in.RemoveEntries)
			if err != nil {
				return err
			}
			p.Versions = append(p.Versions, next)
		}
		if in.MaxEntries != nil {
			if int(*in.MaxEntries) < len(p.Entries()) {
				return ec2.ErrInvalidParameterValue("The maximum number of entries (%d) cannot be less than the number of entries in the prefix list (%d).", *in.MaxEntries, len(p.Entries()))
			}
			p.MaxEntries = *in.MaxEntries
		}
		if in.PrefixListName != nil {
			p.Name = *in.PrefixListName
		}
		p.State = "modify-complete"
		out = p
		if err := t.Put(c.Key(p.ID), p); err != nil {
			return err
		}
		if in.MaxEntries != nil {
			// A reference counts MaxEntries rules toward each group's quota.
			return s.checkGroupsReferencing(t, c, p.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyManagedPrefixListResult{PrefixList: out.EC2()}, nil
}

// modifiedEntries are the current entries less the removed and with the added ones (an
// added CIDR already there takes the new description).
func modifiedEntries(p *kit.PrefixListRecord, add []ec2.AddPrefixListEntry, remove []ec2.RemovePrefixListEntry) ([]kit.PrefixListEntry, error) {
	next := slices.Clone(p.Entries())
	for _, r := range remove {
		entry, err := parsePrefixListEntry(r.Cidr, nil, p.AddressFamily)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(next, func(e kit.PrefixListEntry) bool { return e.Cidr == entry.Cidr })
		if i < 0 {
			return nil, ec2.ErrInvalidParameterValue("The CIDR '%s' is not an entry of the prefix list %s.", entry.Cidr, p.ID)
		}
		next = slices.Delete(next, i, i+1)
	}
	for _, a := range add {
		entry, err := parsePrefixListEntry(a.Cidr, a.Description, p.AddressFamily)
		if err != nil {
			return nil, err
		}
		next = slices.DeleteFunc(next, func(e kit.PrefixListEntry) bool { return e.Cidr == entry.Cidr })
		next = append(next, entry)
	}
	if len(next) > int(p.MaxEntries) {
		return nil, errTooManyEntries(p.MaxEntries)
	}
	return next, nil
}

// checkGroupsReferencing applies the rules quota to every group that references a list
// whose size changed.
func (s *Routing) checkGroupsReferencing(t *kit.Txn, c kit.Caller, id string) error {
	groups, err := kit.ListAll[kit.SecurityGroupRecord](t, c.Prefix("sg"))
	if err != nil {
		return err
	}
	for _, g := range groups {
		if slices.ContainsFunc(g.Rules, func(r kit.SgRule) bool { return r.PrefixListID == id }) {
			if err := s.CheckRuleQuota(t, c, g.Rules); err != nil {
				return err
			}
		}
	}
	return nil
}

// prefixListAssociations are the caller's route tables and security groups that
// reference a prefix list.
func prefixListAssociations(t *kit.Txn, c kit.Caller, id string) ([]ec2.PrefixListAssociation, error) {
	var out []ec2.PrefixListAssociation
	groups, err := kit.ListAll[kit.SecurityGroupRecord](t, c.Prefix("sg"))
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if slices.ContainsFunc(g.Rules, func(r kit.SgRule) bool { return r.PrefixListID == id }) {
			out = append(out, ec2.PrefixListAssociation{ResourceId: kit.Ptr(g.ID), ResourceOwner: kit.Ptr(g.Owner)})
		}
	}
	tables, err := kit.ListAll[kit.RouteTableRecord](t, c.Prefix("rtb"))
	if err != nil {
		return nil, err
	}
	for _, rt := range tables {
		if slices.ContainsFunc(rt.Routes, func(r kit.Route) bool { return r.DestinationPrefixList == id }) {
			out = append(out, ec2.PrefixListAssociation{ResourceId: kit.Ptr(rt.ID), ResourceOwner: kit.Ptr(rt.Owner)})
		}
	}
	return out, nil
}

// DeleteManagedPrefixList deletes a list that no route or security group rule references.
func (s *Routing) DeleteManagedPrefixList(ctx context.Context, c kit.Caller, in *ec2.DeleteManagedPrefixListRequest) (*ec2.DeleteManagedPrefixListResult, error) {
	id := kit.Deref(in.PrefixListId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("PrefixListId")
	}
	var out *kit.PrefixListRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		p, err := getOwnPrefixList(t, c, id, "delete")
		if err != nil {
			return err
		}
		refs, err := prefixListAssociations(t, c, id)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			return ec2.ErrDependencyViolation("The prefix list '%s' has dependencies and cannot be deleted.", id)
		}
		t.Del(c.Key(p.ID))
		p.State = "delete-complete"
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteManagedPrefixListResult{PrefixList: out.EC2()}, nil
}

// prefixListFilters gives, for each filter DescribeManagedPrefixLists documents, the
// list's values.
var prefixListFilters = map[string]func(*kit.PrefixListRecord) []string{
	"owner-id":         func(p *kit.PrefixListRecord) []string { return []string{p.Owner} },
	"prefix-list-id":   func(p *kit.PrefixListRecord) []string { return []string{p.ID} },
	"prefix-list-name": func(p *kit.PrefixListRecord) []string { return []string{p.Name} },
}

// DescribeManagedPrefixLists lists the caller's prefix lists and the region's AWS-managed
// ones.
func (s *Routing) DescribeManagedPrefixLists(ctx context.Context, c kit.Caller, in *ec2.DescribeManagedPrefixListsRequest) (*ec2.DescribeManagedPrefixListsResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 1, 100); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return prefixListFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var all []*kit.PrefixListRecord
	err = s.View(ctx, func(t *kit.Txn) error {
		own, err := kit.ListAll[kit.PrefixListRecord](t, c.Prefix("pl"))
		all = append(kit.AwsManagedPrefixLists(c.Region), own...)
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := map[string]*kit.PrefixListRecord{}
	for _, p := range all {
		byID[p.ID] = p
	}
	var items []*kit.PrefixListRecord
	if len(in.PrefixListIds) > 0 {
		for _, id := range in.PrefixListIds {
			if err := kit.CheckID(id, "pl"); err != nil {
				return nil, err
			}
			p := byID[id]
			if p == nil {
				return nil, kit.NotFound(id)
			}
			if !slices.Contains(items, p) {
				items = append(items, p)
			}
		}
	} else {
		items = all
	}
	var kept []*kit.PrefixListRecord
	for _, p := range items {
		if match(func(name string) []string { return prefixListFilters[name](p) }, p.Tags) {
			kept = append(kept, p)
		}
	}
	slices.SortFunc(kept, func(a, b *kit.PrefixListRecord) int { return strings.Compare(a.ID, b.ID) })
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(p *kit.PrefixListRecord) string { return p.ID })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeManagedPrefixListsResult{NextToken: next, PrefixLists: []ec2.ManagedPrefixList{}}
	for _, p := range page {
		out.PrefixLists = append(out.PrefixLists, *p.EC2())
	}
	return out, nil
}

// DescribePrefixLists lists the region's AWS-managed prefix lists, the services' address
// ranges that gateway endpoints route to, in the older shape of the API.
func (s *Routing) DescribePrefixLists(ctx context.Context, c kit.Caller, in *ec2.DescribePrefixListsRequest) (*ec2.DescribePrefixListsResult, error) {
	if in.MaxResults != nil && *in.MaxResults < 5 {
		return nil, ec2.ErrInvalidParameterValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than 5.", *in.MaxResults)
	}
	max := in.MaxResults
	if max != nil && *max > 1000 {
		max = kit.Ptr(int32(1000))
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return name == "prefix-list-id" || name == "prefix-list-name" })
	if err != nil {
		return nil, err
	}
	all := kit.AwsManagedPrefixLists(c.Region)
	for _, id := range in.PrefixListIds {
		if err := kit.CheckID(id, "pl"); err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(all, func(p *kit.PrefixListRecord) bool { return p.ID == id }) {
			return nil, kit.NotFound(id)
		}
	}
	var kept []*kit.PrefixListRecord
	for _, p := range all {
		if len(in.PrefixListIds) > 0 && !slices.Contains(in.PrefixListIds, p.ID) {
			continue
		}
		if match(func(name string) []string { return prefixListFilters[name](p) }, nil) {
			kept = append(kept, p)
		}
	}
	slices.SortFunc(kept, func(a, b *kit.PrefixListRecord) int { return strings.Compare(a.ID, b.ID) })
	page, next, err := kit.Paginate(kept, max, in.NextToken, func(p *kit.PrefixListRecord) string { return p.ID })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribePrefixListsResult{NextToken: next, PrefixLists: []ec2.PrefixList{}}
	for _, p := range page {
		cidrs := []string{}
		for _, cidr := range p.CIDRs() {
			cidrs = append(cidrs, cidr.String())
		}
		out.PrefixLists = append(out.PrefixLists, ec2.PrefixList{PrefixListId: kit.Ptr(p.ID), PrefixListName: kit.Ptr(p.Name), Cidrs: cidrs})
	}
	return out, nil
}

// GetManagedPrefixListEntries lists the entries of a list, at its current version or at
// TargetVersion.
func (s *Routing) GetManagedPrefixListEntries(ctx context.Context, c kit.Caller, in *ec2.GetManagedPrefixListEntriesRequest) (*ec2.GetManagedPrefixListEntriesResult, error) {
	id := kit.Deref(in.PrefixListId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("PrefixListId")
	}
	if err := kit.CheckMaxResults(in.MaxResults, 1, 100); err != nil {
		return nil, err
	}
	var p *kit.PrefixListRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		p, err = kit.GetPrefixList(t, c, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	entries := p.Entries()
	if v := in.TargetVersion; v != nil {
		if *v < 1 || *v > p.Version() {
			return nil, ec2.ErrInvalidParameterValue("The target version (%d) of the prefix list %s is invalid.", *v, id)
		}
		entries = p.Versions[*v-1]
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b kit.PrefixListEntry) int { return strings.Compare(a.Cidr.String(), b.Cidr.String()) })
	page, next, err := kit.Paginate(entries, in.MaxResults, in.NextToken, func(e kit.PrefixListEntry) string { return e.Cidr.String() })
	if err != nil {
		return nil, err
	}
	out := &ec2.GetManagedPrefixListEntriesResult{NextToken: next, Entries: []ec2.PrefixListEntry{}}
	for _, e := range page {
		entry := ec2.PrefixListEntry{Cidr: kit.Ptr(e.Cidr.String())}
		if e.Description != "" {
			entry.Description = kit.Ptr(e.Description)
		}
		out.Entries = append(out.Entries, entry)
	}
	return out, nil
}

// GetManagedPrefixListAssociations lists the route tables and security groups that
// reference one of the caller's lists.
func (s *Routing) GetManagedPrefixListAssociations(ctx context.Context, c kit.Caller, in *ec2.GetManagedPrefixListAssociationsRequest) (*ec2.GetManagedPrefixListAssociationsResult, error) {
	id := kit.Deref(in.PrefixListId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("PrefixListId")
	}
	if err := kit.CheckMaxResults(in.MaxResults, 5, 255); err != nil {
		return nil, err
	}
	var refs []ec2.PrefixListAssociation
	err := s.View(ctx, func(t *kit.Txn) error {
		if _, err := getOwnPrefixList(t, c, id, "describe the associations of"); err != nil {
			return err
		}
		var err error
		refs, err = prefixListAssociations(t, c, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(refs, func(a, b ec2.PrefixListAssociation) int { return strings.Compare(*a.ResourceId, *b.ResourceId) })
	page, next, err := kit.Paginate(refs, in.MaxResults, in.NextToken, func(a ec2.PrefixListAssociation) string { return *a.ResourceId })
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []ec2.PrefixListAssociation{}
	}
	return &ec2.GetManagedPrefixListAssociationsResult{NextToken: next, PrefixListAssociations: page}, nil
}
