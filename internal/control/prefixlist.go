package control

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"

	"vpcd/internal/ec2"
)

// prefixListRecord is a customer-managed prefix list (kind "pl"): a named, versioned set
// of CIDRs of one address family that routes and security group rules reference. Every
// version's entries are kept, as GetManagedPrefixListEntries answers for any of them.
type prefixListRecord struct {
	meta
	Name          string `json:"name"`
	AddressFamily string `json:"addressFamily"` // IPv4 or IPv6
	MaxEntries    int32  `json:"maxEntries"`
	State         string `json:"state"`
	// Versions[v-1] are the entries of version v; the last is the current one.
	Versions    [][]prefixListEntry `json:"versions"`
	ClientToken string              `json:"clientToken,omitempty"`
	Region      string              `json:"region"`
}

type prefixListEntry struct {
	Cidr        netip.Prefix `json:"cidr"`
	Description string       `json:"description,omitempty"`
}

// awsOwner is the OwnerId of AWS-managed prefix lists.
const awsOwner = "AWS"

// maxPrefixListEntries is the largest MaxEntries AWS accepts.
const maxPrefixListEntries = 1000

func (p *prefixListRecord) version() int64 { return int64(len(p.Versions)) }

func (p *prefixListRecord) entries() []prefixListEntry {
	if len(p.Versions) == 0 {
		return nil
	}
	return p.Versions[len(p.Versions)-1]
}

// CIDRs are the current entries' prefixes.
func (p *prefixListRecord) CIDRs() []netip.Prefix {
	var out []netip.Prefix
	for _, e := range p.entries() {
		out = append(out, e.Cidr)
	}
	return out
}

// awsManagedPrefixLists are the AWS-managed lists of a region that vpcd shows: the S3 and
// DynamoDB gateway endpoints' lists, with documentation addresses. Their IDs are fixed per
// region.
func awsManagedPrefixLists(region string) []*prefixListRecord {
	services := []struct {
		name  string
		cidrs []string
	}{
		{"dynamodb", []string{"192.0.2.128/26", "192.0.2.192/26"}},
		{"s3", []string{"192.0.2.0/26", "192.0.2.64/26"}},
	}
	var out []*prefixListRecord
	for _, svc := range services {
		name := "com.amazonaws." + region + "." + svc.name
		sum := sha256.Sum256([]byte(name))
		p := &prefixListRecord{
			meta: meta{ID: "pl-" + hex.EncodeToString(sum[:4]), Owner: awsOwner},
			Name: name, AddressFamily: "IPv4", State: "create-complete", Region: region,
		}
		var entries []prefixListEntry
		for _, c := range svc.cidrs {
			entries = append(entries, prefixListEntry{Cidr: netip.MustParsePrefix(c)})
		}
		p.Versions = [][]prefixListEntry{entries}
		out = append(out, p)
	}
	return out
}

// AWSManagedPrefixLists are the CIDRs of the AWS-managed prefix lists of a region, by ID,
// for the data plane.
func AWSManagedPrefixLists(region string) map[string][]netip.Prefix {
	out := map[string][]netip.Prefix{}
	for _, p := range awsManagedPrefixLists(region) {
		out[p.ID] = p.CIDRs()
	}
	return out
}

// getPrefixList reads a prefix list the caller can use: its own or an AWS-managed one.
func getPrefixList(t *txn, c Caller, id string) (*prefixListRecord, error) {
	if err := checkID(id, "pl"); err != nil {
		return nil, err
	}
	for _, p := range awsManagedPrefixLists(c.Region) {
		if p.ID == id {
			return p, nil
		}
	}
	return get[prefixListRecord](t, c, "pl", id)
}

// getOwnPrefixList reads a prefix list the caller may change.
func getOwnPrefixList(t *txn, c Caller, id, verb string) (*prefixListRecord, error) {
	p, err := getPrefixList(t, c, id)
	if err != nil {
		return nil, err
	}
	if p.Owner == awsOwner {
		return nil, ec2.ErrUnauthorizedOperation("You are not authorized to %s the AWS-managed prefix list %s.", verb, id)
	}
	return p, nil
}

