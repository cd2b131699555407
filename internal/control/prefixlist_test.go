package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createPrefixList(t *testing.T, s *Service, max int32, cidrs ...string) *ec2.ManagedPrefixList {
	t.Helper()
	req := &ec2.CreateManagedPrefixListRequest{PrefixListName: kit.Ptr("corp"), MaxEntries: kit.Ptr(max), AddressFamily: kit.Ptr("IPv4")}
	for _, c := range cidrs {
		req.Entries = append(req.Entries, ec2.AddPrefixListEntry{Cidr: kit.Ptr(c)})
	}
	out, err := s.CreateManagedPrefixList(context.Background(), testCaller, req)
	if err != nil {
		t.Fatal(err)
	}
	return out.PrefixList
}

func prefixListEntries(t *testing.T, s *Service, id string, version *int64) []string {
	t.Helper()
	out, err := s.GetManagedPrefixListEntries(context.Background(), testCaller, &ec2.GetManagedPrefixListEntriesRequest{PrefixListId: kit.Ptr(id), TargetVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	var cidrs []string
	for _, e := range out.Entries {
		cidrs = append(cidrs, *e.Cidr)
	}
	return cidrs
}

func TestCreateManagedPrefixListValidation(t *testing.T) {
	s := newTestService(t)
	req := func(name, family string, max int32, cidrs ...string) *ec2.CreateManagedPrefixListRequest {
		r := &ec2.CreateManagedPrefixListRequest{PrefixListName: kit.Ptr(name), AddressFamily: kit.Ptr(family), MaxEntries: kit.Ptr(max)}
		for _, c := range cidrs {
			r.Entries = append(r.Entries, ec2.AddPrefixListEntry{Cidr: kit.Ptr(c)})
		}
		return r
	}
	for _, tc := range []struct {
		name string
		req  *ec2.CreateManagedPrefixListRequest
		code string
	}{
		{"no name", req("", "IPv4", 5), "MissingParameter"},
		{"reserved name", req("com.amazonaws.mine", "IPv4", 5), "InvalidParameterValue"},
		{"max entries 0", req("a", "IPv4", 0), "InvalidParameterValue"},
		{"max entries 1001", req("a", "IPv4", 1001), "InvalidParameterValue"},
		{"unknown family", req("a", "IPv5", 5), "InvalidParameterValue"},
		{"more entries than max", req("a", "IPv4", 1, "10.0.0.0/8", "10.1.0.0/16"), "InvalidParameterValue"},
		{"entry of the other family", req("a", "IPv4", 5, "2001:db8::/32"), "InvalidParameterValue"},
		{"entry with host bits", req("a", "IPv4", 5, "10.0.0.1/8"), "InvalidParameterValue"},
		{"same entry twice", req("a", "IPv4", 5, "10.0.0.0/8", "10.0.0.0/8"), "InvalidParameterValue"},
		{"ipv6 list", req("a", "IPv6", 5, "2001:db8::/32"), ""},
		{"max entries 1000", req("a", "IPv4", 1000, "10.0.0.0/8"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateManagedPrefixList(context.Background(), testCaller, tc.req)
			wantCode(t, err, tc.code)
		})
	}
}

func TestModifyManagedPrefixList(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	pl := createPrefixList(t, s, 2, "10.1.0.0/16")
	if *pl.Version != 1 || *pl.State != "create-complete" || *pl.PrefixListArn != "arn:aws:ec2:us-east-1:"+testCaller.Account+":prefix-list/"+*pl.PrefixListId {
		t.Fatalf("created %+v", pl)
	}
	id := *pl.PrefixListId
	modify := func(r ec2.ModifyManagedPrefixListRequest) (*ec2.ManagedPrefixList, error) {
		r.PrefixListId = kit.Ptr(id)
		out, err := s.ModifyManagedPrefixList(ctx, testCaller, &r)
		if err != nil {
			return nil, err
		}
		return out.PrefixList, nil
	}
	add := []ec2.AddPrefixListEntry{{Cidr: kit.Ptr("10.2.0.0/16")}}
	_, err := modify(ec2.ModifyManagedPrefixListRequest{AddEntries: add, CurrentVersion: kit.Ptr(int64(7))})
	wantCode(t, err, "PrefixListVersionMismatch")
	_, err = modify(ec2.ModifyManagedPrefixListRequest{AddEntries: add, MaxEntries: kit.Ptr(int32(5)), CurrentVersion: kit.Ptr(int64(1))})
	wantCode(t, err, "InvalidParameterCombination")
	got, err := modify(ec2.ModifyManagedPrefixListRequest{AddEntries: add, CurrentVersion: kit.Ptr(int64(1))})
	if err != nil || *got.Version != 2 {
		t.Fatalf("add: %+v, %v", got, err)
	}
	_, err = modify(ec2.ModifyManagedPrefixListRequest{AddEntries: []ec2.AddPrefixListEntry{{Cidr: kit.Ptr("10.3.0.0/16")}}, CurrentVersion: kit.Ptr(int64(2))})
	wantCode(t, err, "InvalidParameterValue") // beyond MaxEntries
	_, err = modify(ec2.ModifyManagedPrefixListRequest{MaxEntries: kit.Ptr(int32(1))})
	wantCode(t, err, "InvalidParameterValue") // fewer than its entries
	got, err = modify(ec2.ModifyManagedPrefixListRequest{RemoveEntries: []ec2.RemovePrefixListEntry{{Cidr: kit.Ptr("10.1.0.0/16")}}, CurrentVersion: kit.Ptr(int64(2)), PrefixListName: kit.Ptr("renamed")})
	if err != nil || *got.Version != 3 || *got.PrefixListName != "renamed" {
		t.Fatalf("remove: %+v, %v", got, err)
	}
	if e := prefixListEntries(t, s, id, nil); len(e) != 1 || e[0] != "10.2.0.0/16" {
		t.Fatalf("current entries %v", e)
	}
	if e := prefixListEntries(t, s, id, kit.Ptr(int64(2))); len(e) != 2 {
		t.Fatalf("version 2 entries %v", e)
	}
	_, err = s.GetManagedPrefixListEntries(ctx, testCaller, &ec2.GetManagedPrefixListEntriesRequest{PrefixListId: kit.Ptr(id), TargetVersion: kit.Ptr(int64(4))})
	wantCode(t, err, "InvalidParameterValue")
}

func TestDescribeManagedPrefixListsShowsAWSManaged(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	own := *createPrefixList(t, s, 3).PrefixListId
	out, err := s.DescribeManagedPrefixLists(ctx, testCaller, &ec2.DescribeManagedPrefixListsRequest{})
	if err != nil || len(out.PrefixLists) != 3 {
		t.Fatalf("got %+v, %v; want s3, dynamodb and own", out, err)
	}
	out, err = s.DescribeManagedPrefixLists(ctx, testCaller, &ec2.DescribeManagedPrefixListsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("prefix-list-name"), Values: []string{"com.amazonaws.us-east-1.s3"}}}})
	if err != nil || len(out.PrefixLists) != 1 || *out.PrefixLists[0].OwnerId != "AWS" {
		t.Fatalf("s3 list: %+v, %v", out, err)
	}
	s3 := *out.PrefixLists[0].PrefixListId
	if e := prefixListEntries(t, s, s3, nil); len(e) == 0 {
		t.Fatal("the s3 list has no entries")
	}
	_, err = s.DeleteManagedPrefixList(ctx, testCaller, &ec2.DeleteManagedPrefixListRequest{PrefixListId: kit.Ptr(s3)})
	wantCode(t, err, "UnauthorizedOperation")
	_, err = s.DescribeManagedPrefixLists(ctx, testCaller, &ec2.DescribeManagedPrefixListsRequest{PrefixListIds: []string{own, "pl-0123456789abcdef0"}})
	wantCode(t, err, "InvalidPrefixListID.NotFound")
}

func TestPrefixListReferences(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	g := createGroup(t, s, vpc, "a")
	pl := *createPrefixList(t, s, 40, "192.0.2.0/24").PrefixListId
	perm := func(port int32) ec2.IpPermission {
		return ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(port), ToPort: kit.Ptr(port), PrefixListIds: []ec2.PrefixListId{{PrefixListId: kit.Ptr(pl)}}}
	}
	_, err := ingress(s, g, perm(22))
	wantCode(t, err, "")
	_, err = ingress(s, g, perm(23)) // 80 rules of the quota of 60
	wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
	rtb := createRouteTable(t, s, vpc)
	igw := createIgw(t, s)
	attachIgw(t, s, igw, vpc)
	_, err = s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationPrefixListId: kit.Ptr(pl), GatewayId: kit.Ptr(igw)})
	wantCode(t, err, "")
	assoc, err := s.GetManagedPrefixListAssociations(ctx, testCaller, &ec2.GetManagedPrefixListAssociationsRequest{PrefixListId: kit.Ptr(pl)})
	if err != nil || len(assoc.PrefixListAssociations) != 2 {
		t.Fatalf("associations %+v, %v", assoc, err)
	}
	_, err = s.ModifyManagedPrefixList(ctx, testCaller, &ec2.ModifyManagedPrefixListRequest{PrefixListId: kit.Ptr(pl), MaxEntries: kit.Ptr(int32(61))})
	wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
	_, err = s.DeleteManagedPrefixList(ctx, testCaller, &ec2.DeleteManagedPrefixListRequest{PrefixListId: kit.Ptr(pl)})
	wantCode(t, err, "DependencyViolation")
}