// parsePrefixListEntry checks one entry against the list's family.
func parsePrefixListEntry(cidr, desc *string, family string) (prefixListEntry, error) {
	if cidr == nil {
		return prefixListEntry{}, ec2.ErrMissingParameter("Entry.Cidr")
	}
	p, err := netip.ParsePrefix(*cidr)
	if err != nil || p != p.Masked() {
		return prefixListEntry{}, ec2.ErrInvalidParameterValue("The CIDR '%s' is invalid.", *cidr)
	}
	if p.Addr().Is4() != (family == "IPv4") {
		return prefixListEntry{}, ec2.ErrInvalidParameterValue("The CIDR '%s' does not match the address family of the prefix list (%s).", *cidr, family)
	}
	if len(deref(desc)) > 255 {
		return prefixListEntry{}, ec2.ErrInvalidParameterValue("The description must be 255 characters or fewer.")
	}
	return prefixListEntry{Cidr: p, Description: deref(desc)}, nil
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
func (s *Service) CreateManagedPrefixList(ctx context.Context, c Caller, in *ec2.CreateManagedPrefixListRequest) (*ec2.CreateManagedPrefixListResult, error) {
	name := deref(in.PrefixListName)
	if err := checkPrefixListName(name); err != nil {
		return nil, err
	}
	if in.MaxEntries == nil {
		return nil, ec2.ErrMissingParameter("MaxEntries")
	}
	if err := checkMaxEntries(*in.MaxEntries); err != nil {
		return nil, err
	}
	family := deref(in.AddressFamily)
	switch family {
	case "IPv4", "IPv6":
	case "":
		return nil, ec2.ErrMissingParameter("AddressFamily")
	default:
		return nil, ec2.ErrInvalidParameterValue("The address family '%s' is invalid. Valid values are IPv4 and IPv6.", family)
	}
	var entries []prefixListEntry
	for _, e := range in.Entries {
		entry, err := parsePrefixListEntry(e.Cidr, e.Description, family)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(entries, func(o prefixListEntry) bool { return o.Cidr == entry.Cidr }) {
			return nil, ec2.ErrInvalidParameterValue("The CIDR '%s' is specified more than once.", entry.Cidr)
		}
		entries = append(entries, entry)
	}
	if len(entries) > int(*in.MaxEntries) {
		return nil, errTooManyEntries(*in.MaxEntries)
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "prefix-list")
	if err != nil {
		return nil, err
	}
	p := &prefixListRecord{
		meta: meta{ID: newID("pl"), Owner: c.Account, Tags: tags},
		Name: name, AddressFamily: family, MaxEntries: *in.MaxEntries, State: "create-complete",
		Versions: [][]prefixListEntry{entries}, ClientToken: deref(in.ClientToken), Region: c.Region,
	}
	err = s.update(ctx, func(t *txn) error {
		if p.ClientToken != "" {
			all, err := listAll[prefixListRecord](t, c.prefix("pl"))
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
		return t.put(c.key(p.ID), p)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateManagedPrefixListResult{PrefixList: p.ec2()}, nil
}

// ModifyManagedPrefixList renames a list, resizes it, or adds and removes entries (which
// makes a new version); entries change only from the version the caller names.
func (s *Service) ModifyManagedPrefixList(ctx context.Context, c Caller, in *ec2.ModifyManagedPrefixListRequest) (*ec2.ModifyManagedPrefixListResult, error) {
	id := deref(in.PrefixListId)
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
	var out *prefixListRecord
	err := s.update(ctx, func(t *txn) error {
		p, err := getOwnPrefixList(t, c, id, "modify")
		if err != nil {
			return err
		}
		if in.CurrentVersion != nil && *in.CurrentVersion != p.version() {
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
			if int(*in.MaxEntries) < len(p.entries()) {
				return ec2.ErrInvalidParameterValue("The maximum number of entries (%d) cannot be less than the number of entries in the prefix list (%d).", *in.MaxEntries, len(p.entries()))
			}
			p.MaxEntries = *in.MaxEntries
		}
		if in.PrefixListName != nil {
			p.Name = *in.PrefixListName
		}
		p.State = "modify-complete"
		out = p
		if err := t.put(c.key(p.ID), p); err != nil {
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
	return &ec2.ModifyManagedPrefixListResult{PrefixList: out.ec2()}, nil
}

// modifiedEntries are the current entries less the removed and with the added ones (an
// added CIDR already there takes the new description).
func modifiedEntries(p *prefixListRecord, add []ec2.AddPrefixListEntry, remove []ec2.RemovePrefixListEntry) ([]prefixListEntry, error) {
	next := slices.Clone(p.entries())
	for _, r := range remove {
		entry, err := parsePrefixListEntry(r.Cidr, nil, p.AddressFamily)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(next, func(e prefixListEntry) bool { return e.Cidr == entry.Cidr })
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
		next = slices.DeleteFunc(next, func(e prefixListEntry) bool { return e.Cidr == entry.Cidr })
		next = append(next, entry)
	}
	if len(next) > int(p.MaxEntries) {
		return nil, errTooManyEntries(p.MaxEntries)
	}
	return next, nil
}

// checkGroupsReferencing applies the rules quota to every group that references a list
// whose size changed.
func (s *Service) checkGroupsReferencing(t *txn, c Caller, id string) error {
	groups, err := listAll[securityGroupRecord](t, c.prefix("sg"))
	if err != nil {
		return err
	}
	for _, g := range groups {
		if slices.ContainsFunc(g.Rules, func(r sgRule) bool { return r.PrefixListID == id }) {
			if err := s.checkRuleQuota(t, c, g.Rules); err != nil {
				return err
			}
		}
	}
	return nil
}

// prefixListAssociations are the caller's route tables and security groups that
// reference a prefix list.
func prefixListAssociations(t *txn, c Caller, id string) ([]ec2.PrefixListAssociation, error) {
	var out []ec2.PrefixListAssociation
	groups, err := listAll[securityGroupRecord](t, c.prefix("sg"))
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if slices.ContainsFunc(g.Rules, func(r sgRule) bool { return r.PrefixListID == id }) {
			out = append(out, ec2.PrefixListAssociation{ResourceId: ptr(g.ID), ResourceOwner: ptr(g.Owner)})
		}
	}
	tables, err := listAll[routeTableRecord](t, c.prefix("rtb"))
	if err != nil {
		return nil, err
	}
	for _, rt := range tables {
		if slices.ContainsFunc(rt.Routes, func(r route) bool { return r.DestinationPrefixList == id }) {
			out = append(out, ec2.PrefixListAssociation{ResourceId: ptr(rt.ID), ResourceOwner: ptr(rt.Owner)})
		}
	}
	return out, nil
}

// DeleteManagedPrefixList deletes a list that no route or security group rule references.
func (s *Service) DeleteManagedPrefixList(ctx context.Context, c Caller, in *ec2.DeleteManagedPrefixListRequest) (*ec2.DeleteManagedPrefixListResult, error) {
	id := deref(in.PrefixListId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("PrefixListId")
	}
	var out *prefixListRecord
	err := s.update(ctx, func(t *txn) error {
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
		t.del(c.key(p.ID))
		p.State = "delete-complete"
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteManagedPrefixListResult{PrefixList: out.ec2()}, nil
}

// prefixListFilters gives, for each filter DescribeManagedPrefixLists documents, the
// list's values.
var prefixListFilters = map[string]func(*prefixListRecord) []string{
	"owner-id":         func(p *prefixListRecord) []string { return []string{p.Owner} },
	"prefix-list-id":   func(p *prefixListRecord) []string { return []string{p.ID} },
	"prefix-list-name": func(p *prefixListRecord) []string { return []string{p.Name} },
}

// DescribeManagedPrefixLists lists the caller's prefix lists and the region's AWS-managed
// ones.
func (s *Service) DescribeManagedPrefixLists(ctx context.Context, c Caller, in *ec2.DescribeManagedPrefixListsRequest) (*ec2.DescribeManagedPrefixListsResult, error) {
	if err := checkMaxResults(in.MaxResults, 1, 100); err != nil {
		return nil, err
	}
	match, err := compileFilters(in.Filters, func(name string) bool { return prefixListFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var all []*prefixListRecord
	err = s.view(ctx, func(t *txn) error {
		own, err := listAll[prefixListRecord](t, c.prefix("pl"))
		all = append(awsManagedPrefixLists(c.Region), own...)
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := map[string]*prefixListRecord{}
	for _, p := range all {
		byID[p.ID] = p
	}
	var items []*prefixListRecord
	if len(in.PrefixListIds) > 0 {
		for _, id := range in.PrefixListIds {
			if err := checkID(id, "pl"); err != nil {
				return nil, err
			}
			p := byID[id]
			if p == nil {
				return nil, notFound(id)
			}
			if !slices.Contains(items, p) {
				items = append(items, p)
			}
		}
	} else {
		items = all
	}
	var kept []*prefixListRecord
	for _, p := range items {
		if match(func(name string) []string { return prefixListFilters[name](p) }, p.Tags) {
			kept = append(kept, p)
		}
	}
	slices.SortFunc(kept, func(a, b *prefixListRecord) int { return strings.Compare(a.ID, b.ID) })
	page, next, err := paginate(kept, in.MaxResults, in.NextToken, func(p *prefixListRecord) string { return p.ID })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeManagedPrefixListsResult{NextToken: next, PrefixLists: []ec2.ManagedPrefixList{}}
	for _, p := range page {
		out.PrefixLists = append(out.PrefixLists, *p.ec2())
	}
	return out, nil
}

// GetManagedPrefixListEntries lists the entries of a list, at its current version or at
// TargetVersion.
func (s *Service) GetManagedPrefixListEntries(ctx context.Context, c Caller, in *ec2.GetManagedPrefixListEntriesRequest) (*ec2.GetManagedPrefixListEntriesResult, error) {
	id := deref(in.PrefixListId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("PrefixListId")
	}
	if err := checkMaxResults(in.MaxResults, 1, 100); err != nil {
		return nil, err
	}
	var p *prefixListRecord
	err := s.view(ctx, func(t *txn) error {
		var err error
		p, err = getPrefixList(t, c, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	entries := p.entries()
	if v := in.TargetVersion; v != nil {
		if *v < 1 || *v > p.version() {
			return nil, ec2.ErrInvalidParameterValue("The target version (%d) of the prefix list %s is invalid.", *v, id)
		}
		entries = p.Versions[*v-1]
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b prefixListEntry) int { return strings.Compare(a.Cidr.String(), b.Cidr.String()) })
	page, next, err := paginate(entries, in.MaxResults, in.NextToken, func(e prefixListEntry) string { return e.Cidr.String() })
	if err != nil {
		return nil, err
	}
	out := &ec2.GetManagedPrefixListEntriesResult{NextToken: next, Entries: []ec2.PrefixListEntry{}}
	for _, e := range page {
		entry := ec2.PrefixListEntry{Cidr: ptr(e.Cidr.String())}
		if e.Description != "" {
			entry.Description = ptr(e.Description)
		}
		out.Entries = append(out.Entries, entry)
	}
	return out, nil
}

// GetManagedPrefixListAssociations lists the route tables and security groups that
// reference one of the caller's lists.
func (s *Service) GetManagedPrefixListAssociations(ctx context.Context, c Caller, in *ec2.GetManagedPrefixListAssociationsRequest) (*ec2.GetManagedPrefixListAssociationsResult, error) {
	id := deref(in.PrefixListId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("PrefixListId")
	}
	if err := checkMaxResults(in.MaxResults, 5, 255); err != nil {
		return nil, err
	}
	var refs []ec2.PrefixListAssociation
	err := s.view(ctx, func(t *txn) error {
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
	page, next, err := paginate(refs, in.MaxResults, in.NextToken, func(a ec2.PrefixListAssociation) string { return *a.ResourceId })
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []ec2.PrefixListAssociation{}
	}
	return &ec2.GetManagedPrefixListAssociationsResult{NextToken: next, PrefixListAssociations: page}, nil
}

// ec2 is the list as AWS shows it.
func (p *prefixListRecord) ec2() *ec2.ManagedPrefixList {
	account := p.Owner
	if p.Owner == awsOwner {
		account = "aws"
	}
	out := &ec2.ManagedPrefixList{
		PrefixListId:   ptr(p.ID),
		PrefixListName: ptr(p.Name),
		AddressFamily:  ptr(p.AddressFamily),
		OwnerId:        ptr(p.Owner),
		State:          ptr(p.State),
		PrefixListArn:  ptr("arn:aws:ec2:" + p.Region + ":" + account + ":prefix-list/" + p.ID),
		Tags:           p.ec2Tags(),
	}
	if p.Owner != awsOwner {
		out.MaxEntries = ptr(p.MaxEntries)
		out.Version = ptr(p.version())
	}
	return out
}

// prefixListRuleWeight is how many rules a reference to a prefix list counts toward a
// group's quota, as AWS counts it: the list's MaxEntries, in its family (ipv6 = 1).
func prefixListRuleWeight(t *txn, c Caller, id string) (n, ipv6 int, err error) {
	p, err := getPrefixList(t, c, id)
	if err != nil {
		return 0, 0, err
	}
	n = int(p.MaxEntries)
	if p.Owner == awsOwner {
		n = len(p.entries())
	}
	if p.AddressFamily == "IPv6" {
		ipv6 = 1
	}
	return n, ipv6, nil
}