func TestPrefixListTags(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	id := *createPrefixList(t, s, 3).PrefixListId
	err := s.CreateTags(ctx, testCaller, &ec2.CreateTagsRequest{Resources: []string{id}, Tags: []ec2.Tag{{Key: kit.Ptr("team"), Value: kit.Ptr("net")}}})
	wantCode(t, err, "")
	out, err := s.DescribeManagedPrefixLists(ctx, testCaller, &ec2.DescribeManagedPrefixListsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:team"), Values: []string{"net"}}}})
	if err != nil || len(out.PrefixLists) != 1 || *out.PrefixLists[0].PrefixListId != id {
		t.Fatalf("by tag: %+v, %v", out, err)
	}
}

func TestDescribePrefixLists(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	createPrefixList(t, s, 3, "10.0.0.0/8") // a customer-managed list is not among them
	out, err := s.DescribePrefixLists(ctx, testCaller, &ec2.DescribePrefixListsRequest{})
	if err != nil || len(out.PrefixLists) != 2 {
		t.Fatalf("got %+v, %v; want s3 and dynamodb", out, err)
	}
	out, err = s.DescribePrefixLists(ctx, testCaller, &ec2.DescribePrefixListsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("prefix-list-name"), Values: []string{"com.amazonaws.us-east-1.s3"}}}})
	if err != nil || len(out.PrefixLists) != 1 || len(out.PrefixLists[0].Cidrs) != 2 {
		t.Fatalf("by name: %+v, %v", out, err)
	}
	got, err := s.DescribePrefixLists(ctx, testCaller, &ec2.DescribePrefixListsRequest{PrefixListIds: []string{*out.PrefixLists[0].PrefixListId}})
	if err != nil || len(got.PrefixLists) != 1 || *got.PrefixLists[0].PrefixListName != "com.amazonaws.us-east-1.s3" {
		t.Fatalf("by ID: %+v, %v", got, err)
	}
	_, err = s.DescribePrefixLists(ctx, testCaller, &ec2.DescribePrefixListsRequest{PrefixListIds: []string{"pl-12345678"}})
	wantCode(t, err, "InvalidPrefixListID.NotFound")
	_, err = s.DescribePrefixLists(ctx, testCaller, &ec2.DescribePrefixListsRequest{PrefixListIds: []string{"pl-x"}})
	wantCode(t, err, "InvalidPrefixListId.Malformed")
	_, err = s.DescribePrefixLists(ctx, testCaller, &ec2.DescribePrefixListsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("owner-id"), Values: []string{"AWS"}}}})
	wantCode(t, err, "InvalidParameterValue")
}
