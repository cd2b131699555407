package api_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"vpcd/internal/api"
	"vpcd/internal/store"
	"vpcd/internal/store/etcdtest"
	"vpcd/internal/vpcdtest"
)

// calls records the actions that an SDK client completed without error, so that the
// walk-through can prove it round-tripped every action vpcd serves.
type calls struct {
	mu   sync.Mutex
	done map[string]bool
}

// client wraps c so that every action it completes successfully is recorded.
func (r *calls) client(c *ec2sdk.Client) *ec2sdk.Client {
	return ec2sdk.New(c.Options(), func(o *ec2sdk.Options) {
		o.APIOptions = append(o.APIOptions, r.record)
	})
}

// record is an API option of any SDK client that records the actions it completes.
func (r *calls) record(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("vpcdRecordAction",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if err == nil {
				r.mu.Lock()
				r.done[middleware.GetOperationName(ctx)] = true
				r.mu.Unlock()
			}
			return out, md, err
		}), middleware.After)
}

func (r *calls) missing(served []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var miss []string
	for _, a := range served {
		if !r.done[a] {
			miss = append(miss, a)
		}
	}
	return miss
}

// checkID fails unless id is prefix- followed by 17 lowercase hex digits, AWS's long IDs.
func checkID(t *testing.T, prefix string, id *string) string {
	t.Helper()
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-[0-9a-f]{17}$`)
	if id == nil || !re.MatchString(*id) {
		t.Errorf("ID %q, want %s- and 17 hex digits", aws.ToString(id), prefix)
		return aws.ToString(id)
	}
	return *id
}

// errorCode is the AWS error code the SDK decoded from err, or "" when err is not one.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := errorCode(err); got != code {
		t.Errorf("%s: error %v, want %s", what, err, code)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, tg := range tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	spec := types.TagSpecification{ResourceType: rt}
	for i := 0; i+1 < len(kv); i += 2 {
		spec.Tags = append(spec.Tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{spec}
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// TestSDKEveryAction walks a realistic scenario through the AWS SDK for Go v2 against a
// live vpcd and calls every action vpcd serves at least once; a served action that the
// walk-through does not complete fails the test, so a new action needs its round trip.
func TestSDKEveryAction(t *testing.T) { sdkEveryAction(t, vpcdtest.Start(t)) }

// TestSDKEveryActionOnEtcd walks the same actions with the API's store on a real etcd.
func TestSDKEveryActionOnEtcd(t *testing.T) {
	st, err := store.OpenEtcd(context.Background(), store.EtcdConfig{Endpoints: []string{etcdtest.Start(t)}, Namespace: "vpcd/"})
	if err != nil {
		t.Fatal(err)
	}
	sdkEveryAction(t, vpcdtest.StartOn(t, st))
}

func sdkEveryAction(t *testing.T, srv *vpcdtest.Server) {
	ctx := context.Background()
	served := api.New(srv.Service, api.Config{}).Actions()
	rec := &calls{done: map[string]bool{}}
	c := rec.client(srv.EC2(t, "123456789012"))

	t.Run("regions and zones", func(t *testing.T) {
		regions := must[*ec2sdk.DescribeRegionsOutput](t, "DescribeRegions")(c.DescribeRegions(ctx, &ec2sdk.DescribeRegionsInput{}))
		var names []string
		for _, r := range regions.Regions {
			names = append(names, aws.ToString(r.RegionName))
			if !strings.Contains(aws.ToString(r.Endpoint), aws.ToString(r.RegionName)) {
				t.Errorf("region %s endpoint %q", aws.ToString(r.RegionName), aws.ToString(r.Endpoint))
			}
		}
		if !slices.Contains(names, "us-east-1") {
			t.Errorf("regions %v lack us-east-1", names)
		}
		zones := must[*ec2sdk.DescribeAvailabilityZonesOutput](t, "DescribeAvailabilityZones")(c.DescribeAvailabilityZones(ctx, &ec2sdk.DescribeAvailabilityZonesInput{
			Filters: []types.Filter{filter("zone-name", "us-east-1a")},
		}))
		if len(zones.AvailabilityZones) != 1 || zones.AvailabilityZones[0].State != types.AvailabilityZoneStateAvailable ||
			aws.ToString(zones.AvailabilityZones[0].RegionName) != "us-east-1" || !strings.HasPrefix(aws.ToString(zones.AvailabilityZones[0].ZoneId), "use1-az") {
			t.Errorf("zones %+v, want us-east-1a available", zones.AvailabilityZones)
		}
		attrs := must[*ec2sdk.DescribeAccountAttributesOutput](t, "DescribeAccountAttributes")(c.DescribeAccountAttributes(ctx, &ec2sdk.DescribeAccountAttributesInput{
			AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc},
		}))
		if len(attrs.AccountAttributes) != 1 || aws.ToString(attrs.AccountAttributes[0].AttributeName) != "default-vpc" ||
			len(attrs.AccountAttributes[0].AttributeValues) != 1 || !strings.HasPrefix(aws.ToString(attrs.AccountAttributes[0].AttributeValues[0].AttributeValue), "vpc-") {
			t.Errorf("default-vpc attribute %+v", attrs.AccountAttributes)
		}
	})

	// The first request made the account's default VPC.
	vpcs := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs")(c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{}))
	if len(vpcs.Vpcs) != 1 || !aws.ToBool(vpcs.Vpcs[0].IsDefault) || aws.ToString(vpcs.Vpcs[0].CidrBlock) != "172.31.0.0/16" {
		t.Fatalf("before any creation: %+v, want the default VPC 172.31.0.0/16", vpcs.Vpcs)
	}
	defaultVpc := checkID(t, "vpc", vpcs.Vpcs[0].VpcId)

	_, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), DryRun: aws.Bool(true)})
	wantCode(t, "CreateVpc with DryRun", err, "DryRunOperation")

	created := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{
		CidrBlock:         aws.String("10.0.0.0/16"),
		TagSpecifications: tagSpec(types.ResourceTypeVpc, "Name", "main", "env", "test"),
	}))
	vpc := created.Vpc
	vpcID := checkID(t, "vpc", vpc.VpcId)
	if vpc.State != types.VpcStateAvailable && vpc.State != types.VpcStatePending {
		t.Errorf("new VPC state %q", vpc.State)
	}
	if aws.ToString(vpc.CidrBlock) != "10.0.0.0/16" || aws.ToString(vpc.OwnerId) != "123456789012" || aws.ToBool(vpc.IsDefault) || vpc.InstanceTenancy != types.TenancyDefault {
		t.Errorf("new VPC %+v", vpc)
	}
	if len(vpc.CidrBlockAssociationSet) != 1 || vpc.CidrBlockAssociationSet[0].CidrBlockState.State != types.VpcCidrBlockStateCodeAssociated {
		t.Errorf("new VPC CIDR associations %+v", vpc.CidrBlockAssociationSet)
	} else {
		checkID(t, "vpc-cidr-assoc", vpc.CidrBlockAssociationSet[0].AssociationId)
	}
	if got := tagMap(vpc.Tags); got["Name"] != "main" || got["env"] != "test" || len(got) != 2 {
		t.Errorf("tags at creation %v", got)
	}
	if d := aws.ToString(vpc.DhcpOptionsId); !regexp.MustCompile(`^dopt-[0-9a-f]{8,17}$`).MatchString(d) {
		// AWS associates a new VPC with the region's default DHCP option set, dopt-...;
		// "default" is what AWS reports for a VPC set to have no DHCP options.
		t.Errorf("CreateVpc answers dhcpOptionsId %q; AWS answers the default set's dopt- ID", d)
	}

	t.Run("vpc attributes and CIDR blocks", func(t *testing.T) {
		attr := must[*ec2sdk.DescribeVpcAttributeOutput](t, "DescribeVpcAttribute")(c.DescribeVpcAttribute(ctx, &ec2sdk.DescribeVpcAttributeInput{
			VpcId: aws.String(vpcID), Attribute: types.VpcAttributeNameEnableDnsHostnames,
		}))
		if attr.EnableDnsHostnames == nil || aws.ToBool(attr.EnableDnsHostnames.Value) || aws.ToString(attr.VpcId) != vpcID {
			t.Errorf("enableDnsHostnames of a new VPC %+v, want false", attr.EnableDnsHostnames)
		}
		must[*ec2sdk.ModifyVpcAttributeOutput](t, "ModifyVpcAttribute")(c.ModifyVpcAttribute(ctx, &ec2sdk.ModifyVpcAttributeInput{
			VpcId: aws.String(vpcID), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)},
		}))
		attr = must[*ec2sdk.DescribeVpcAttributeOutput](t, "DescribeVpcAttribute")(c.DescribeVpcAttribute(ctx, &ec2sdk.DescribeVpcAttributeInput{
			VpcId: aws.String(vpcID), Attribute: types.VpcAttributeNameEnableDnsHostnames,
		}))
		if attr.EnableDnsHostnames == nil || !aws.ToBool(attr.EnableDnsHostnames.Value) {
			t.Errorf("enableDnsHostnames after modify %+v, want true", attr.EnableDnsHostnames)
		}

		v4 := must[*ec2sdk.AssociateVpcCidrBlockOutput](t, "AssociateVpcCidrBlock")(c.AssociateVpcCidrBlock(ctx, &ec2sdk.AssociateVpcCidrBlockInput{
			VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.0.0/16"),
		}))
		if v4.CidrBlockAssociation == nil || aws.ToString(v4.CidrBlockAssociation.CidrBlock) != "10.1.0.0/16" || aws.ToString(v4.VpcId) != vpcID {
			t.Fatalf("AssociateVpcCidrBlock %+v", v4)
		}
		assoc := checkID(t, "vpc-cidr-assoc", v4.CidrBlockAssociation.AssociationId)
		dis := must[*ec2sdk.DisassociateVpcCidrBlockOutput](t, "DisassociateVpcCidrBlock")(c.DisassociateVpcCidrBlock(ctx, &ec2sdk.DisassociateVpcCidrBlockInput{AssociationId: aws.String(assoc)}))
		if dis.CidrBlockAssociation == nil || aws.ToString(dis.CidrBlockAssociation.AssociationId) != assoc {
			t.Errorf("DisassociateVpcCidrBlock %+v", dis.CidrBlockAssociation)
		} else if st := dis.CidrBlockAssociation.CidrBlockState.State; st != types.VpcCidrBlockStateCodeDisassociating && st != types.VpcCidrBlockStateCodeDisassociated {
			t.Errorf("disassociated block state %q", st)
		}
	})

	v6 := must[*ec2sdk.AssociateVpcCidrBlockOutput](t, "AssociateVpcCidrBlock IPv6")(c.AssociateVpcCidrBlock(ctx, &ec2sdk.AssociateVpcCidrBlockInput{
		VpcId: aws.String(vpcID), AmazonProvidedIpv6CidrBlock: aws.Bool(true),
	}))
	if v6.Ipv6CidrBlockAssociation == nil {
		t.Fatalf("AssociateVpcCidrBlock IPv6: %+v", v6)
	}
	checkID(t, "vpc-cidr-assoc", v6.Ipv6CidrBlockAssociation.AssociationId)
	vpcV6 := aws.ToString(v6.Ipv6CidrBlockAssociation.Ipv6CidrBlock)
	if vpcV6 == "" {
		// The answer may leave the block to a describe while the state is associating.
		d := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs")(c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{vpcID}}))
		for _, a := range d.Vpcs[0].Ipv6CidrBlockAssociationSet {
			vpcV6 = aws.ToString(a.Ipv6CidrBlock)
		}
	}
	v6Block, err := netip.ParsePrefix(vpcV6)
	if err != nil || v6Block.Bits() != 56 {
		t.Fatalf("Amazon-provided IPv6 block %q, want a /56", vpcV6)
	}

	// Subnets.
	sub := must[*ec2sdk.CreateSubnetOutput](t, "CreateSubnet")(c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{
		VpcId: aws.String(vpcID), CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a"),
		TagSpecifications: tagSpec(types.ResourceTypeSubnet, "Name", "web"),
	})).Subnet
	subnetID := checkID(t, "subnet", sub.SubnetId)
	if aws.ToString(sub.VpcId) != vpcID || aws.ToString(sub.CidrBlock) != "10.0.1.0/24" || aws.ToString(sub.AvailabilityZone) != "us-east-1a" ||
		aws.ToInt32(sub.AvailableIpAddressCount) != 251 || sub.State != types.SubnetStateAvailable && sub.State != types.SubnetStatePending ||
		aws.ToBool(sub.DefaultForAz) || aws.ToBool(sub.MapPublicIpOnLaunch) || tagMap(sub.Tags)["Name"] != "web" {
		t.Errorf("new subnet %+v", sub)
	}
	if !strings.HasPrefix(aws.ToString(sub.SubnetArn), "arn:aws:ec2:us-east-1:123456789012:subnet/"+subnetID) {
		t.Errorf("subnet ARN %q", aws.ToString(sub.SubnetArn))
	}

	t.Run("subnet attributes and IPv6", func(t *testing.T) {
		must[*ec2sdk.ModifySubnetAttributeOutput](t, "ModifySubnetAttribute")(c.ModifySubnetAttribute(ctx, &ec2sdk.ModifySubnetAttributeInput{
			SubnetId: aws.String(subnetID), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)},
		}))
		got := must[*ec2sdk.DescribeSubnetsOutput](t, "DescribeSubnets")(c.DescribeSubnets(ctx, &ec2sdk.DescribeSubnetsInput{SubnetIds: []string{subnetID}}))
		if len(got.Subnets) != 1 || !aws.ToBool(got.Subnets[0].MapPublicIpOnLaunch) {
			t.Errorf("MapPublicIpOnLaunch after modify: %+v", got.Subnets)
		}
		sixty4 := netip.PrefixFrom(v6Block.Addr(), 64).String()
		assoc := must[*ec2sdk.AssociateSubnetCidrBlockOutput](t, "AssociateSubnetCidrBlock")(c.AssociateSubnetCidrBlock(ctx, &ec2sdk.AssociateSubnetCidrBlockInput{
			SubnetId: aws.String(subnetID), Ipv6CidrBlock: aws.String(sixty4),
		}))
		if assoc.Ipv6CidrBlockAssociation == nil || aws.ToString(assoc.Ipv6CidrBlockAssociation.Ipv6CidrBlock) != sixty4 || aws.ToString(assoc.SubnetId) != subnetID {
			t.Fatalf("AssociateSubnetCidrBlock %+v", assoc)
		}
		id := checkID(t, "subnet-cidr-assoc", assoc.Ipv6CidrBlockAssociation.AssociationId)
		dis := must[*ec2sdk.DisassociateSubnetCidrBlockOutput](t, "DisassociateSubnetCidrBlock")(c.DisassociateSubnetCidrBlock(ctx, &ec2sdk.DisassociateSubnetCidrBlockInput{AssociationId: aws.String(id)}))
		if dis.Ipv6CidrBlockAssociation == nil || aws.ToString(dis.Ipv6CidrBlockAssociation.AssociationId) != id {
			t.Errorf("DisassociateSubnetCidrBlock %+v", dis)
		}
	})

	t.Run("dhcp options and prefix lists", func(t *testing.T) {
		dopt := must[*ec2sdk.CreateDhcpOptionsOutput](t, "CreateDhcpOptions")(c.CreateDhcpOptions(ctx, &ec2sdk.CreateDhcpOptionsInput{
			DhcpConfigurations: []types.NewDhcpConfiguration{{Key: aws.String("domain-name"), Values: []string{"corp.example"}}, {Key: aws.String("domain-name-servers"), Values: []string{"AmazonProvidedDNS"}}},
			TagSpecifications:  tagSpec(types.ResourceTypeDhcpOptions, "Name", "corp"),
		})).DhcpOptions
		doptID := checkID(t, "dopt", dopt.DhcpOptionsId)
		must[*ec2sdk.AssociateDhcpOptionsOutput](t, "AssociateDhcpOptions")(c.AssociateDhcpOptions(ctx, &ec2sdk.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String(doptID), VpcId: aws.String(vpcID)}))
		sets := must[*ec2sdk.DescribeDhcpOptionsOutput](t, "DescribeDhcpOptions")(c.DescribeDhcpOptions(ctx, &ec2sdk.DescribeDhcpOptionsInput{Filters: []types.Filter{filter("value", "corp.example")}}))
		if len(sets.DhcpOptions) != 1 || len(sets.DhcpOptions[0].DhcpConfigurations) != 2 || aws.ToString(sets.DhcpOptions[0].DhcpConfigurations[0].Values[0].Value) != "corp.example" {
			t.Errorf("DescribeDhcpOptions %+v", sets.DhcpOptions)
		}
		_, err := c.DeleteDhcpOptions(ctx, &ec2sdk.DeleteDhcpOptionsInput{DhcpOptionsId: aws.String(doptID)})
		wantCode(t, "DeleteDhcpOptions in use", err, "DependencyViolation")
		must[*ec2sdk.AssociateDhcpOptionsOutput](t, "AssociateDhcpOptions")(c.AssociateDhcpOptions(ctx, &ec2sdk.AssociateDhcpOptionsInput{DhcpOptionsId: vpc.DhcpOptionsId, VpcId: aws.String(vpcID)}))
		must[*ec2sdk.DeleteDhcpOptionsOutput](t, "DeleteDhcpOptions")(c.DeleteDhcpOptions(ctx, &ec2sdk.DeleteDhcpOptionsInput{DhcpOptionsId: aws.String(doptID)}))

		pl := must[*ec2sdk.CreateManagedPrefixListOutput](t, "CreateManagedPrefixList")(c.CreateManagedPrefixList(ctx, &ec2sdk.CreateManagedPrefixListInput{
			PrefixListName: aws.String("corp"), MaxEntries: aws.Int32(5), AddressFamily: aws.String("IPv4"),
			Entries:           []types.AddPrefixListEntry{{Cidr: aws.String("192.0.2.0/24"), Description: aws.String("office")}},
			TagSpecifications: tagSpec(types.ResourceTypePrefixList, "Name", "corp"),
		})).PrefixList
		plID := checkID(t, "pl", pl.PrefixListId)
		if aws.ToInt64(pl.Version) != 1 || string(pl.State) != "create-complete" || tagMap(pl.Tags)["Name"] != "corp" {
			t.Errorf("new prefix list %+v", pl)
		}
		mod := must[*ec2sdk.ModifyManagedPrefixListOutput](t, "ModifyManagedPrefixList")(c.ModifyManagedPrefixList(ctx, &ec2sdk.ModifyManagedPrefixListInput{
			PrefixListId: aws.String(plID), CurrentVersion: aws.Int64(1), AddEntries: []types.AddPrefixListEntry{{Cidr: aws.String("198.51.100.0/24")}},
		})).PrefixList
		if aws.ToInt64(mod.Version) != 2 {
			t.Errorf("modified prefix list %+v", mod)
		}
		entries := must[*ec2sdk.GetManagedPrefixListEntriesOutput](t, "GetManagedPrefixListEntries")(c.GetManagedPrefixListEntries(ctx, &ec2sdk.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(plID)}))
		if len(entries.Entries) != 2 {
			t.Errorf("entries %+v", entries.Entries)
		}
		lists := must[*ec2sdk.DescribeManagedPrefixListsOutput](t, "DescribeManagedPrefixLists")(c.DescribeManagedPrefixLists(ctx, &ec2sdk.DescribeManagedPrefixListsInput{Filters: []types.Filter{filter("owner-id", "AWS")}}))
		if len(lists.PrefixLists) != 2 {
			t.Errorf("AWS-managed prefix lists %+v", lists.PrefixLists)
		}
		assoc := must[*ec2sdk.GetManagedPrefixListAssociationsOutput](t, "GetManagedPrefixListAssociations")(c.GetManagedPrefixListAssociations(ctx, &ec2sdk.GetManagedPrefixListAssociationsInput{PrefixListId: aws.String(plID)}))
		if len(assoc.PrefixListAssociations) != 0 {
			t.Errorf("associations %+v", assoc.PrefixListAssociations)
		}
		del := must[*ec2sdk.DeleteManagedPrefixListOutput](t, "DeleteManagedPrefixList")(c.DeleteManagedPrefixList(ctx, &ec2sdk.DeleteManagedPrefixListInput{PrefixListId: aws.String(plID)}))
		if aws.ToString(del.PrefixList.PrefixListId) != plID {
			t.Errorf("deleted %+v", del.PrefixList)
		}
	})

	// An internet gateway attached to the VPC, an egress-only one for IPv6.
	igw := must[*ec2sdk.CreateInternetGatewayOutput](t, "CreateInternetGateway")(c.CreateInternetGateway(ctx, &ec2sdk.CreateInternetGatewayInput{
		TagSpecifications: tagSpec(types.ResourceTypeInternetGateway, "Name", "gw"),
	})).InternetGateway
	igwID := checkID(t, "igw", igw.InternetGatewayId)
	if len(igw.Attachments) != 0 || aws.ToString(igw.OwnerId) != "123456789012" || tagMap(igw.Tags)["Name"] != "gw" {
		t.Errorf("new IGW %+v", igw)
	}
	must[*ec2sdk.AttachInternetGatewayOutput](t, "AttachInternetGateway")(c.AttachInternetGateway(ctx, &ec2sdk.AttachInternetGatewayInput{
		InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID),
	}))
	igws := must[*ec2sdk.DescribeInternetGatewaysOutput](t, "DescribeInternetGateways")(c.DescribeInternetGateways(ctx, &ec2sdk.DescribeInternetGatewaysInput{
		Filters: []types.Filter{filter("attachment.vpc-id", vpcID)},
	}))
	if len(igws.InternetGateways) != 1 || len(igws.InternetGateways[0].Attachments) != 1 ||
		igws.InternetGateways[0].Attachments[0].State != types.AttachmentStatusAttached && string(igws.InternetGateways[0].Attachments[0].State) != "available" {
		t.Errorf("IGW attached to %s: %+v", vpcID, igws.InternetGateways)
	}
	eigw := must[*ec2sdk.CreateEgressOnlyInternetGatewayOutput](t, "CreateEgressOnlyInternetGateway")(c.CreateEgressOnlyInternetGateway(ctx, &ec2sdk.CreateEgressOnlyInternetGatewayInput{
		VpcId: aws.String(vpcID),
	})).EgressOnlyInternetGateway
	eigwID := checkID(t, "eigw", eigw.EgressOnlyInternetGatewayId)
	if len(eigw.Attachments) != 1 || aws.ToString(eigw.Attachments[0].VpcId) != vpcID || eigw.Attachments[0].State != types.AttachmentStatusAttached {
		t.Errorf("new egress-only IGW %+v", eigw)
	}
	eigws := must[*ec2sdk.DescribeEgressOnlyInternetGatewaysOutput](t, "DescribeEgressOnlyInternetGateways")(c.DescribeEgressOnlyInternetGateways(ctx, &ec2sdk.DescribeEgressOnlyInternetGatewaysInput{
		EgressOnlyInternetGatewayIds: []string{eigwID},
	}))
	if len(eigws.EgressOnlyInternetGateways) != 1 {
		t.Errorf("DescribeEgressOnlyInternetGateways %+v", eigws.EgressOnlyInternetGateways)
	}

	// Route tables: the main one, a custom one with a default route, associations.
	tables := must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{
		Filters: []types.Filter{filter("vpc-id", vpcID), filter("association.main", "true")},
	}))
	if len(tables.RouteTables) != 1 || len(tables.RouteTables[0].Associations) != 1 || !aws.ToBool(tables.RouteTables[0].Associations[0].Main) {
		t.Fatalf("main route table of %s: %+v", vpcID, tables.RouteTables)
	}
	mainRtb := checkID(t, "rtb", tables.RouteTables[0].RouteTableId)
	localRoutes := 0
	for _, r := range tables.RouteTables[0].Routes {
		if aws.ToString(r.GatewayId) == "local" && r.State == types.RouteStateActive && r.Origin == types.RouteOriginCreateRouteTable {
			localRoutes++
		}
	}
	if localRoutes != 2 { // the IPv4 block and the IPv6 block
		t.Errorf("main table routes %+v, want two local routes", tables.RouteTables[0].Routes)
	}

	rtb := must[*ec2sdk.CreateRouteTableOutput](t, "CreateRouteTable")(c.CreateRouteTable(ctx, &ec2sdk.CreateRouteTableInput{
		VpcId: aws.String(vpcID), TagSpecifications: tagSpec(types.ResourceTypeRouteTable, "Name", "public"),
	})).RouteTable
	rtbID := checkID(t, "rtb", rtb.RouteTableId)
	if aws.ToString(rtb.VpcId) != vpcID || len(rtb.Associations) != 0 || tagMap(rtb.Tags)["Name"] != "public" {
		t.Errorf("new route table %+v", rtb)
	}
	route := must[*ec2sdk.CreateRouteOutput](t, "CreateRoute")(c.CreateRoute(ctx, &ec2sdk.CreateRouteInput{
		RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igwID),
	}))
	if !aws.ToBool(route.Return) {
		t.Errorf("CreateRoute returned %v", route.Return)
	}
	_, err = c.CreateRoute(ctx, &ec2sdk.CreateRouteInput{
		RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igwID),
	})
	wantCode(t, "the same route twice", err, "RouteAlreadyExists")
	must[*ec2sdk.CreateRouteOutput](t, "CreateRoute IPv6")(c.CreateRoute(ctx, &ec2sdk.CreateRouteInput{
		RouteTableId: aws.String(rtbID), DestinationIpv6CidrBlock: aws.String("::/0"), EgressOnlyInternetGatewayId: aws.String(eigwID),
	}))
	assoc := must[*ec2sdk.AssociateRouteTableOutput](t, "AssociateRouteTable")(c.AssociateRouteTable(ctx, &ec2sdk.AssociateRouteTableInput{
		RouteTableId: aws.String(rtbID), SubnetId: aws.String(subnetID),
	}))
	assocID := checkID(t, "rtbassoc", assoc.AssociationId)
	if assoc.AssociationState == nil || assoc.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Errorf("association state %+v", assoc.AssociationState)
	}
	_, err = c.AssociateRouteTable(ctx, &ec2sdk.AssociateRouteTableInput{RouteTableId: aws.String(mainRtb), SubnetId: aws.String(subnetID)})
	wantCode(t, "a second association of the subnet", err, "Resource.AlreadyAssociated")

	tables = must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{
		Filters: []types.Filter{filter("association.subnet-id", subnetID)},
	}))
	if len(tables.RouteTables) != 1 || aws.ToString(tables.RouteTables[0].RouteTableId) != rtbID {
		t.Fatalf("route table of %s: %+v", subnetID, tables.RouteTables)
	}
	var sawIgw, sawEigw bool
	for _, r := range tables.RouteTables[0].Routes {
		switch {
		case aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0":
			sawIgw = aws.ToString(r.GatewayId) == igwID && r.State == types.RouteStateActive && r.Origin == types.RouteOriginCreateRoute
		case aws.ToString(r.DestinationIpv6CidrBlock) == "::/0":
			sawEigw = aws.ToString(r.EgressOnlyInternetGatewayId) == eigwID && r.State == types.RouteStateActive
		}
	}
	if !sawIgw || !sawEigw {
		t.Errorf("routes %+v, want 0.0.0.0/0 via %s and ::/0 via %s, active", tables.RouteTables[0].Routes, igwID, eigwID)
	}

	// IPv6 egress moves from the egress-only gateway to the internet gateway.
	must[*ec2sdk.ReplaceRouteOutput](t, "ReplaceRoute")(c.ReplaceRoute(ctx, &ec2sdk.ReplaceRouteInput{
		RouteTableId: aws.String(rtbID), DestinationIpv6CidrBlock: aws.String("::/0"), GatewayId: aws.String(igwID),
	}))
	tables = must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{rtbID}}))
	for _, r := range tables.RouteTables[0].Routes {
		if aws.ToString(r.DestinationIpv6CidrBlock) == "::/0" && (aws.ToString(r.GatewayId) != igwID || aws.ToString(r.EgressOnlyInternetGatewayId) != "" || r.Origin != types.RouteOriginCreateRoute) {
			t.Errorf("::/0 after ReplaceRoute: %+v, want via %s", r, igwID)
		}
	}

	// Network ACLs: the VPC's default ACL covers the new subnet.
	acls := must[*ec2sdk.DescribeNetworkAclsOutput](t, "DescribeNetworkAcls")(c.DescribeNetworkAcls(ctx, &ec2sdk.DescribeNetworkAclsInput{
		Filters: []types.Filter{filter("vpc-id", vpcID), filter("default", "true")},
	}))
	if len(acls.NetworkAcls) != 1 {
		t.Errorf("default ACL of %s: %+v", vpcID, acls.NetworkAcls)
	} else {
		acl := acls.NetworkAcls[0]
		checkID(t, "acl", acl.NetworkAclId)
		covers := false
		for _, a := range acl.Associations {
			covers = covers || aws.ToString(a.SubnetId) == subnetID
		}
		allow100, deny32767 := false, false
		for _, e := range acl.Entries {
			n := aws.ToInt32(e.RuleNumber)
			allow100 = allow100 || n == 100 && e.RuleAction == types.RuleActionAllow && aws.ToString(e.Protocol) == "-1"
			deny32767 = deny32767 || n == 32767 && e.RuleAction == types.RuleActionDeny
		}
		if !covers || !allow100 || !deny32767 {
			t.Errorf("default ACL %+v, want it to cover %s with rule 100 allow and 32767 deny", acl, subnetID)
		}
	}

	// A custom ACL denies everything until entries allow; the subnet moves to it and back.
	custom := must[*ec2sdk.CreateNetworkAclOutput](t, "CreateNetworkAcl")(c.CreateNetworkAcl(ctx, &ec2sdk.CreateNetworkAclInput{VpcId: aws.String(vpcID)}))
	customID := checkID(t, "acl", custom.NetworkAcl.NetworkAclId)
	if aws.ToBool(custom.NetworkAcl.IsDefault) || len(custom.NetworkAcl.Entries) == 0 {
		t.Errorf("new custom ACL %+v: want only its deny-all entries", custom.NetworkAcl)
	}
	must[*ec2sdk.CreateNetworkAclEntryOutput](t, "CreateNetworkAclEntry")(c.CreateNetworkAclEntry(ctx, &ec2sdk.CreateNetworkAclEntryInput{
		NetworkAclId: aws.String(customID), RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"),
		RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(443), To: aws.Int32(443)},
	}))
	must[*ec2sdk.ReplaceNetworkAclEntryOutput](t, "ReplaceNetworkAclEntry")(c.ReplaceNetworkAclEntry(ctx, &ec2sdk.ReplaceNetworkAclEntryInput{
		NetworkAclId: aws.String(customID), RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"),
		RuleAction: types.RuleActionAllow, CidrBlock: aws.String("10.0.0.0/8"), PortRange: &types.PortRange{From: aws.Int32(80), To: aws.Int32(80)},
	}))
	if len(acls.NetworkAcls) == 1 {
		var assocID string
		for _, a := range acls.NetworkAcls[0].Associations {
			if aws.ToString(a.SubnetId) == subnetID {
				assocID = aws.ToString(a.NetworkAclAssociationId)
			}
		}
		moved := must[*ec2sdk.ReplaceNetworkAclAssociationOutput](t, "ReplaceNetworkAclAssociation")(c.ReplaceNetworkAclAssociation(ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{
			AssociationId: aws.String(assocID), NetworkAclId: aws.String(customID),
		}))
		back := must[*ec2sdk.ReplaceNetworkAclAssociationOutput](t, "ReplaceNetworkAclAssociation")(c.ReplaceNetworkAclAssociation(ctx, &ec2sdk.ReplaceNetworkAclAssociationInput{
			AssociationId: moved.NewAssociationId, NetworkAclId: acls.NetworkAcls[0].NetworkAclId,
		}))
		checkID(t, "aclassoc", back.NewAssociationId)
	}
	must[*ec2sdk.DeleteNetworkAclEntryOutput](t, "DeleteNetworkAclEntry")(c.DeleteNetworkAclEntry(ctx, &ec2sdk.DeleteNetworkAclEntryInput{
		NetworkAclId: aws.String(customID), RuleNumber: aws.Int32(100), Egress: aws.Bool(false),
	}))
	must[*ec2sdk.DeleteNetworkAclOutput](t, "DeleteNetworkAcl")(c.DeleteNetworkAcl(ctx, &ec2sdk.DeleteNetworkAclInput{NetworkAclId: aws.String(customID)}))

	// Security groups and their rules.
	sg := must[*ec2sdk.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{
		GroupName: aws.String("web"), Description: aws.String("web servers"), VpcId: aws.String(vpcID),
		TagSpecifications: tagSpec(types.ResourceTypeSecurityGroup, "tier", "web"),
	}))
	sgID := checkID(t, "sg", sg.GroupId)
	if tagMap(sg.Tags)["tier"] != "web" {
		t.Errorf("security group tags %+v", sg.Tags)
	}
	ingress := must[*ec2sdk.AuthorizeSecurityGroupIngressOutput](t, "AuthorizeSecurityGroupIngress")(c.AuthorizeSecurityGroupIngress(ctx, &ec2sdk.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(sgID),
		IpPermissions: []types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("https")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
		},
	}))
	if !aws.ToBool(ingress.Return) || len(ingress.SecurityGroupRules) != 2 {
		t.Fatalf("AuthorizeSecurityGroupIngress %+v", ingress)
	}
	var httpsRule, sshRule string
	for _, r := range ingress.SecurityGroupRules {
		id := checkID(t, "sgr", r.SecurityGroupRuleId)
		if aws.ToBool(r.IsEgress) || aws.ToString(r.GroupId) != sgID || aws.ToString(r.GroupOwnerId) != "123456789012" {
			t.Errorf("ingress rule %+v", r)
		}
		switch aws.ToInt32(r.FromPort) {
		case 443:
			httpsRule = id
			if aws.ToString(r.CidrIpv4) != "0.0.0.0/0" || aws.ToString(r.Description) != "https" {
				t.Errorf("https rule %+v", r)
			}
		case 22:
			sshRule = id
		}
	}
	egress := must[*ec2sdk.AuthorizeSecurityGroupEgressOutput](t, "AuthorizeSecurityGroupEgress")(c.AuthorizeSecurityGroupEgress(ctx, &ec2sdk.AuthorizeSecurityGroupEgressInput{
		GroupId: aws.String(sgID),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
			IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}},
	}))
	if len(egress.SecurityGroupRules) != 1 || !aws.ToBool(egress.SecurityGroupRules[0].IsEgress) {
		t.Errorf("AuthorizeSecurityGroupEgress %+v", egress.SecurityGroupRules)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2sdk.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(sgID),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
			IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}},
	})
	wantCode(t, "the same ingress rule twice", err, "InvalidPermission.Duplicate")

	must[*ec2sdk.ModifySecurityGroupRulesOutput](t, "ModifySecurityGroupRules")(c.ModifySecurityGroupRules(ctx, &ec2sdk.ModifySecurityGroupRulesInput{
		GroupId: aws.String(sgID),
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(sshRule), SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(2222), ToPort: aws.Int32(2222), CidrIpv4: aws.String("10.0.0.0/8"), Description: aws.String("ssh alt"),
		}}},
	}))
	must[*ec2sdk.UpdateSecurityGroupRuleDescriptionsIngressOutput](t, "UpdateSecurityGroupRuleDescriptionsIngress")(c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2sdk.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupId:                       aws.String(sgID),
		SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: aws.String(httpsRule), Description: aws.String("public https")}},
	}))
	must[*ec2sdk.UpdateSecurityGroupRuleDescriptionsEgressOutput](t, "UpdateSecurityGroupRuleDescriptionsEgress")(c.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2sdk.UpdateSecurityGroupRuleDescriptionsEgressInput{
		GroupId: aws.String(sgID),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
			IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16"), Description: aws.String("postgres")}}}},
	}))
	rules := must[*ec2sdk.DescribeSecurityGroupRulesOutput](t, "DescribeSecurityGroupRules")(c.DescribeSecurityGroupRules(ctx, &ec2sdk.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{filter("group-id", sgID)},
	}))
	descs := map[string]string{}
	for _, r := range rules.SecurityGroupRules {
		key := "in"
		if aws.ToBool(r.IsEgress) {
			key = "out"
		}
		descs[key+":"+aws.ToString(r.IpProtocol)+":"+aws.ToString(r.CidrIpv4)+":"+strconv.Itoa(int(aws.ToInt32(r.FromPort)))] = aws.ToString(r.Description)
	}
	for key, want := range map[string]string{
		"in:tcp:0.0.0.0/0:443":     "public https",
		"in:tcp:10.0.0.0/8:2222":   "ssh alt",
		"out:tcp:10.0.0.0/16:5432": "postgres",
		"out:-1:0.0.0.0/0:-1":      "",
	} {
		if got, ok := descs[key]; !ok || got != want {
			t.Errorf("rule %s: description %q (present %v), want %q; rules %v", key, got, ok, want, descs)
		}
	}
	if len(descs) != 4 {
		t.Errorf("rules of %s: %v, want 4", sgID, descs)
	}
	groups := must[*ec2sdk.DescribeSecurityGroupsOutput](t, "DescribeSecurityGroups")(c.DescribeSecurityGroups(ctx, &ec2sdk.DescribeSecurityGroupsInput{
		Filters: []types.Filter{filter("vpc-id", vpcID)},
	}))
	var defaultSG string
	for _, g := range groups.SecurityGroups {
		if aws.ToString(g.GroupName) == "default" {
			defaultSG = checkID(t, "sg", g.GroupId)
		}
		if aws.ToString(g.GroupId) == sgID && (len(g.IpPermissions) != 2 || len(g.IpPermissionsEgress) != 2 || aws.ToString(g.Description) != "web servers") {
			t.Errorf("group %s: %+v", sgID, g)
		}
	}
	if len(groups.SecurityGroups) != 2 || defaultSG == "" {
		t.Errorf("groups of %s: %+v, want default and web", vpcID, groups.SecurityGroups)
	}

	// An instance in the subnet, of the latest Amazon Linux 2023 image as a script finds it.
	amis := must[*ec2sdk.DescribeImagesOutput](t, "DescribeImages")(c.DescribeImages(ctx, &ec2sdk.DescribeImagesInput{
		Owners: []string{"amazon"}, Filters: []types.Filter{filter("name", "al2023-ami-2023.*-x86_64"), filter("architecture", "x86_64")},
	}))
	if len(amis.Images) != 1 || aws.ToString(amis.Images[0].ImageOwnerAlias) != "amazon" || amis.Images[0].RootDeviceType != types.DeviceTypeEbs {
		t.Fatalf("DescribeImages al2023 x86_64: %+v", amis.Images)
	}
	amiID := checkID(t, "ami", amis.Images[0].ImageId)
	userData := base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hello\n"))
	res := must[*ec2sdk.RunInstancesOutput](t, "RunInstances")(c.RunInstances(ctx, &ec2sdk.RunInstancesInput{
		ImageId: aws.String(amiID), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(subnetID), SecurityGroupIds: []string{sgID}, UserData: aws.String(userData),
		TagSpecifications: tagSpec(types.ResourceTypeInstance, "Name", "web-1"),
	}))
	checkID(t, "r", res.ReservationId)
	if len(res.Instances) != 1 {
		t.Fatalf("RunInstances: %+v", res.Instances)
	}
	inst := res.Instances[0]
	instID := checkID(t, "i", inst.InstanceId)
	if inst.State == nil || inst.State.Name != types.InstanceStateNamePending || aws.ToInt32(inst.State.Code) != 0 ||
		aws.ToString(inst.SubnetId) != subnetID || aws.ToString(inst.VpcId) != vpcID || inst.InstanceType != types.InstanceTypeT3Micro ||
		tagMap(inst.Tags)["Name"] != "web-1" {
		t.Errorf("launched instance %+v", inst)
	}
	if ip, err := netip.ParseAddr(aws.ToString(inst.PrivateIpAddress)); err != nil || !netip.MustParsePrefix("10.0.1.0/24").Contains(ip) {
		t.Errorf("private address %q outside 10.0.1.0/24", aws.ToString(inst.PrivateIpAddress))
	}
	if len(inst.NetworkInterfaces) != 1 {
		t.Fatalf("instance interfaces %+v", inst.NetworkInterfaces)
	}
	eniID := checkID(t, "eni", inst.NetworkInterfaces[0].NetworkInterfaceId)

	t.Run("instance lifecycle", func(t *testing.T) {
		d := must[*ec2sdk.DescribeInstancesOutput](t, "DescribeInstances")(c.DescribeInstances(ctx, &ec2sdk.DescribeInstancesInput{
			Filters: []types.Filter{filter("tag:Name", "web-*"), filter("instance-state-name", "running", "pending")},
		}))
		if len(d.Reservations) != 1 || len(d.Reservations[0].Instances) != 1 || aws.ToString(d.Reservations[0].Instances[0].InstanceId) != instID {
			t.Fatalf("DescribeInstances by tag:Name web-*: %+v", d.Reservations)
		}
		if aws.ToString(d.Reservations[0].Instances[0].PublicIpAddress) == "" {
			t.Errorf("an instance in a MapPublicIpOnLaunch subnet has no public address")
		}
		st := must[*ec2sdk.DescribeInstanceStatusOutput](t, "DescribeInstanceStatus")(c.DescribeInstanceStatus(ctx, &ec2sdk.DescribeInstanceStatusInput{InstanceIds: []string{instID}}))
		if len(st.InstanceStatuses) != 1 || st.InstanceStatuses[0].InstanceState.Name != types.InstanceStateNameRunning ||
			st.InstanceStatuses[0].InstanceStatus == nil || st.InstanceStatuses[0].InstanceStatus.Status != types.SummaryStatusOk {
			t.Errorf("DescribeInstanceStatus %+v", st.InstanceStatuses)
		}
		enis := must[*ec2sdk.DescribeNetworkInterfacesOutput](t, "DescribeNetworkInterfaces")(c.DescribeNetworkInterfaces(ctx, &ec2sdk.DescribeNetworkInterfacesInput{
			Filters: []types.Filter{filter("attachment.instance-id", instID)},
		}))
		if len(enis.NetworkInterfaces) != 1 || aws.ToString(enis.NetworkInterfaces[0].NetworkInterfaceId) != eniID ||
			enis.NetworkInterfaces[0].Status != types.NetworkInterfaceStatusInUse || len(enis.NetworkInterfaces[0].Groups) != 1 ||
			aws.ToString(enis.NetworkInterfaces[0].Groups[0].GroupId) != sgID {
			t.Errorf("DescribeNetworkInterfaces %+v", enis.NetworkInterfaces)
		}
		must[*ec2sdk.ModifyInstanceAttributeOutput](t, "ModifyInstanceAttribute")(c.ModifyInstanceAttribute(ctx, &ec2sdk.ModifyInstanceAttributeInput{
			InstanceId: aws.String(instID), SourceDestCheck: &types.AttributeBooleanValue{Value: aws.Bool(false)},
		}))
		attr := must[*ec2sdk.DescribeInstanceAttributeOutput](t, "DescribeInstanceAttribute")(c.DescribeInstanceAttribute(ctx, &ec2sdk.DescribeInstanceAttributeInput{
			InstanceId: aws.String(instID), Attribute: types.InstanceAttributeNameSourceDestCheck,
		}))
		if attr.SourceDestCheck == nil || aws.ToBool(attr.SourceDestCheck.Value) || aws.ToString(attr.InstanceId) != instID {
			t.Errorf("sourceDestCheck after modify %+v", attr.SourceDestCheck)
		}
		dnsOpts := must[*ec2sdk.ModifyPrivateDnsNameOptionsOutput](t, "ModifyPrivateDnsNameOptions")(c.ModifyPrivateDnsNameOptions(ctx, &ec2sdk.ModifyPrivateDnsNameOptionsInput{
			InstanceId: aws.String(instID), PrivateDnsHostnameType: types.HostnameTypeResourceName, EnableResourceNameDnsARecord: aws.Bool(true),
		}))
		if !aws.ToBool(dnsOpts.Return) {
			t.Errorf("ModifyPrivateDnsNameOptions %+v", dnsOpts)
		}
		// A NAT instance: send the default route to its interface instead of the IGW.
		_, err := c.ReplaceRoute(ctx, &ec2sdk.ReplaceRouteInput{
			RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eniID),
		})
		if err != nil {
			// AWS accepts any interface of the VPC as a route target (a NAT instance).
			t.Errorf("ReplaceRoute 0.0.0.0/0 to the instance's interface %s: %v; AWS answers true", eniID, err)
		} else {
			tb := must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{rtbID}}))
			replaced := false
			for _, r := range tb.RouteTables[0].Routes {
				if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" {
					replaced = aws.ToString(r.NetworkInterfaceId) == eniID && aws.ToString(r.InstanceId) == instID && aws.ToString(r.GatewayId) == ""
				}
			}
			if !replaced {
				t.Errorf("0.0.0.0/0 after ReplaceRoute: %+v", tb.RouteTables[0].Routes)
			}
		}
		itypes := must[*ec2sdk.DescribeInstanceTypesOutput](t, "DescribeInstanceTypes")(c.DescribeInstanceTypes(ctx, &ec2sdk.DescribeInstanceTypesInput{
			InstanceTypes: []types.InstanceType{types.InstanceTypeT3Small},
		}))
		if len(itypes.InstanceTypes) != 1 || aws.ToInt32(itypes.InstanceTypes[0].NetworkInfo.MaximumNetworkInterfaces) != 3 ||
			aws.ToInt32(itypes.InstanceTypes[0].NetworkInfo.Ipv4AddressesPerInterface) != 4 {
			t.Errorf("DescribeInstanceTypes t3.small: %+v", itypes.InstanceTypes)
		}
		offers := must[*ec2sdk.DescribeInstanceTypeOfferingsOutput](t, "DescribeInstanceTypeOfferings")(c.DescribeInstanceTypeOfferings(ctx, &ec2sdk.DescribeInstanceTypeOfferingsInput{
			LocationType: types.LocationTypeAvailabilityZone, Filters: []types.Filter{{Name: aws.String("instance-type"), Values: []string{"t3.small"}}},
		}))
		if len(offers.InstanceTypeOfferings) == 0 || offers.InstanceTypeOfferings[0].LocationType != types.LocationTypeAvailabilityZone {
			t.Errorf("DescribeInstanceTypeOfferings t3.small: %+v", offers.InstanceTypeOfferings)
		}
		out := must[*ec2sdk.GetConsoleOutputOutput](t, "GetConsoleOutput")(c.GetConsoleOutput(ctx, &ec2sdk.GetConsoleOutputInput{InstanceId: aws.String(instID)}))
		if aws.ToString(out.InstanceId) != instID {
			t.Errorf("GetConsoleOutput %+v", out)
		}
		if o := aws.ToString(out.Output); o != "" {
			if _, err := base64.StdEncoding.DecodeString(o); err != nil {
				t.Errorf("console output is not base64: %q", o)
			}
		}
		must[*ec2sdk.RebootInstancesOutput](t, "RebootInstances")(c.RebootInstances(ctx, &ec2sdk.RebootInstancesInput{InstanceIds: []string{instID}}))
		stop := must[*ec2sdk.StopInstancesOutput](t, "StopInstances")(c.StopInstances(ctx, &ec2sdk.StopInstancesInput{InstanceIds: []string{instID}}))
		if len(stop.StoppingInstances) != 1 || stop.StoppingInstances[0].PreviousState.Name != types.InstanceStateNameRunning ||
			stop.StoppingInstances[0].CurrentState.Name != types.InstanceStateNameStopping {
			t.Errorf("StopInstances %+v", stop.StoppingInstances)
		}
		start := must[*ec2sdk.StartInstancesOutput](t, "StartInstances")(c.StartInstances(ctx, &ec2sdk.StartInstancesInput{InstanceIds: []string{instID}}))
		if len(start.StartingInstances) != 1 || start.StartingInstances[0].CurrentState.Name != types.InstanceStateNamePending {
			t.Errorf("StartInstances %+v", start.StartingInstances)
		}
	})

	t.Run("images", func(t *testing.T) {
		img := must[*ec2sdk.CreateImageOutput](t, "CreateImage")(c.CreateImage(ctx, &ec2sdk.CreateImageInput{
			InstanceId: aws.String(instID), Name: aws.String("web golden"), TagSpecifications: tagSpec(types.ResourceTypeImage, "team", "web"),
		}))
		imgID := checkID(t, "ami", img.ImageId)
		reg := must[*ec2sdk.RegisterImageOutput](t, "RegisterImage")(c.RegisterImage(ctx, &ec2sdk.RegisterImageInput{
			Name: aws.String("registered"), Architecture: types.ArchitectureValuesArm64, RootDeviceName: aws.String("/dev/xvda"),
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String("snap-0123456789abcdef0")}}},
		}))
		own := must[*ec2sdk.DescribeImagesOutput](t, "DescribeImages")(c.DescribeImages(ctx, &ec2sdk.DescribeImagesInput{Owners: []string{"self"}}))
		if len(own.Images) != 2 {
			t.Errorf("own images %+v", own.Images)
		}
		attr := must[*ec2sdk.DescribeImageAttributeOutput](t, "DescribeImageAttribute")(c.DescribeImageAttribute(ctx, &ec2sdk.DescribeImageAttributeInput{
			ImageId: aws.String(imgID), Attribute: types.ImageAttributeNameBlockDeviceMapping,
		}))
		if len(attr.BlockDeviceMappings) != 1 || aws.ToString(attr.BlockDeviceMappings[0].DeviceName) != "/dev/xvda" {
			t.Errorf("block device mappings %+v", attr.BlockDeviceMappings)
		}
		for _, id := range []*string{img.ImageId, reg.ImageId} {
			must[*ec2sdk.DeregisterImageOutput](t, "DeregisterImage")(c.DeregisterImage(ctx, &ec2sdk.DeregisterImageInput{ImageId: id}))
		}
	})

	t.Run("tags and filters", func(t *testing.T) {
		must[*ec2sdk.CreateTagsOutput](t, "CreateTags")(c.CreateTags(ctx, &ec2sdk.CreateTagsInput{
			Resources: []string{vpcID, subnetID}, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("net")}, {Key: aws.String("cost"), Value: aws.String("42")}},
		}))
		tags := must[*ec2sdk.DescribeTagsOutput](t, "DescribeTags")(c.DescribeTags(ctx, &ec2sdk.DescribeTagsInput{
			Filters: []types.Filter{filter("resource-id", vpcID)},
		}))
		got := map[string]string{}
		for _, tg := range tags.Tags {
			if aws.ToString(tg.ResourceId) != vpcID || tg.ResourceType != types.ResourceTypeVpc {
				t.Errorf("tag %+v", tg)
			}
			got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		if len(got) != 4 || got["Name"] != "main" || got["team"] != "net" || got["cost"] != "42" || got["env"] != "test" {
			t.Errorf("tags of %s: %v", vpcID, got)
		}
		must[*ec2sdk.DeleteTagsOutput](t, "DeleteTags")(c.DeleteTags(ctx, &ec2sdk.DeleteTagsInput{
			Resources: []string{vpcID, subnetID}, Tags: []types.Tag{{Key: aws.String("cost")}, {Key: aws.String("team"), Value: aws.String("other")}},
		}))
		d := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs")(c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{vpcID}}))
		// A value given to DeleteTags deletes only a tag with that value.
		if got := tagMap(d.Vpcs[0].Tags); len(got) != 3 || got["team"] != "net" || got["cost"] != "" {
			t.Errorf("tags after DeleteTags: %v, want Name, env and team", got)
		}
		for _, tt := range []struct {
			name    string
			filters []types.Filter
			want    []string
		}{
			{"tag:Name exact", []types.Filter{filter("tag:Name", "main")}, []string{vpcID}},
			{"tag:Name wildcard", []types.Filter{filter("tag:Name", "ma*")}, []string{vpcID}},
			{"tag:Name single-character wildcard", []types.Filter{filter("tag:Name", "m?in")}, []string{vpcID}},
			{"tag:Name no match", []types.Filter{filter("tag:Name", "mai")}, nil},
			{"tag-key", []types.Filter{filter("tag-key", "env")}, []string{vpcID}},
			{"values ORed", []types.Filter{filter("cidr", "10.0.0.0/16", "172.31.0.0/16")}, []string{vpcID, defaultVpc}},
			{"filters ANDed", []types.Filter{filter("cidr", "10.0.0.0/16", "172.31.0.0/16"), filter("is-default", "true")}, []string{defaultVpc}},
			{"cidr wildcard", []types.Filter{filter("cidr-block-association.cidr-block", "10.*")}, []string{vpcID}},
		} {
			d := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs "+tt.name)(c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{Filters: tt.filters}))
			var ids []string
			for _, v := range d.Vpcs {
				ids = append(ids, aws.ToString(v.VpcId))
			}
			slices.Sort(ids)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("%s: %v, want %v", tt.name, ids, want)
			}
		}
	})

	t.Run("pagination", func(t *testing.T) {
		var batch []string
		for i := range 7 {
			v := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{
				CidrBlock: aws.String("10.10" + strconv.Itoa(i) + ".0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "batch", "pages"),
			}))
			batch = append(batch, aws.ToString(v.Vpc.VpcId))
		}
		pages, seen := 0, map[string]int{}
		p := ec2sdk.NewDescribeVpcsPaginator(c, &ec2sdk.DescribeVpcsInput{MaxResults: aws.Int32(5)})
		for p.HasMorePages() {
			page := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs page")(p.NextPage(ctx))
			pages++
			if len(page.Vpcs) > 5 {
				t.Errorf("page of %d VPCs with MaxResults 5", len(page.Vpcs))
			}
			for _, v := range page.Vpcs {
				seen[aws.ToString(v.VpcId)]++
			}
		}
		// The default VPC, the main one and the batch: 9 VPCs in two pages.
		if pages != 2 || len(seen) != 9 {
			t.Errorf("%d pages, %d VPCs, want 2 pages of 9", pages, len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s on %d pages", id, n)
			}
		}
		filtered := ec2sdk.NewDescribeVpcsPaginator(c, &ec2sdk.DescribeVpcsInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filter("tag:batch", "pag*")}})
		n := 0
		for filtered.HasMorePages() {
			page := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs filtered page")(filtered.NextPage(ctx))
			n += len(page.Vpcs)
		}
		if n != 7 {
			t.Errorf("filtered pages hold %d VPCs, want 7", n)
		}
		// The default VPC's subnets, one per zone, page by 5 too.
		sp := ec2sdk.NewDescribeSubnetsPaginator(c, &ec2sdk.DescribeSubnetsInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filter("vpc-id", defaultVpc)}})
		subnets, defaults := 0, 0
		for sp.HasMorePages() {
			page := must[*ec2sdk.DescribeSubnetsOutput](t, "DescribeSubnets page")(sp.NextPage(ctx))
			for _, s := range page.Subnets {
				subnets++
				if aws.ToBool(s.DefaultForAz) && aws.ToBool(s.MapPublicIpOnLaunch) {
					defaults++
				}
			}
		}
		if subnets < 2 || defaults != subnets {
			t.Errorf("default VPC has %d subnets, %d default for their zone", subnets, defaults)
		}
		for _, id := range batch {
			must[*ec2sdk.DeleteVpcOutput](t, "DeleteVpc")(c.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(id)}))
		}
	})

	t.Run("default VPC and subnets", func(t *testing.T) {
		_, err := c.CreateDefaultVpc(ctx, &ec2sdk.CreateDefaultVpcInput{})
		wantCode(t, "CreateDefaultVpc while one exists", err, "DefaultVpcAlreadyExists")
		d := must[*ec2sdk.DescribeSubnetsOutput](t, "DescribeSubnets")(c.DescribeSubnets(ctx, &ec2sdk.DescribeSubnetsInput{
			Filters: []types.Filter{filter("default-for-az", "true"), filter("availability-zone", "us-east-1b")},
		}))
		if len(d.Subnets) != 1 {
			t.Fatalf("default subnet of us-east-1b: %+v", d.Subnets)
		}
		old := d.Subnets[0]
		must[*ec2sdk.DeleteSubnetOutput](t, "DeleteSubnet")(c.DeleteSubnet(ctx, &ec2sdk.DeleteSubnetInput{SubnetId: old.SubnetId}))
		ns := must[*ec2sdk.CreateDefaultSubnetOutput](t, "CreateDefaultSubnet")(c.CreateDefaultSubnet(ctx, &ec2sdk.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1b")})).Subnet
		checkID(t, "subnet", ns.SubnetId)
		if !aws.ToBool(ns.DefaultForAz) || aws.ToString(ns.VpcId) != defaultVpc || aws.ToString(ns.AvailabilityZone) != "us-east-1b" ||
			!strings.HasSuffix(aws.ToString(ns.CidrBlock), "/20") || !aws.ToBool(ns.MapPublicIpOnLaunch) {
			t.Errorf("CreateDefaultSubnet %+v", ns)
		}
		_, err = c.CreateDefaultSubnet(ctx, &ec2sdk.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1b")})
		wantCode(t, "a second default subnet in the zone", err, "DefaultSubnetAlreadyExistsInAvailabilityZone")

		// Another account deletes its default VPC, then asks for a new one.
		o := rec.client(srv.EC2(t, "333333333333"))
		vs := must[*ec2sdk.DescribeVpcsOutput](t, "DescribeVpcs")(o.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}}))
		if len(vs.Vpcs) != 1 {
			t.Fatalf("default VPCs of 333333333333: %+v", vs.Vpcs)
		}
		dv := aws.ToString(vs.Vpcs[0].VpcId)
		_, err = o.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(dv)})
		wantCode(t, "DeleteVpc of a default VPC with subnets", err, "DependencyViolation")
		subs := must[*ec2sdk.DescribeSubnetsOutput](t, "DescribeSubnets")(o.DescribeSubnets(ctx, &ec2sdk.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", dv)}}))
		for _, s := range subs.Subnets {
			must[*ec2sdk.DeleteSubnetOutput](t, "DeleteSubnet")(o.DeleteSubnet(ctx, &ec2sdk.DeleteSubnetInput{SubnetId: s.SubnetId}))
		}
		gws := must[*ec2sdk.DescribeInternetGatewaysOutput](t, "DescribeInternetGateways")(o.DescribeInternetGateways(ctx, &ec2sdk.DescribeInternetGatewaysInput{
			Filters: []types.Filter{filter("attachment.vpc-id", dv)},
		}))
		for _, g := range gws.InternetGateways {
			must[*ec2sdk.DetachInternetGatewayOutput](t, "DetachInternetGateway")(o.DetachInternetGateway(ctx, &ec2sdk.DetachInternetGatewayInput{InternetGatewayId: g.InternetGatewayId, VpcId: aws.String(dv)}))
			must[*ec2sdk.DeleteInternetGatewayOutput](t, "DeleteInternetGateway")(o.DeleteInternetGateway(ctx, &ec2sdk.DeleteInternetGatewayInput{InternetGatewayId: g.InternetGatewayId}))
		}
		must[*ec2sdk.DeleteVpcOutput](t, "DeleteVpc")(o.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(dv)}))
		nv := must[*ec2sdk.CreateDefaultVpcOutput](t, "CreateDefaultVpc")(o.CreateDefaultVpc(ctx, &ec2sdk.CreateDefaultVpcInput{})).Vpc
		if checkID(t, "vpc", nv.VpcId) == dv || !aws.ToBool(nv.IsDefault) || aws.ToString(nv.CidrBlock) != "172.31.0.0/16" || aws.ToString(nv.OwnerId) != "333333333333" {
			t.Errorf("CreateDefaultVpc %+v", nv)
		}
	})

	t.Run("vpc peering across accounts", func(t *testing.T) {
		req, acc := rec.client(srv.EC2(t, "111111111111")), rec.client(srv.EC2(t, "222222222222"))
		mk := func(cl *ec2sdk.Client, cidr string) string {
			return aws.ToString(must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(cl.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String(cidr)})).Vpc.VpcId)
		}
		a, b, b2 := mk(req, "10.50.0.0/16"), mk(acc, "10.60.0.0/16"), mk(acc, "10.70.0.0/16")
		created := must[*ec2sdk.CreateVpcPeeringConnectionOutput](t, "CreateVpcPeeringConnection")(req.CreateVpcPeeringConnection(ctx, &ec2sdk.CreateVpcPeeringConnectionInput{
			VpcId: aws.String(a), PeerVpcId: aws.String(b), PeerOwnerId: aws.String("222222222222"),
			TagSpecifications: tagSpec(types.ResourceTypeVpcPeeringConnection, "Name", "ab"),
		})).VpcPeeringConnection
		pcx := checkID(t, "pcx", created.VpcPeeringConnectionId)
		if created.Status.Code != types.VpcPeeringConnectionStateReasonCodeInitiatingRequest || aws.ToString(created.AccepterVpcInfo.OwnerId) != "222222222222" {
			t.Errorf("CreateVpcPeeringConnection %+v", created)
		}
		seen := must[*ec2sdk.DescribeVpcPeeringConnectionsOutput](t, "DescribeVpcPeeringConnections")(acc.DescribeVpcPeeringConnections(ctx, &ec2sdk.DescribeVpcPeeringConnectionsInput{
			Filters: []types.Filter{filter("status-code", "pending-acceptance"), filter("requester-vpc-info.vpc-id", a)},
		}))
		if len(seen.VpcPeeringConnections) != 1 || seen.VpcPeeringConnections[0].ExpirationTime == nil {
			t.Errorf("accepter sees %+v", seen.VpcPeeringConnections)
		}
		_, err := req.AcceptVpcPeeringConnection(ctx, &ec2sdk.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)})
		wantCode(t, "the requester accepting", err, "OperationNotPermitted")
		accepted := must[*ec2sdk.AcceptVpcPeeringConnectionOutput](t, "AcceptVpcPeeringConnection")(acc.AcceptVpcPeeringConnection(ctx, &ec2sdk.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)})).VpcPeeringConnection
		if accepted.Status.Code != types.VpcPeeringConnectionStateReasonCodeActive || aws.ToString(accepted.AccepterVpcInfo.CidrBlock) != "10.60.0.0/16" {
			t.Errorf("AcceptVpcPeeringConnection %+v", accepted)
		}
		opts := must[*ec2sdk.ModifyVpcPeeringConnectionOptionsOutput](t, "ModifyVpcPeeringConnectionOptions")(acc.ModifyVpcPeeringConnectionOptions(ctx, &ec2sdk.ModifyVpcPeeringConnectionOptionsInput{
			VpcPeeringConnectionId: aws.String(pcx), AccepterPeeringConnectionOptions: &types.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: aws.Bool(true)},
		}))
		if opts.AccepterPeeringConnectionOptions == nil || !aws.ToBool(opts.AccepterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc) {
			t.Errorf("ModifyVpcPeeringConnectionOptions %+v", opts)
		}
		rtb := must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(req.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", a)}})).RouteTables[0].RouteTableId
		must[*ec2sdk.CreateRouteOutput](t, "CreateRoute")(req.CreateRoute(ctx, &ec2sdk.CreateRouteInput{RouteTableId: rtb, DestinationCidrBlock: aws.String("10.60.0.0/16"), VpcPeeringConnectionId: aws.String(pcx)}))
		second := must[*ec2sdk.CreateVpcPeeringConnectionOutput](t, "CreateVpcPeeringConnection")(req.CreateVpcPeeringConnection(ctx, &ec2sdk.CreateVpcPeeringConnectionInput{
			VpcId: aws.String(a), PeerVpcId: aws.String(b2), PeerOwnerId: aws.String("222222222222"),
		})).VpcPeeringConnection.VpcPeeringConnectionId
		must[*ec2sdk.RejectVpcPeeringConnectionOutput](t, "RejectVpcPeeringConnection")(acc.RejectVpcPeeringConnection(ctx, &ec2sdk.RejectVpcPeeringConnectionInput{VpcPeeringConnectionId: second}))
		must[*ec2sdk.DeleteVpcPeeringConnectionOutput](t, "DeleteVpcPeeringConnection")(acc.DeleteVpcPeeringConnection(ctx, &ec2sdk.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: aws.String(pcx)}))
		gone := must[*ec2sdk.DescribeVpcPeeringConnectionsOutput](t, "DescribeVpcPeeringConnections")(req.DescribeVpcPeeringConnections(ctx, &ec2sdk.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{pcx}}))
		if len(gone.VpcPeeringConnections) != 1 || gone.VpcPeeringConnections[0].Status.Code != types.VpcPeeringConnectionStateReasonCodeDeleted {
			t.Errorf("after DeleteVpcPeeringConnection %+v", gone.VpcPeeringConnections)
		}
	})

	t.Run("volumes", func(t *testing.T) {
		d := must[*ec2sdk.DescribeInstancesOutput](t, "DescribeInstances")(c.DescribeInstances(ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{instID}}))
		launched := d.Reservations[0].Instances[0]
		if aws.ToString(launched.RootDeviceName) != "/dev/xvda" || launched.RootDeviceType != types.DeviceTypeEbs || len(launched.BlockDeviceMappings) != 1 ||
			aws.ToString(launched.BlockDeviceMappings[0].DeviceName) != "/dev/xvda" || launched.BlockDeviceMappings[0].Ebs.Status != types.AttachmentStatusAttached {
			t.Fatalf("root device %s, block devices %+v", aws.ToString(launched.RootDeviceName), launched.BlockDeviceMappings)
		}
		rootID := checkID(t, "vol", launched.BlockDeviceMappings[0].Ebs.VolumeId)
		zone := launched.Placement.AvailabilityZone
		v := must[*ec2sdk.CreateVolumeOutput](t, "CreateVolume")(c.CreateVolume(ctx, &ec2sdk.CreateVolumeInput{
			AvailabilityZone: zone, Size: aws.Int32(20), VolumeType: types.VolumeTypeGp3, Throughput: aws.Int32(250),
			TagSpecifications: tagSpec(types.ResourceTypeVolume, "Name", "data"),
		}))
		volID := checkID(t, "vol", v.VolumeId)
		if v.State != types.VolumeStateCreating || aws.ToInt32(v.Iops) != 3000 || aws.ToInt32(v.Throughput) != 250 || tagMap(v.Tags)["Name"] != "data" {
			t.Errorf("CreateVolume %+v", v)
		}
		att := must[*ec2sdk.AttachVolumeOutput](t, "AttachVolume")(c.AttachVolume(ctx, &ec2sdk.AttachVolumeInput{
			VolumeId: aws.String(volID), InstanceId: aws.String(instID), Device: aws.String("/dev/sdf"),
		}))
		if att.State != types.VolumeAttachmentStateAttaching || aws.ToString(att.Device) != "/dev/sdf" || att.AttachTime == nil {
			t.Errorf("AttachVolume %+v", att)
		}
		vs := must[*ec2sdk.DescribeVolumesOutput](t, "DescribeVolumes")(c.DescribeVolumes(ctx, &ec2sdk.DescribeVolumesInput{
			Filters: []types.Filter{filter("attachment.instance-id", instID)},
		}))
		if len(vs.Volumes) != 2 {
			t.Fatalf("volumes of %s: %+v", instID, vs.Volumes)
		}
		for _, vol := range vs.Volumes {
			if vol.State != types.VolumeStateInUse || len(vol.Attachments) != 1 || vol.Attachments[0].State != types.VolumeAttachmentStateAttached {
				t.Errorf("attached volume %+v", vol)
			}
		}
		_, err := c.DetachVolume(ctx, &ec2sdk.DetachVolumeInput{VolumeId: aws.String(rootID)})
		wantCode(t, "DetachVolume of a running instance's root", err, "IncorrectState")
		_, err = c.DeleteVolume(ctx, &ec2sdk.DeleteVolumeInput{VolumeId: aws.String(volID)})
		wantCode(t, "DeleteVolume while attached", err, "VolumeInUse")
		mod := must[*ec2sdk.ModifyVolumeOutput](t, "ModifyVolume")(c.ModifyVolume(ctx, &ec2sdk.ModifyVolumeInput{VolumeId: aws.String(volID), Size: aws.Int32(40)}))
		if mod.VolumeModification == nil || mod.VolumeModification.ModificationState != types.VolumeModificationStateModifying ||
			aws.ToInt32(mod.VolumeModification.TargetSize) != 40 || aws.ToInt32(mod.VolumeModification.OriginalSize) != 20 {
			t.Errorf("ModifyVolume %+v", mod.VolumeModification)
		}
		mods := must[*ec2sdk.DescribeVolumesModificationsOutput](t, "DescribeVolumesModifications")(c.DescribeVolumesModifications(ctx, &ec2sdk.DescribeVolumesModificationsInput{VolumeIds: []string{volID}}))
		if len(mods.VolumesModifications) != 1 || mods.VolumesModifications[0].ModificationState != types.VolumeModificationStateCompleted {
			t.Errorf("DescribeVolumesModifications %+v", mods.VolumesModifications)
		}
		det := must[*ec2sdk.DetachVolumeOutput](t, "DetachVolume")(c.DetachVolume(ctx, &ec2sdk.DetachVolumeInput{VolumeId: aws.String(volID)}))
		if det.State != types.VolumeAttachmentStateDetaching || aws.ToString(det.InstanceId) != instID {
			t.Errorf("DetachVolume %+v", det)
		}
		must[*ec2sdk.DeleteVolumeOutput](t, "DeleteVolume")(c.DeleteVolume(ctx, &ec2sdk.DeleteVolumeInput{VolumeId: aws.String(volID)}))
		_, err = c.DescribeVolumes(ctx, &ec2sdk.DescribeVolumesInput{VolumeIds: []string{volID}})
		wantCode(t, "DescribeVolumes of a deleted volume", err, "InvalidVolume.NotFound")
	})

	t.Run("elastic IPs and network interfaces", func(t *testing.T) {
		eip := must[*ec2sdk.AllocateAddressOutput](t, "AllocateAddress")(c.AllocateAddress(ctx, &ec2sdk.AllocateAddressInput{
			Domain: types.DomainTypeVpc, TagSpecifications: tagSpec(types.ResourceTypeElasticIp, "Name", "web"),
		}))
		allocID := checkID(t, "eipalloc", eip.AllocationId)
		assoc := must[*ec2sdk.AssociateAddressOutput](t, "AssociateAddress")(c.AssociateAddress(ctx, &ec2sdk.AssociateAddressInput{AllocationId: aws.String(allocID), InstanceId: aws.String(instID)}))
		assocID := checkID(t, "eipassoc", assoc.AssociationId)
		addrs := must[*ec2sdk.DescribeAddressesOutput](t, "DescribeAddresses")(c.DescribeAddresses(ctx, &ec2sdk.DescribeAddressesInput{Filters: []types.Filter{filter("instance-id", instID)}}))
		if len(addrs.Addresses) != 1 || aws.ToString(addrs.Addresses[0].AssociationId) != assocID || aws.ToString(addrs.Addresses[0].NetworkInterfaceId) != eniID ||
			aws.ToString(addrs.Addresses[0].PublicIp) != aws.ToString(eip.PublicIp) || tagMap(addrs.Addresses[0].Tags)["Name"] != "web" {
			t.Errorf("DescribeAddresses by instance-id %+v", addrs.Addresses)
		}
		d := must[*ec2sdk.DescribeInstancesOutput](t, "DescribeInstances")(c.DescribeInstances(ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{instID}}))
		if got := aws.ToString(d.Reservations[0].Instances[0].PublicIpAddress); got != aws.ToString(eip.PublicIp) {
			t.Errorf("instance public address %q, want the Elastic IP %s", got, aws.ToString(eip.PublicIp))
		}
		_, err := c.ReleaseAddress(ctx, &ec2sdk.ReleaseAddressInput{AllocationId: aws.String(allocID)})
		wantCode(t, "ReleaseAddress while associated", err, "InvalidIPAddress.InUse")
		ptr := must[*ec2sdk.DescribeAddressesAttributeOutput](t, "DescribeAddressesAttribute")(c.DescribeAddressesAttribute(ctx, &ec2sdk.DescribeAddressesAttributeInput{
			AllocationIds: []string{allocID}, Attribute: types.AddressAttributeNameDomainName,
		}))
		if len(ptr.Addresses) != 1 || aws.ToString(ptr.Addresses[0].AllocationId) != allocID || aws.ToString(ptr.Addresses[0].PublicIp) != aws.ToString(eip.PublicIp) {
			t.Errorf("DescribeAddressesAttribute %+v", ptr.Addresses)
		}

		eni := must[*ec2sdk.CreateNetworkInterfaceOutput](t, "CreateNetworkInterface")(c.CreateNetworkInterface(ctx, &ec2sdk.CreateNetworkInterfaceInput{
			SubnetId: aws.String(subnetID), Groups: []string{sgID}, Description: aws.String("second"),
			TagSpecifications: tagSpec(types.ResourceTypeNetworkInterface, "Name", "second"),
		})).NetworkInterface
		second := checkID(t, "eni", eni.NetworkInterfaceId)
		att := must[*ec2sdk.AttachNetworkInterfaceOutput](t, "AttachNetworkInterface")(c.AttachNetworkInterface(ctx, &ec2sdk.AttachNetworkInterfaceInput{
			NetworkInterfaceId: aws.String(second), InstanceId: aws.String(instID), DeviceIndex: aws.Int32(1),
		}))
		attachmentID := checkID(t, "eni-attach", att.AttachmentId)
		must[*ec2sdk.ModifyNetworkInterfaceAttributeOutput](t, "ModifyNetworkInterfaceAttribute")(c.ModifyNetworkInterfaceAttribute(ctx, &ec2sdk.ModifyNetworkInterfaceAttributeInput{
			NetworkInterfaceId: aws.String(second), SourceDestCheck: &types.AttributeBooleanValue{Value: aws.Bool(false)},
		}))
		must[*ec2sdk.ResetNetworkInterfaceAttributeOutput](t, "ResetNetworkInterfaceAttribute")(c.ResetNetworkInterfaceAttribute(ctx, &ec2sdk.ResetNetworkInterfaceAttributeInput{
			NetworkInterfaceId: aws.String(second), SourceDestCheck: aws.String("true"),
		}))
		attr := must[*ec2sdk.DescribeNetworkInterfaceAttributeOutput](t, "DescribeNetworkInterfaceAttribute")(c.DescribeNetworkInterfaceAttribute(ctx, &ec2sdk.DescribeNetworkInterfaceAttributeInput{
			NetworkInterfaceId: aws.String(second), Attribute: types.NetworkInterfaceAttributeAttachment,
		}))
		if attr.Attachment == nil || aws.ToString(attr.Attachment.AttachmentId) != attachmentID || aws.ToInt32(attr.Attachment.DeviceIndex) != 1 {
			t.Errorf("attachment attribute %+v", attr.Attachment)
		}
		assigned := must[*ec2sdk.AssignPrivateIpAddressesOutput](t, "AssignPrivateIpAddresses")(c.AssignPrivateIpAddresses(ctx, &ec2sdk.AssignPrivateIpAddressesInput{
			NetworkInterfaceId: aws.String(second), SecondaryPrivateIpAddressCount: aws.Int32(1),
		}))
		if len(assigned.AssignedPrivateIpAddresses) != 1 {
			t.Fatalf("AssignPrivateIpAddresses %+v", assigned.AssignedPrivateIpAddresses)
		}
		_, err = c.AssignPrivateIpAddresses(ctx, &ec2sdk.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(second), SecondaryPrivateIpAddressCount: aws.Int32(1)})
		wantCode(t, "a third address on a t3.micro interface", err, "PrivateIpAddressLimitExceeded")
		must[*ec2sdk.UnassignPrivateIpAddressesOutput](t, "UnassignPrivateIpAddresses")(c.UnassignPrivateIpAddresses(ctx, &ec2sdk.UnassignPrivateIpAddressesInput{
			NetworkInterfaceId: aws.String(second), PrivateIpAddresses: []string{aws.ToString(assigned.AssignedPrivateIpAddresses[0].PrivateIpAddress)},
		}))
		_, err = c.DeleteNetworkInterface(ctx, &ec2sdk.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(second)})
		wantCode(t, "DeleteNetworkInterface while attached", err, "InvalidNetworkInterface.InUse")
		must[*ec2sdk.DetachNetworkInterfaceOutput](t, "DetachNetworkInterface")(c.DetachNetworkInterface(ctx, &ec2sdk.DetachNetworkInterfaceInput{AttachmentId: aws.String(attachmentID)}))
		must[*ec2sdk.DeleteNetworkInterfaceOutput](t, "DeleteNetworkInterface")(c.DeleteNetworkInterface(ctx, &ec2sdk.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(second)}))

		must[*ec2sdk.DisassociateAddressOutput](t, "DisassociateAddress")(c.DisassociateAddress(ctx, &ec2sdk.DisassociateAddressInput{AssociationId: aws.String(assocID)}))
		must[*ec2sdk.ReleaseAddressOutput](t, "ReleaseAddress")(c.ReleaseAddress(ctx, &ec2sdk.ReleaseAddressInput{AllocationId: aws.String(allocID)}))
	})

	t.Run("reachability analyzer", func(t *testing.T) {
		path := must[*ec2sdk.CreateNetworkInsightsPathOutput](t, "CreateNetworkInsightsPath")(c.CreateNetworkInsightsPath(ctx, &ec2sdk.CreateNetworkInsightsPathInput{
			Source: aws.String(instID), Destination: aws.String(igwID), Protocol: types.ProtocolTcp, DestinationPort: aws.Int32(443),
			TagSpecifications: tagSpec(types.ResourceTypeNetworkInsightsPath, "Name", "web-out"),
		})).NetworkInsightsPath
		nip := checkID(t, "nip", path.NetworkInsightsPathId)
		if aws.ToString(path.Source) != instID || aws.ToString(path.Destination) != igwID || !strings.HasSuffix(aws.ToString(path.SourceArn), ":instance/"+instID) {
			t.Errorf("CreateNetworkInsightsPath %+v", path)
		}
		paths := must[*ec2sdk.DescribeNetworkInsightsPathsOutput](t, "DescribeNetworkInsightsPaths")(c.DescribeNetworkInsightsPaths(ctx, &ec2sdk.DescribeNetworkInsightsPathsInput{
			Filters: []types.Filter{filter("source", instID)},
		}))
		if len(paths.NetworkInsightsPaths) != 1 || tagMap(paths.NetworkInsightsPaths[0].Tags)["Name"] != "web-out" {
			t.Errorf("DescribeNetworkInsightsPaths %+v", paths.NetworkInsightsPaths)
		}
		started := must[*ec2sdk.StartNetworkInsightsAnalysisOutput](t, "StartNetworkInsightsAnalysis")(c.StartNetworkInsightsAnalysis(ctx, &ec2sdk.StartNetworkInsightsAnalysisInput{
			NetworkInsightsPathId: aws.String(nip),
		})).NetworkInsightsAnalysis
		nia := checkID(t, "nia", started.NetworkInsightsAnalysisId)
		if started.Status != types.AnalysisStatusRunning {
			t.Errorf("StartNetworkInsightsAnalysis status %s, want running", started.Status)
		}
		done := must[*ec2sdk.DescribeNetworkInsightsAnalysesOutput](t, "DescribeNetworkInsightsAnalyses")(c.DescribeNetworkInsightsAnalyses(ctx, &ec2sdk.DescribeNetworkInsightsAnalysesInput{
			NetworkInsightsAnalysisIds: []string{nia},
		}))
		if len(done.NetworkInsightsAnalyses) != 1 || done.NetworkInsightsAnalyses[0].Status != types.AnalysisStatusSucceeded {
			t.Fatalf("DescribeNetworkInsightsAnalyses %+v, want one that succeeded", done.NetworkInsightsAnalyses)
		}
		a := done.NetworkInsightsAnalyses[0]
		if a.NetworkPathFound == nil || len(a.ForwardPathComponents) == 0 || aws.ToInt32(a.ForwardPathComponents[0].SequenceNumber) != 1 {
			t.Errorf("analysis %+v", a)
		}
		if !aws.ToBool(a.NetworkPathFound) && len(a.Explanations) == 0 {
			t.Errorf("a path not found without explanations: %+v", a)
		}
		byPath := must[*ec2sdk.DescribeNetworkInsightsAnalysesOutput](t, "DescribeNetworkInsightsAnalyses")(c.DescribeNetworkInsightsAnalyses(ctx, &ec2sdk.DescribeNetworkInsightsAnalysesInput{
			NetworkInsightsPathId: aws.String(nip),
		}))
		if len(byPath.NetworkInsightsAnalyses) != 1 {
			t.Errorf("analyses of the path: %+v", byPath.NetworkInsightsAnalyses)
		}
		must[*ec2sdk.DeleteNetworkInsightsAnalysisOutput](t, "DeleteNetworkInsightsAnalysis")(c.DeleteNetworkInsightsAnalysis(ctx, &ec2sdk.DeleteNetworkInsightsAnalysisInput{NetworkInsightsAnalysisId: aws.String(nia)}))
		must[*ec2sdk.DeleteNetworkInsightsPathOutput](t, "DeleteNetworkInsightsPath")(c.DeleteNetworkInsightsPath(ctx, &ec2sdk.DeleteNetworkInsightsPathInput{NetworkInsightsPathId: aws.String(nip)}))
		_, err := c.StartNetworkInsightsAnalysis(ctx, &ec2sdk.StartNetworkInsightsAnalysisInput{NetworkInsightsPathId: aws.String(nip)})
		wantCode(t, "StartNetworkInsightsAnalysis of a deleted path", err, "InvalidNetworkInsightsPathId.NotFound")
	})

	t.Run("network access analyzer", func(t *testing.T) {
		in := &ec2sdk.CreateNetworkInsightsAccessScopeInput{
			MatchPaths: []types.AccessScopePathRequest{{
				Source: &types.PathStatementRequest{ResourceStatement: &types.ResourceStatementRequest{ResourceTypes: []string{"AWS::EC2::InternetGateway"}}},
				Destination: &types.PathStatementRequest{
					ResourceStatement:     &types.ResourceStatementRequest{Resources: []string{subnetID}},
					PacketHeaderStatement: &types.PacketHeaderStatementRequest{DestinationPorts: []string{"0-65535"}, Protocols: []types.Protocol{types.ProtocolTcp, types.ProtocolUdp}},
				},
			}},
			ExcludePaths: []types.AccessScopePathRequest{{
				ThroughResources: []types.ThroughResourcesStatementRequest{{ResourceStatement: &types.ResourceStatementRequest{ResourceTypes: []string{"AWS::EC2::NatGateway"}}}},
			}},
			ClientToken:       aws.String("scope-token-1"),
			TagSpecifications: tagSpec(types.ResourceTypeNetworkInsightsAccessScope, "Name", "internet-in"),
		}
		created := must[*ec2sdk.CreateNetworkInsightsAccessScopeOutput](t, "CreateNetworkInsightsAccessScope")(c.CreateNetworkInsightsAccessScope(ctx, in))
		nis := checkID(t, "nis", created.NetworkInsightsAccessScope.NetworkInsightsAccessScopeId)
		if !strings.HasSuffix(aws.ToString(created.NetworkInsightsAccessScope.NetworkInsightsAccessScopeArn), ":network-insights-access-scope/"+nis) ||
			tagMap(created.NetworkInsightsAccessScope.Tags)["Name"] != "internet-in" || created.NetworkInsightsAccessScopeContent == nil ||
			len(created.NetworkInsightsAccessScopeContent.MatchPaths) != 1 {
			t.Errorf("CreateNetworkInsightsAccessScope %+v", created)
		}
		again := must[*ec2sdk.CreateNetworkInsightsAccessScopeOutput](t, "CreateNetworkInsightsAccessScope")(c.CreateNetworkInsightsAccessScope(ctx, in))
		if aws.ToString(again.NetworkInsightsAccessScope.NetworkInsightsAccessScopeId) != nis {
			t.Errorf("the same ClientToken made %s, want %s", aws.ToString(again.NetworkInsightsAccessScope.NetworkInsightsAccessScopeId), nis)
		}
		scopes := must[*ec2sdk.DescribeNetworkInsightsAccessScopesOutput](t, "DescribeNetworkInsightsAccessScopes")(c.DescribeNetworkInsightsAccessScopes(ctx, &ec2sdk.DescribeNetworkInsightsAccessScopesInput{
			NetworkInsightsAccessScopeIds: []string{nis},
		}))
		if len(scopes.NetworkInsightsAccessScopes) != 1 || scopes.NetworkInsightsAccessScopes[0].CreatedDate == nil {
			t.Errorf("DescribeNetworkInsightsAccessScopes %+v", scopes.NetworkInsightsAccessScopes)
		}
		content := must[*ec2sdk.GetNetworkInsightsAccessScopeContentOutput](t, "GetNetworkInsightsAccessScopeContent")(c.GetNetworkInsightsAccessScopeContent(ctx, &ec2sdk.GetNetworkInsightsAccessScopeContentInput{
			NetworkInsightsAccessScopeId: aws.String(nis),
		})).NetworkInsightsAccessScopeContent
		if mp := content.MatchPaths; len(mp) != 1 || mp[0].Destination == nil || !slices.Equal(mp[0].Destination.ResourceStatement.Resources, []string{subnetID}) ||
			!slices.Equal(mp[0].Destination.PacketHeaderStatement.Protocols, []types.Protocol{types.ProtocolTcp, types.ProtocolUdp}) ||
			len(content.ExcludePaths) != 1 || len(content.ExcludePaths[0].ThroughResources) != 1 {
			t.Errorf("GetNetworkInsightsAccessScopeContent %+v", content)
		}
		started := must[*ec2sdk.StartNetworkInsightsAccessScopeAnalysisOutput](t, "StartNetworkInsightsAccessScopeAnalysis")(c.StartNetworkInsightsAccessScopeAnalysis(ctx, &ec2sdk.StartNetworkInsightsAccessScopeAnalysisInput{
			NetworkInsightsAccessScopeId: aws.String(nis),
			TagSpecifications:            tagSpec(types.ResourceTypeNetworkInsightsAccessScopeAnalysis, "Name", "run-1"),
		})).NetworkInsightsAccessScopeAnalysis
		nisa := checkID(t, "nisa", started.NetworkInsightsAccessScopeAnalysisId)
		if started.Status != types.AnalysisStatusRunning || started.FindingsFound != types.FindingsFoundUnknown {
			t.Errorf("StartNetworkInsightsAccessScopeAnalysis status %s, findings %s; want running, unknown", started.Status, started.FindingsFound)
		}
		analyses := must[*ec2sdk.DescribeNetworkInsightsAccessScopeAnalysesOutput](t, "DescribeNetworkInsightsAccessScopeAnalyses")(c.DescribeNetworkInsightsAccessScopeAnalyses(ctx, &ec2sdk.DescribeNetworkInsightsAccessScopeAnalysesInput{
			NetworkInsightsAccessScopeId: aws.String(nis),
		})).NetworkInsightsAccessScopeAnalyses
		if len(analyses) != 1 || aws.ToString(analyses[0].NetworkInsightsAccessScopeAnalysisId) != nisa || analyses[0].Status != types.AnalysisStatusSucceeded ||
			analyses[0].FindingsFound == types.FindingsFoundUnknown || aws.ToInt32(analyses[0].AnalyzedEniCount) < 1 || analyses[0].EndDate == nil ||
			tagMap(analyses[0].Tags)["Name"] != "run-1" {
			t.Fatalf("DescribeNetworkInsightsAccessScopeAnalyses %+v, want one that succeeded", analyses)
		}
		findings := must[*ec2sdk.GetNetworkInsightsAccessScopeAnalysisFindingsOutput](t, "GetNetworkInsightsAccessScopeAnalysisFindings")(c.GetNetworkInsightsAccessScopeAnalysisFindings(ctx, &ec2sdk.GetNetworkInsightsAccessScopeAnalysisFindingsInput{
			NetworkInsightsAccessScopeAnalysisId: aws.String(nisa), MaxResults: aws.Int32(10),
		}))
		if findings.AnalysisStatus != types.AnalysisStatusSucceeded || (len(findings.AnalysisFindings) > 0) != (analyses[0].FindingsFound == types.FindingsFoundTrue) {
			t.Errorf("GetNetworkInsightsAccessScopeAnalysisFindings status %s, %d findings, FindingsFound %s", findings.AnalysisStatus, len(findings.AnalysisFindings), analyses[0].FindingsFound)
		}
		for _, f := range findings.AnalysisFindings {
			first := f.FindingComponents[0]
			if aws.ToString(f.NetworkInsightsAccessScopeId) != nis || aws.ToString(f.FindingId) == "" || aws.ToInt32(first.SequenceNumber) != 1 || aws.ToString(first.Component.Id) != igwID {
				t.Errorf("finding %+v, want one from %s", f, igwID)
			}
		}
		must[*ec2sdk.DeleteNetworkInsightsAccessScopeAnalysisOutput](t, "DeleteNetworkInsightsAccessScopeAnalysis")(c.DeleteNetworkInsightsAccessScopeAnalysis(ctx, &ec2sdk.DeleteNetworkInsightsAccessScopeAnalysisInput{
			NetworkInsightsAccessScopeAnalysisId: aws.String(nisa),
		}))
		_, err := c.GetNetworkInsightsAccessScopeAnalysisFindings(ctx, &ec2sdk.GetNetworkInsightsAccessScopeAnalysisFindingsInput{NetworkInsightsAccessScopeAnalysisId: aws.String(nisa)})
		wantCode(t, "GetNetworkInsightsAccessScopeAnalysisFindings of a deleted analysis", err, "InvalidParameterValue")
		must[*ec2sdk.DeleteNetworkInsightsAccessScopeOutput](t, "DeleteNetworkInsightsAccessScope")(c.DeleteNetworkInsightsAccessScope(ctx, &ec2sdk.DeleteNetworkInsightsAccessScopeInput{
			NetworkInsightsAccessScopeId: aws.String(nis),
		}))
		_, err = c.StartNetworkInsightsAccessScopeAnalysis(ctx, &ec2sdk.StartNetworkInsightsAccessScopeAnalysisInput{NetworkInsightsAccessScopeId: aws.String(nis)})
		wantCode(t, "StartNetworkInsightsAccessScopeAnalysis of a deleted scope", err, "InvalidNetworkInsightsAccessScopeId.NotFound")
		_, err = c.CreateNetworkInsightsAccessScope(ctx, &ec2sdk.CreateNetworkInsightsAccessScopeInput{})
		wantCode(t, "CreateNetworkInsightsAccessScope without MatchPaths", err, "MissingParameter")
	})

	t.Run("cpu credits", func(t *testing.T) {
		must[*ec2sdk.ModifyInstanceCreditSpecificationOutput](t, "ModifyInstanceCreditSpecification")(c.ModifyInstanceCreditSpecification(ctx, &ec2sdk.ModifyInstanceCreditSpecificationInput{
			InstanceCreditSpecifications: []types.InstanceCreditSpecificationRequest{{InstanceId: aws.String(instID), CpuCredits: aws.String("standard")}},
		}))
		cs := must[*ec2sdk.DescribeInstanceCreditSpecificationsOutput](t, "DescribeInstanceCreditSpecifications")(c.DescribeInstanceCreditSpecifications(ctx, &ec2sdk.DescribeInstanceCreditSpecificationsInput{
			InstanceIds: []string{instID},
		}))
		if len(cs.InstanceCreditSpecifications) != 1 || aws.ToString(cs.InstanceCreditSpecifications[0].CpuCredits) != "standard" {
			t.Errorf("DescribeInstanceCreditSpecifications %+v", cs.InstanceCreditSpecifications)
		}
	})

	t.Run("instance metadata options", func(t *testing.T) {
		mo := must[*ec2sdk.ModifyInstanceMetadataOptionsOutput](t, "ModifyInstanceMetadataOptions")(c.ModifyInstanceMetadataOptions(ctx, &ec2sdk.ModifyInstanceMetadataOptionsInput{
			InstanceId: aws.String(instID), HttpTokens: types.HttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2),
		}))
		if o := mo.InstanceMetadataOptions; aws.ToString(mo.InstanceId) != instID || o.State != types.InstanceMetadataOptionsStatePending ||
			o.HttpTokens != types.HttpTokensStateRequired || aws.ToInt32(o.HttpPutResponseHopLimit) != 2 || o.HttpEndpoint != types.InstanceMetadataEndpointStateEnabled {
			t.Errorf("ModifyInstanceMetadataOptions %+v", o)
		}
		d := must[*ec2sdk.DescribeInstancesOutput](t, "DescribeInstances")(c.DescribeInstances(ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{instID}}))
		if o := d.Reservations[0].Instances[0].MetadataOptions; o.State != types.InstanceMetadataOptionsStateApplied || o.HttpTokens != types.HttpTokensStateRequired ||
			aws.ToInt32(o.HttpPutResponseHopLimit) != 2 || o.InstanceMetadataTags != types.InstanceMetadataTagsStateDisabled {
			t.Errorf("DescribeInstances MetadataOptions %+v", o)
		}
		_, err := c.ModifyInstanceMetadataOptions(ctx, &ec2sdk.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(instID), HttpPutResponseHopLimit: aws.Int32(65)})
		wantCode(t, "ModifyInstanceMetadataOptions with hop limit 65", err, "InvalidParameterValue")
		must[*ec2sdk.ModifyInstanceMetadataDefaultsOutput](t, "ModifyInstanceMetadataDefaults")(c.ModifyInstanceMetadataDefaults(ctx, &ec2sdk.ModifyInstanceMetadataDefaultsInput{
			HttpTokens: types.MetadataDefaultHttpTokensStateRequired,
		}))
		md := must[*ec2sdk.GetInstanceMetadataDefaultsOutput](t, "GetInstanceMetadataDefaults")(c.GetInstanceMetadataDefaults(ctx, &ec2sdk.GetInstanceMetadataDefaultsInput{}))
		if md.AccountLevel == nil || md.AccountLevel.HttpTokens != types.HttpTokensStateRequired {
			t.Errorf("GetInstanceMetadataDefaults %+v", md.AccountLevel)
		}
		must[*ec2sdk.ModifyInstanceMetadataDefaultsOutput](t, "ModifyInstanceMetadataDefaults")(c.ModifyInstanceMetadataDefaults(ctx, &ec2sdk.ModifyInstanceMetadataDefaultsInput{
			HttpTokens: types.MetadataDefaultHttpTokensStateNoPreference,
		}))
	})

	t.Run("key pairs", func(t *testing.T) {
		kp := must[*ec2sdk.CreateKeyPairOutput](t, "CreateKeyPair")(c.CreateKeyPair(ctx, &ec2sdk.CreateKeyPairInput{
			KeyName: aws.String("deploy"), KeyType: types.KeyTypeEd25519, TagSpecifications: tagSpec(types.ResourceTypeKeyPair, "team", "web"),
		}))
		keyID := checkID(t, "key", kp.KeyPairId)
		if !strings.HasPrefix(aws.ToString(kp.KeyMaterial), "-----BEGIN OPENSSH PRIVATE KEY-----") || !strings.HasSuffix(aws.ToString(kp.KeyFingerprint), "=") ||
			tagMap(kp.Tags)["team"] != "web" {
			t.Errorf("CreateKeyPair ed25519 %+v", kp)
		}
		_, err := c.CreateKeyPair(ctx, &ec2sdk.CreateKeyPairInput{KeyName: aws.String("deploy")})
		wantCode(t, "CreateKeyPair of a taken name", err, "InvalidKeyPair.Duplicate")
		imp := must[*ec2sdk.ImportKeyPairOutput](t, "ImportKeyPair")(c.ImportKeyPair(ctx, &ec2sdk.ImportKeyPairInput{
			KeyName:           aws.String("laptop"),
			PublicKeyMaterial: []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEQDfjFU0/v0NgAYZNphaqXa/pLeuuu+j4pb9mXK155h bob"),
		}))
		if aws.ToString(imp.KeyFingerprint) != "NYS8si+OMb2C/89VOIr3vozn0ucJa5hIOIO9w2a/Nic=" {
			t.Errorf("ImportKeyPair fingerprint %q, want ssh-keygen -l's SHA256 padded", aws.ToString(imp.KeyFingerprint))
		}
		_, err = c.ImportKeyPair(ctx, &ec2sdk.ImportKeyPairInput{KeyName: aws.String("bad"), PublicKeyMaterial: []byte("ssh-rsa nope")})
		wantCode(t, "ImportKeyPair of a bad key", err, "InvalidKeyPair.Format")
		d := must[*ec2sdk.DescribeKeyPairsOutput](t, "DescribeKeyPairs")(c.DescribeKeyPairs(ctx, &ec2sdk.DescribeKeyPairsInput{
			Filters: []types.Filter{filter("tag:team", "web")}, IncludePublicKey: aws.Bool(true),
		}))
		if len(d.KeyPairs) != 1 || aws.ToString(d.KeyPairs[0].KeyPairId) != keyID || d.KeyPairs[0].KeyType != types.KeyTypeEd25519 ||
			!strings.HasPrefix(aws.ToString(d.KeyPairs[0].PublicKey), "ssh-ed25519 ") || d.KeyPairs[0].CreateTime == nil {
			t.Errorf("DescribeKeyPairs tag:team=web %+v", d.KeyPairs)
		}
		_, err = c.DescribeKeyPairs(ctx, &ec2sdk.DescribeKeyPairsInput{KeyNames: []string{"missing"}})
		wantCode(t, "DescribeKeyPairs of a missing name", err, "InvalidKeyPair.NotFound")
		_, err = c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: aws.String(subnetID), KeyName: aws.String("missing")})
		wantCode(t, "RunInstances with a missing key pair", err, "InvalidKeyPair.NotFound")
		run := must[*ec2sdk.RunInstancesOutput](t, "RunInstances")(c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"),
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnetID), KeyName: aws.String("laptop")}))
		keyed := aws.ToString(run.Instances[0].InstanceId)
		di := must[*ec2sdk.DescribeInstancesOutput](t, "DescribeInstances")(c.DescribeInstances(ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{keyed}}))
		if got := aws.ToString(di.Reservations[0].Instances[0].KeyName); got != "laptop" {
			t.Errorf("DescribeInstances KeyName %q, want laptop", got)
		}
		must[*ec2sdk.TerminateInstancesOutput](t, "TerminateInstances")(c.TerminateInstances(ctx, &ec2sdk.TerminateInstancesInput{InstanceIds: []string{keyed}}))
		del := must[*ec2sdk.DeleteKeyPairOutput](t, "DeleteKeyPair")(c.DeleteKeyPair(ctx, &ec2sdk.DeleteKeyPairInput{KeyPairId: aws.String(keyID)}))
		if !aws.ToBool(del.Return) || aws.ToString(del.KeyPairId) != keyID {
			t.Errorf("DeleteKeyPair %+v", del)
		}
		must[*ec2sdk.DeleteKeyPairOutput](t, "DeleteKeyPair")(c.DeleteKeyPair(ctx, &ec2sdk.DeleteKeyPairInput{KeyName: aws.String("laptop")}))
		// As on AWS, deleting a key pair that is not there answers true.
		must[*ec2sdk.DeleteKeyPairOutput](t, "DeleteKeyPair")(c.DeleteKeyPair(ctx, &ec2sdk.DeleteKeyPairInput{KeyName: aws.String("laptop")}))
	})

	t.Run("launch templates", func(t *testing.T) {
		lt := must[*ec2sdk.CreateLaunchTemplateOutput](t, "CreateLaunchTemplate")(c.CreateLaunchTemplate(ctx, &ec2sdk.CreateLaunchTemplateInput{
			LaunchTemplateName: aws.String("web"), VersionDescription: aws.String("first"),
			LaunchTemplateData: &types.RequestLaunchTemplateData{
				ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro, SecurityGroupIds: []string{sgID},
				TagSpecifications: []types.LaunchTemplateTagSpecificationRequest{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("from-lt")}}}},
			},
			TagSpecifications: tagSpec(types.ResourceTypeLaunchTemplate, "team", "web"),
		})).LaunchTemplate
		ltID := checkID(t, "lt", lt.LaunchTemplateId)
		if aws.ToInt64(lt.DefaultVersionNumber) != 1 || aws.ToInt64(lt.LatestVersionNumber) != 1 || tagMap(lt.Tags)["team"] != "web" {
			t.Errorf("CreateLaunchTemplate %+v", lt)
		}
		_, err := c.CreateLaunchTemplate(ctx, &ec2sdk.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String("ami-12345678")}})
		wantCode(t, "CreateLaunchTemplate of a taken name", err, "InvalidLaunchTemplateName.AlreadyExistsException")
		v2 := must[*ec2sdk.CreateLaunchTemplateVersionOutput](t, "CreateLaunchTemplateVersion")(c.CreateLaunchTemplateVersion(ctx, &ec2sdk.CreateLaunchTemplateVersionInput{
			LaunchTemplateId: aws.String(ltID), SourceVersion: aws.String("1"), LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Small},
		})).LaunchTemplateVersion
		if aws.ToInt64(v2.VersionNumber) != 2 || v2.LaunchTemplateData.InstanceType != types.InstanceTypeT3Small || aws.ToString(v2.LaunchTemplateData.ImageId) != "ami-12345678" {
			t.Errorf("CreateLaunchTemplateVersion %+v", v2)
		}
		mod := must[*ec2sdk.ModifyLaunchTemplateOutput](t, "ModifyLaunchTemplate")(c.ModifyLaunchTemplate(ctx, &ec2sdk.ModifyLaunchTemplateInput{
			LaunchTemplateName: aws.String("web"), DefaultVersion: aws.String("2"),
		}))
		if aws.ToInt64(mod.LaunchTemplate.DefaultVersionNumber) != 2 {
			t.Errorf("ModifyLaunchTemplate %+v", mod.LaunchTemplate)
		}
		dl := must[*ec2sdk.DescribeLaunchTemplatesOutput](t, "DescribeLaunchTemplates")(c.DescribeLaunchTemplates(ctx, &ec2sdk.DescribeLaunchTemplatesInput{
			Filters: []types.Filter{filter("tag:team", "web")},
		}))
		if len(dl.LaunchTemplates) != 1 || aws.ToString(dl.LaunchTemplates[0].LaunchTemplateId) != ltID {
			t.Errorf("DescribeLaunchTemplates %+v", dl.LaunchTemplates)
		}
		dv := must[*ec2sdk.DescribeLaunchTemplateVersionsOutput](t, "DescribeLaunchTemplateVersions")(c.DescribeLaunchTemplateVersions(ctx, &ec2sdk.DescribeLaunchTemplateVersionsInput{
			LaunchTemplateId: aws.String(ltID), Versions: []string{"$Default"},
		}))
		if len(dv.LaunchTemplateVersions) != 1 || !aws.ToBool(dv.LaunchTemplateVersions[0].DefaultVersion) || aws.ToInt64(dv.LaunchTemplateVersions[0].VersionNumber) != 2 {
			t.Errorf("DescribeLaunchTemplateVersions $Default %+v", dv.LaunchTemplateVersions)
		}
		_, err = c.DescribeLaunchTemplateVersions(ctx, &ec2sdk.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(ltID), Versions: []string{"9"}})
		wantCode(t, "DescribeLaunchTemplateVersions of a missing version", err, "InvalidLaunchTemplateId.VersionNotFound")

		run := must[*ec2sdk.RunInstancesOutput](t, "RunInstances")(c.RunInstances(ctx, &ec2sdk.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: aws.String(subnetID), LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("web")}}))
		got := run.Instances[0]
		if got.InstanceType != types.InstanceTypeT3Small || aws.ToString(got.ImageId) != "ami-12345678" || tagMap(got.Tags)["Name"] != "from-lt" ||
			tagMap(got.Tags)["aws:ec2launchtemplate:id"] != ltID || len(got.SecurityGroups) != 1 || aws.ToString(got.SecurityGroups[0].GroupId) != sgID {
			t.Errorf("RunInstances from the template's default version %+v", got)
		}
		_, err = c.RunInstances(ctx, &ec2sdk.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-0123456789abcdef0")}})
		wantCode(t, "RunInstances from a missing template", err, "InvalidLaunchTemplateId.NotFound")
		must[*ec2sdk.TerminateInstancesOutput](t, "TerminateInstances")(c.TerminateInstances(ctx, &ec2sdk.TerminateInstancesInput{InstanceIds: []string{aws.ToString(got.InstanceId)}}))

		dlv := must[*ec2sdk.DeleteLaunchTemplateVersionsOutput](t, "DeleteLaunchTemplateVersions")(c.DeleteLaunchTemplateVersions(ctx, &ec2sdk.DeleteLaunchTemplateVersionsInput{
			LaunchTemplateId: aws.String(ltID), Versions: []string{"1", "2"},
		}))
		if len(dlv.SuccessfullyDeletedLaunchTemplateVersions) != 1 || len(dlv.UnsuccessfullyDeletedLaunchTemplateVersions) != 1 ||
			aws.ToInt64(dlv.UnsuccessfullyDeletedLaunchTemplateVersions[0].VersionNumber) != 2 {
			t.Errorf("DeleteLaunchTemplateVersions 1 and the default 2: %+v", dlv)
		}
		del := must[*ec2sdk.DeleteLaunchTemplateOutput](t, "DeleteLaunchTemplate")(c.DeleteLaunchTemplate(ctx, &ec2sdk.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(ltID)}))
		if aws.ToString(del.LaunchTemplate.LaunchTemplateName) != "web" {
			t.Errorf("DeleteLaunchTemplate %+v", del.LaunchTemplate)
		}
	})

	t.Run("nat gateways", func(t *testing.T) {
		eip := must[*ec2sdk.AllocateAddressOutput](t, "AllocateAddress")(c.AllocateAddress(ctx, &ec2sdk.AllocateAddressInput{}))
		in := &ec2sdk.CreateNatGatewayInput{SubnetId: aws.String(subnetID), AllocationId: eip.AllocationId, ClientToken: aws.String("nat-token-1"),
			TagSpecifications: tagSpec(types.ResourceTypeNatgateway, "Name", "egress")}
		created := must[*ec2sdk.CreateNatGatewayOutput](t, "CreateNatGateway")(c.CreateNatGateway(ctx, in)).NatGateway
		natID := checkID(t, "nat", created.NatGatewayId)
		if created.State != types.NatGatewayStatePending || created.ConnectivityType != types.ConnectivityTypePublic ||
			aws.ToString(created.VpcId) != vpcID || tagMap(created.Tags)["Name"] != "egress" || len(created.NatGatewayAddresses) != 1 ||
			aws.ToString(created.NatGatewayAddresses[0].PublicIp) != aws.ToString(eip.PublicIp) || !aws.ToBool(created.NatGatewayAddresses[0].IsPrimary) {
			t.Errorf("CreateNatGateway %+v", created)
		}
		again := must[*ec2sdk.CreateNatGatewayOutput](t, "CreateNatGateway")(c.CreateNatGateway(ctx, in)).NatGateway
		if aws.ToString(again.NatGatewayId) != natID {
			t.Errorf("the same ClientToken made %s, want %s", aws.ToString(again.NatGatewayId), natID)
		}
		w := ec2sdk.NewNatGatewayAvailableWaiter(c, func(o *ec2sdk.NatGatewayAvailableWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
		if err := w.Wait(ctx, &ec2sdk.DescribeNatGatewaysInput{NatGatewayIds: []string{natID}}, time.Minute); err != nil {
			t.Fatalf("NatGatewayAvailable: %v", err)
		}
		found := must[*ec2sdk.DescribeNatGatewaysOutput](t, "DescribeNatGateways")(c.DescribeNatGateways(ctx, &ec2sdk.DescribeNatGatewaysInput{
			Filter: []types.Filter{filter("subnet-id", subnetID), filter("state", "available"), filter("tag:Name", "egress")},
		}))
		if len(found.NatGateways) != 1 || aws.ToString(found.NatGateways[0].NatGatewayId) != natID {
			t.Errorf("DescribeNatGateways by subnet, state and tag %+v", found.NatGateways)
		}
		_, err := c.DescribeNatGateways(ctx, &ec2sdk.DescribeNatGatewaysInput{NatGatewayIds: []string{"nat-0123456789abcdef0"}})
		wantCode(t, "DescribeNatGateways of a missing gateway", err, "NatGatewayNotFound")
		rtb := must[*ec2sdk.CreateRouteTableOutput](t, "CreateRouteTable")(c.CreateRouteTable(ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpcID)})).RouteTable
		must[*ec2sdk.CreateRouteOutput](t, "CreateRoute")(c.CreateRoute(ctx, &ec2sdk.CreateRouteInput{RouteTableId: rtb.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(natID)}))
		del := must[*ec2sdk.DeleteNatGatewayOutput](t, "DeleteNatGateway")(c.DeleteNatGateway(ctx, &ec2sdk.DeleteNatGatewayInput{NatGatewayId: aws.String(natID)}))
		if aws.ToString(del.NatGatewayId) != natID {
			t.Errorf("DeleteNatGateway answered %q", aws.ToString(del.NatGatewayId))
		}
		dw := ec2sdk.NewNatGatewayDeletedWaiter(c, func(o *ec2sdk.NatGatewayDeletedWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
		if err := dw.Wait(ctx, &ec2sdk.DescribeNatGatewaysInput{NatGatewayIds: []string{natID}}, time.Minute); err != nil {
			t.Fatalf("NatGatewayDeleted: %v", err)
		}
		routes := must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{aws.ToString(rtb.RouteTableId)}}))
		for _, r := range routes.RouteTables[0].Routes {
			if aws.ToString(r.NatGatewayId) == natID && r.State != types.RouteStateBlackhole {
				t.Errorf("route to a deleted NAT gateway is %s", r.State)
			}
		}
		must[*ec2sdk.DeleteRouteTableOutput](t, "DeleteRouteTable")(c.DeleteRouteTable(ctx, &ec2sdk.DeleteRouteTableInput{RouteTableId: rtb.RouteTableId}))
		must[*ec2sdk.ReleaseAddressOutput](t, "ReleaseAddress")(c.ReleaseAddress(ctx, &ec2sdk.ReleaseAddressInput{AllocationId: eip.AllocationId}))
	})

	t.Run("regional nat gateways", func(t *testing.T) {
		eip := must[*ec2sdk.AllocateAddressOutput](t, "AllocateAddress")(c.AllocateAddress(ctx, &ec2sdk.AllocateAddressInput{}))
		more := must[*ec2sdk.AllocateAddressOutput](t, "AllocateAddress")(c.AllocateAddress(ctx, &ec2sdk.AllocateAddressInput{}))
		created := must[*ec2sdk.CreateNatGatewayOutput](t, "CreateNatGateway")(c.CreateNatGateway(ctx, &ec2sdk.CreateNatGatewayInput{
			VpcId: aws.String(vpcID), AvailabilityMode: types.AvailabilityModeRegional,
			AvailabilityZoneAddresses: []types.AvailabilityZoneAddress{{AvailabilityZone: aws.String("us-east-1a"), AllocationIds: []string{aws.ToString(eip.AllocationId)}}},
		})).NatGateway
		natID := checkID(t, "nat", created.NatGatewayId)
		if created.AvailabilityMode != types.AvailabilityModeRegional || created.SubnetId != nil || created.AutoProvisionZones != types.AutoProvisionZonesStateDisabled ||
			aws.ToString(created.RouteTableId) == "" || len(created.NatGatewayAddresses) != 1 || aws.ToString(created.NatGatewayAddresses[0].AvailabilityZone) != "us-east-1a" {
			t.Errorf("CreateNatGateway regional %+v", created)
		}
		w := ec2sdk.NewNatGatewayAvailableWaiter(c, func(o *ec2sdk.NatGatewayAvailableWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
		if err := w.Wait(ctx, &ec2sdk.DescribeNatGatewaysInput{NatGatewayIds: []string{natID}}, time.Minute); err != nil {
			t.Fatalf("NatGatewayAvailable: %v", err)
		}
		added := must[*ec2sdk.AssociateNatGatewayAddressOutput](t, "AssociateNatGatewayAddress")(c.AssociateNatGatewayAddress(ctx, &ec2sdk.AssociateNatGatewayAddressInput{
			NatGatewayId: aws.String(natID), AllocationIds: []string{aws.ToString(more.AllocationId)}, AvailabilityZone: aws.String("us-east-1b"),
		}))
		if len(added.NatGatewayAddresses) != 1 || aws.ToString(added.NatGatewayAddresses[0].PublicIp) != aws.ToString(more.PublicIp) {
			t.Errorf("AssociateNatGatewayAddress %+v", added)
		}
		gone := must[*ec2sdk.DisassociateNatGatewayAddressOutput](t, "DisassociateNatGatewayAddress")(c.DisassociateNatGatewayAddress(ctx, &ec2sdk.DisassociateNatGatewayAddressInput{
			NatGatewayId: aws.String(natID), AssociationIds: []string{aws.ToString(added.NatGatewayAddresses[0].AssociationId)},
		}))
		if aws.ToString(gone.NatGatewayId) != natID || len(gone.NatGatewayAddresses) != 1 {
			t.Errorf("DisassociateNatGatewayAddress %+v", gone)
		}
		must[*ec2sdk.DeleteNatGatewayOutput](t, "DeleteNatGateway")(c.DeleteNatGateway(ctx, &ec2sdk.DeleteNatGatewayInput{NatGatewayId: aws.String(natID)}))
		for _, a := range []*ec2sdk.AllocateAddressOutput{eip, more} {
			must[*ec2sdk.ReleaseAddressOutput](t, "ReleaseAddress")(c.ReleaseAddress(ctx, &ec2sdk.ReleaseAddressInput{AllocationId: a.AllocationId}))
		}
	})

	t.Run("flow logs", func(t *testing.T) {
		created := must[*ec2sdk.CreateFlowLogsOutput](t, "CreateFlowLogs")(c.CreateFlowLogs(ctx, &ec2sdk.CreateFlowLogsInput{
			ResourceType: types.FlowLogsResourceTypeVpc, ResourceIds: []string{vpcID, "vpc-0123456789abcdef0"}, TrafficType: types.TrafficTypeAll,
			LogDestinationType: types.LogDestinationTypeCloudWatchLogs, LogGroupName: aws.String("/aws/vpc/flowlogs"),
			DeliverLogsPermissionArn: aws.String("arn:aws:iam::123456789012:role/flow-logs"), TagSpecifications: tagSpec(types.ResourceTypeVpcFlowLog, "Name", "all"),
		}))
		if len(created.FlowLogIds) != 1 || len(created.Unsuccessful) != 1 || aws.ToString(created.Unsuccessful[0].Error.Code) != "InvalidVpcID.NotFound" {
			t.Fatalf("CreateFlowLogs: %+v", created)
		}
		id := checkID(t, "fl", &created.FlowLogIds[0])
		list := must[*ec2sdk.DescribeFlowLogsOutput](t, "DescribeFlowLogs")(c.DescribeFlowLogs(ctx, &ec2sdk.DescribeFlowLogsInput{Filter: []types.Filter{filter("resource-id", vpcID)}}))
		if len(list.FlowLogs) != 1 || aws.ToString(list.FlowLogs[0].FlowLogId) != id || aws.ToInt32(list.FlowLogs[0].MaxAggregationInterval) != 600 ||
			aws.ToString(list.FlowLogs[0].LogDestination) != "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flowlogs" || tagMap(list.FlowLogs[0].Tags)["Name"] != "all" {
			t.Errorf("DescribeFlowLogs: %+v", list.FlowLogs)
		}
		deleted := must[*ec2sdk.DeleteFlowLogsOutput](t, "DeleteFlowLogs")(c.DeleteFlowLogs(ctx, &ec2sdk.DeleteFlowLogsInput{FlowLogIds: []string{id}}))
		if len(deleted.Unsuccessful) != 0 {
			t.Errorf("DeleteFlowLogs: %+v", deleted.Unsuccessful)
		}
	})

	t.Run("vpc endpoints", func(t *testing.T) {
		services := must[*ec2sdk.DescribeVpcEndpointServicesOutput](t, "DescribeVpcEndpointServices")(c.DescribeVpcEndpointServices(ctx, &ec2sdk.DescribeVpcEndpointServicesInput{
			ServiceNames: []string{"com.amazonaws.us-east-1.s3"}, Filters: []types.Filter{filter("service-type", "Gateway")}}))
		if len(services.ServiceDetails) != 1 || len(services.ServiceNames) != 1 || services.ServiceDetails[0].ServiceType[0].ServiceType != types.ServiceTypeGateway ||
			aws.ToString(services.ServiceDetails[0].Owner) != "amazon" || len(services.ServiceDetails[0].AvailabilityZones) == 0 || !aws.ToBool(services.ServiceDetails[0].VpcEndpointPolicySupported) {
			t.Fatalf("DescribeVpcEndpointServices: %+v", services)
		}
		pls := must[*ec2sdk.DescribePrefixListsOutput](t, "DescribePrefixLists")(c.DescribePrefixLists(ctx, &ec2sdk.DescribePrefixListsInput{Filters: []types.Filter{filter("prefix-list-name", "com.amazonaws.us-east-1.s3")}}))
		if len(pls.PrefixLists) != 1 || len(pls.PrefixLists[0].Cidrs) == 0 {
			t.Fatalf("DescribePrefixLists: %+v", pls.PrefixLists)
		}
		rtb := must[*ec2sdk.CreateRouteTableOutput](t, "CreateRouteTable")(c.CreateRouteTable(ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpcID)}))
		created := must[*ec2sdk.CreateVpcEndpointOutput](t, "CreateVpcEndpoint")(c.CreateVpcEndpoint(ctx, &ec2sdk.CreateVpcEndpointInput{
			VpcId: aws.String(vpcID), ServiceName: aws.String("com.amazonaws.us-east-1.s3"), VpcEndpointType: types.VpcEndpointTypeGateway,
			RouteTableIds: []string{aws.ToString(rtb.RouteTable.RouteTableId)}, TagSpecifications: tagSpec(types.ResourceTypeVpcEndpoint, "Name", "s3"),
		}))
		id := checkID(t, "vpce", created.VpcEndpoint.VpcEndpointId)
		// AWS answers the state in lower case ("available"), which the SDK's enum spells "Available".
		if created.VpcEndpoint.State != "available" || len(created.VpcEndpoint.RouteTableIds) != 1 || tagMap(created.VpcEndpoint.Tags)["Name"] != "s3" {
			t.Errorf("CreateVpcEndpoint: %+v", created.VpcEndpoint)
		}
		routes := must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{aws.ToString(rtb.RouteTable.RouteTableId)}}))
		found := false
		for _, r := range routes.RouteTables[0].Routes {
			if aws.ToString(r.GatewayId) == id {
				found = aws.ToString(r.DestinationPrefixListId) == aws.ToString(pls.PrefixLists[0].PrefixListId) && r.State == types.RouteStateActive && r.Origin == types.RouteOriginCreateRoute
			}
		}
		if !found {
			t.Errorf("no active prefix-list route to %s: %+v", id, routes.RouteTables[0].Routes)
		}
		must[*ec2sdk.ModifyVpcEndpointOutput](t, "ModifyVpcEndpoint")(c.ModifyVpcEndpoint(ctx, &ec2sdk.ModifyVpcEndpointInput{
			VpcEndpointId: aws.String(id), RemoveRouteTableIds: []string{aws.ToString(rtb.RouteTable.RouteTableId)}, ResetPolicy: aws.Bool(true)}))
		list := must[*ec2sdk.DescribeVpcEndpointsOutput](t, "DescribeVpcEndpoints")(c.DescribeVpcEndpoints(ctx, &ec2sdk.DescribeVpcEndpointsInput{Filters: []types.Filter{filter("vpc-id", vpcID)}}))
		if len(list.VpcEndpoints) != 1 || len(list.VpcEndpoints[0].RouteTableIds) != 0 || list.VpcEndpoints[0].VpcEndpointType != types.VpcEndpointTypeGateway ||
			!strings.Contains(aws.ToString(list.VpcEndpoints[0].PolicyDocument), `"Effect":"Allow"`) {
			t.Errorf("DescribeVpcEndpoints: %+v", list.VpcEndpoints)
		}
		deleted := must[*ec2sdk.DeleteVpcEndpointsOutput](t, "DeleteVpcEndpoints")(c.DeleteVpcEndpoints(ctx, &ec2sdk.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}}))
		if len(deleted.Unsuccessful) != 0 {
			t.Errorf("DeleteVpcEndpoints: %+v", deleted.Unsuccessful)
		}
		must[*ec2sdk.DeleteRouteTableOutput](t, "DeleteRouteTable")(c.DeleteRouteTable(ctx, &ec2sdk.DeleteRouteTableInput{RouteTableId: rtb.RouteTable.RouteTableId}))
	})

	t.Run("interface endpoints", func(t *testing.T) {
		created := must[*ec2sdk.CreateVpcEndpointOutput](t, "CreateVpcEndpoint")(c.CreateVpcEndpoint(ctx, &ec2sdk.CreateVpcEndpointInput{
			VpcId: aws.String(vpcID), ServiceName: aws.String("com.amazonaws.us-east-1.sts"), VpcEndpointType: types.VpcEndpointTypeInterface,
			SubnetIds: []string{subnetID}, SecurityGroupIds: []string{sgID}, PrivateDnsEnabled: aws.Bool(false), IpAddressType: types.IpAddressTypeIpv4,
			DnsOptions: &types.DnsOptionsSpecification{DnsRecordIpType: types.DnsRecordIpTypeIpv4},
		}))
		e := created.VpcEndpoint
		id := checkID(t, "vpce", e.VpcEndpointId)
		if e.VpcEndpointType != types.VpcEndpointTypeInterface || aws.ToBool(e.PrivateDnsEnabled) || len(e.NetworkInterfaceIds) != 1 || len(e.SubnetIds) != 1 ||
			len(e.Groups) != 1 || aws.ToString(e.Groups[0].GroupId) != sgID || len(e.DnsEntries) != 2 || e.DnsOptions == nil || e.DnsOptions.DnsRecordIpType != types.DnsRecordIpTypeIpv4 ||
			!strings.HasSuffix(aws.ToString(e.DnsEntries[0].DnsName), ".sts.us-east-1.vpce.amazonaws.com") {
			t.Fatalf("CreateVpcEndpoint: %+v", e)
		}
		enis := must[*ec2sdk.DescribeNetworkInterfacesOutput](t, "DescribeNetworkInterfaces")(c.DescribeNetworkInterfaces(ctx, &ec2sdk.DescribeNetworkInterfacesInput{
			Filters: []types.Filter{filter("interface-type", "vpc_endpoint"), filter("vpc-id", vpcID)}}))
		if len(enis.NetworkInterfaces) != 1 || aws.ToString(enis.NetworkInterfaces[0].NetworkInterfaceId) != e.NetworkInterfaceIds[0] ||
			!aws.ToBool(enis.NetworkInterfaces[0].RequesterManaged) || aws.ToString(enis.NetworkInterfaces[0].Description) != "VPC Endpoint Interface "+id {
			t.Errorf("DescribeNetworkInterfaces: %+v", enis.NetworkInterfaces)
		}
		must[*ec2sdk.ModifyVpcEndpointOutput](t, "ModifyVpcEndpoint")(c.ModifyVpcEndpoint(ctx, &ec2sdk.ModifyVpcEndpointInput{VpcEndpointId: aws.String(id), PrivateDnsEnabled: aws.Bool(true)}))
		_, err := c.CreateVpcEndpoint(ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(vpcID), ServiceName: aws.String("com.amazonaws.us-east-1.sts"),
			VpcEndpointType: types.VpcEndpointTypeInterface, SubnetIds: []string{subnetID}})
		wantCode(t, "a second endpoint with private DNS for sts", err, "InvalidParameter")
		g := must[*ec2sdk.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{
			VpcId: aws.String(vpcID), GroupName: aws.String("sts-endpoint"), Description: aws.String("sts endpoint")}))
		must[*ec2sdk.ModifyVpcEndpointOutput](t, "ModifyVpcEndpoint")(c.ModifyVpcEndpoint(ctx, &ec2sdk.ModifyVpcEndpointInput{
			VpcEndpointId: aws.String(id), AddSecurityGroupIds: []string{aws.ToString(g.GroupId)}, RemoveSecurityGroupIds: []string{sgID}, RemoveSubnetIds: []string{subnetID}}))
		list := must[*ec2sdk.DescribeVpcEndpointsOutput](t, "DescribeVpcEndpoints")(c.DescribeVpcEndpoints(ctx, &ec2sdk.DescribeVpcEndpointsInput{
			Filters: []types.Filter{filter("vpc-endpoint-type", "Interface"), filter("vpc-id", vpcID)}}))
		if len(list.VpcEndpoints) != 1 || len(list.VpcEndpoints[0].SubnetIds) != 0 || len(list.VpcEndpoints[0].NetworkInterfaceIds) != 0 ||
			len(list.VpcEndpoints[0].Groups) != 1 || aws.ToString(list.VpcEndpoints[0].Groups[0].GroupName) != "sts-endpoint" || !aws.ToBool(list.VpcEndpoints[0].PrivateDnsEnabled) ||
			aws.ToString(list.VpcEndpoints[0].DnsEntries[len(list.VpcEndpoints[0].DnsEntries)-1].DnsName) != "sts.us-east-1.amazonaws.com" {
			t.Errorf("DescribeVpcEndpoints: %+v", list.VpcEndpoints)
		}
		deleted := must[*ec2sdk.DeleteVpcEndpointsOutput](t, "DeleteVpcEndpoints")(c.DeleteVpcEndpoints(ctx, &ec2sdk.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}}))
		if len(deleted.Unsuccessful) != 0 {
			t.Errorf("DeleteVpcEndpoints: %+v", deleted.Unsuccessful)
		}
		must[*ec2sdk.DeleteSecurityGroupOutput](t, "DeleteSecurityGroup")(c.DeleteSecurityGroup(ctx, &ec2sdk.DeleteSecurityGroupInput{GroupId: g.GroupId}))
	})

	t.Run("teardown", func(t *testing.T) {
		_, err := c.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(vpcID)})
		wantCode(t, "DeleteVpc with subnets and gateways", err, "DependencyViolation")
		_, err = c.DeleteSecurityGroup(ctx, &ec2sdk.DeleteSecurityGroupInput{GroupId: aws.String(sgID)})
		wantCode(t, "DeleteSecurityGroup in use by an instance", err, "DependencyViolation")

		term := must[*ec2sdk.TerminateInstancesOutput](t, "TerminateInstances")(c.TerminateInstances(ctx, &ec2sdk.TerminateInstancesInput{InstanceIds: []string{instID}}))
		if len(term.TerminatingInstances) != 1 || term.TerminatingInstances[0].CurrentState.Name != types.InstanceStateNameShuttingDown {
			t.Errorf("TerminateInstances %+v", term.TerminatingInstances)
		}

		// A second table takes over the subnet, then lets it go back to the main table.
		rtb2 := aws.ToString(must[*ec2sdk.CreateRouteTableOutput](t, "CreateRouteTable")(c.CreateRouteTable(ctx, &ec2sdk.CreateRouteTableInput{VpcId: aws.String(vpcID)})).RouteTable.RouteTableId)
		rep := must[*ec2sdk.ReplaceRouteTableAssociationOutput](t, "ReplaceRouteTableAssociation")(c.ReplaceRouteTableAssociation(ctx, &ec2sdk.ReplaceRouteTableAssociationInput{
			AssociationId: aws.String(assocID), RouteTableId: aws.String(rtb2),
		}))
		newAssoc := checkID(t, "rtbassoc", rep.NewAssociationId)
		if newAssoc == assocID || rep.AssociationState == nil || rep.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
			t.Errorf("ReplaceRouteTableAssociation %+v", rep)
		}
		must[*ec2sdk.DisassociateRouteTableOutput](t, "DisassociateRouteTable")(c.DisassociateRouteTable(ctx, &ec2sdk.DisassociateRouteTableInput{AssociationId: aws.String(newAssoc)}))
		must[*ec2sdk.DeleteRouteTableOutput](t, "DeleteRouteTable")(c.DeleteRouteTable(ctx, &ec2sdk.DeleteRouteTableInput{RouteTableId: aws.String(rtb2)}))
		_, err = c.DeleteRouteTable(ctx, &ec2sdk.DeleteRouteTableInput{RouteTableId: aws.String(mainRtb)})
		wantCode(t, "DeleteRouteTable of the main table", err, "DependencyViolation")

		must[*ec2sdk.DeleteRouteOutput](t, "DeleteRoute")(c.DeleteRoute(ctx, &ec2sdk.DeleteRouteInput{RouteTableId: aws.String(rtbID), DestinationIpv6CidrBlock: aws.String("::/0")}))
		must[*ec2sdk.DeleteRouteOutput](t, "DeleteRoute")(c.DeleteRoute(ctx, &ec2sdk.DeleteRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0")}))
		must[*ec2sdk.DeleteRouteTableOutput](t, "DeleteRouteTable")(c.DeleteRouteTable(ctx, &ec2sdk.DeleteRouteTableInput{RouteTableId: aws.String(rtbID)}))

		rev := must[*ec2sdk.RevokeSecurityGroupIngressOutput](t, "RevokeSecurityGroupIngress")(c.RevokeSecurityGroupIngress(ctx, &ec2sdk.RevokeSecurityGroupIngressInput{
			GroupId: aws.String(sgID), SecurityGroupRuleIds: []string{httpsRule, sshRule},
		}))
		if !aws.ToBool(rev.Return) || len(rev.UnknownIpPermissions) != 0 {
			t.Errorf("RevokeSecurityGroupIngress %+v", rev)
		}
		must[*ec2sdk.RevokeSecurityGroupEgressOutput](t, "RevokeSecurityGroupEgress")(c.RevokeSecurityGroupEgress(ctx, &ec2sdk.RevokeSecurityGroupEgressInput{
			GroupId: aws.String(sgID),
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
				IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}},
		}))
		del := must[*ec2sdk.DeleteSecurityGroupOutput](t, "DeleteSecurityGroup")(c.DeleteSecurityGroup(ctx, &ec2sdk.DeleteSecurityGroupInput{GroupId: aws.String(sgID)}))
		if !aws.ToBool(del.Return) || aws.ToString(del.GroupId) != sgID {
			t.Errorf("DeleteSecurityGroup %+v", del)
		}

		must[*ec2sdk.DeleteEgressOnlyInternetGatewayOutput](t, "DeleteEgressOnlyInternetGateway")(c.DeleteEgressOnlyInternetGateway(ctx, &ec2sdk.DeleteEgressOnlyInternetGatewayInput{
			EgressOnlyInternetGatewayId: aws.String(eigwID),
		}))
		_, err = c.DeleteInternetGateway(ctx, &ec2sdk.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igwID)})
		wantCode(t, "DeleteInternetGateway while attached", err, "DependencyViolation")
		must[*ec2sdk.DetachInternetGatewayOutput](t, "DetachInternetGateway")(c.DetachInternetGateway(ctx, &ec2sdk.DetachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)}))
		must[*ec2sdk.DeleteInternetGatewayOutput](t, "DeleteInternetGateway")(c.DeleteInternetGateway(ctx, &ec2sdk.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igwID)}))
		must[*ec2sdk.DeleteSubnetOutput](t, "DeleteSubnet")(c.DeleteSubnet(ctx, &ec2sdk.DeleteSubnetInput{SubnetId: aws.String(subnetID)}))
		must[*ec2sdk.DeleteVpcOutput](t, "DeleteVpc")(c.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(vpcID)}))
		_, err = c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{vpcID}})
		wantCode(t, "DescribeVpcs of a deleted VPC", err, "InvalidVpcID.NotFound")
	})

	t.Run("block public access and IPv6 addresses", func(t *testing.T) {
		vpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.77.0.0/16"), AmazonProvidedIpv6CidrBlock: aws.Bool(true)}))
		block := aws.ToString(vpc.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)
		sub := must[*ec2sdk.CreateSubnetOutput](t, "CreateSubnet")(c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.77.1.0/24"),
			Ipv6CidrBlock: aws.String(strings.TrimSuffix(block, "/56") + "/64")}))
		eni := must[*ec2sdk.CreateNetworkInterfaceOutput](t, "CreateNetworkInterface")(c.CreateNetworkInterface(ctx, &ec2sdk.CreateNetworkInterfaceInput{SubnetId: sub.Subnet.SubnetId}))
		assigned := must[*ec2sdk.AssignIpv6AddressesOutput](t, "AssignIpv6Addresses")(c.AssignIpv6Addresses(ctx, &ec2sdk.AssignIpv6AddressesInput{
			NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, Ipv6AddressCount: aws.Int32(1)}))
		if len(assigned.AssignedIpv6Addresses) != 1 {
			t.Fatalf("AssignIpv6Addresses %+v", assigned)
		}
		must[*ec2sdk.UnassignIpv6AddressesOutput](t, "UnassignIpv6Addresses")(c.UnassignIpv6Addresses(ctx, &ec2sdk.UnassignIpv6AddressesInput{
			NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, Ipv6Addresses: assigned.AssignedIpv6Addresses}))

		opts := must[*ec2sdk.DescribeVpcBlockPublicAccessOptionsOutput](t, "DescribeVpcBlockPublicAccessOptions")(c.DescribeVpcBlockPublicAccessOptions(ctx, &ec2sdk.DescribeVpcBlockPublicAccessOptionsInput{}))
		if opts.VpcBlockPublicAccessOptions.InternetGatewayBlockMode != types.InternetGatewayBlockModeOff {
			t.Errorf("default BPA mode %s", opts.VpcBlockPublicAccessOptions.InternetGatewayBlockMode)
		}
		must[*ec2sdk.ModifyVpcBlockPublicAccessOptionsOutput](t, "ModifyVpcBlockPublicAccessOptions")(c.ModifyVpcBlockPublicAccessOptions(ctx, &ec2sdk.ModifyVpcBlockPublicAccessOptionsInput{
			InternetGatewayBlockMode: types.InternetGatewayBlockModeBlockIngress}))
		excl := must[*ec2sdk.CreateVpcBlockPublicAccessExclusionOutput](t, "CreateVpcBlockPublicAccessExclusion")(c.CreateVpcBlockPublicAccessExclusion(ctx, &ec2sdk.CreateVpcBlockPublicAccessExclusionInput{
			SubnetId: sub.Subnet.SubnetId, InternetGatewayExclusionMode: types.InternetGatewayExclusionModeAllowBidirectional}))
		id := excl.VpcBlockPublicAccessExclusion.ExclusionId
		must[*ec2sdk.ModifyVpcBlockPublicAccessExclusionOutput](t, "ModifyVpcBlockPublicAccessExclusion")(c.ModifyVpcBlockPublicAccessExclusion(ctx, &ec2sdk.ModifyVpcBlockPublicAccessExclusionInput{
			ExclusionId: id, InternetGatewayExclusionMode: types.InternetGatewayExclusionModeAllowEgress}))
		list := must[*ec2sdk.DescribeVpcBlockPublicAccessExclusionsOutput](t, "DescribeVpcBlockPublicAccessExclusions")(c.DescribeVpcBlockPublicAccessExclusions(ctx, &ec2sdk.DescribeVpcBlockPublicAccessExclusionsInput{ExclusionIds: []string{aws.ToString(id)}}))
		if len(list.VpcBlockPublicAccessExclusions) != 1 || list.VpcBlockPublicAccessExclusions[0].InternetGatewayExclusionMode != types.InternetGatewayExclusionModeAllowEgress {
			t.Errorf("DescribeVpcBlockPublicAccessExclusions %+v", list.VpcBlockPublicAccessExclusions)
		}
		must[*ec2sdk.DeleteVpcBlockPublicAccessExclusionOutput](t, "DeleteVpcBlockPublicAccessExclusion")(c.DeleteVpcBlockPublicAccessExclusion(ctx, &ec2sdk.DeleteVpcBlockPublicAccessExclusionInput{ExclusionId: id}))
		must[*ec2sdk.ModifyVpcBlockPublicAccessOptionsOutput](t, "ModifyVpcBlockPublicAccessOptions")(c.ModifyVpcBlockPublicAccessOptions(ctx, &ec2sdk.ModifyVpcBlockPublicAccessOptionsInput{
			InternetGatewayBlockMode: types.InternetGatewayBlockModeOff}))
	})

	t.Run("VPN gateways", func(t *testing.T) {
		cgw := must[*ec2sdk.CreateCustomerGatewayOutput](t, "CreateCustomerGateway")(c.CreateCustomerGateway(ctx, &ec2sdk.CreateCustomerGatewayInput{
			Type: types.GatewayTypeIpsec1, IpAddress: aws.String("198.51.100.200"), BgpAsn: aws.Int32(65020), TagSpecifications: tagSpec(types.ResourceTypeCustomerGateway, "Name", "site")}))
		cgwID := checkID(t, "cgw", cgw.CustomerGateway.CustomerGatewayId)
		cgws := must[*ec2sdk.DescribeCustomerGatewaysOutput](t, "DescribeCustomerGateways")(c.DescribeCustomerGateways(ctx, &ec2sdk.DescribeCustomerGatewaysInput{CustomerGatewayIds: []string{cgwID}}))
		if len(cgws.CustomerGateways) != 1 || aws.ToString(cgws.CustomerGateways[0].BgpAsn) != "65020" || tagMap(cgws.CustomerGateways[0].Tags)["Name"] != "site" {
			t.Errorf("DescribeCustomerGateways %+v", cgws.CustomerGateways)
		}
		vgw := must[*ec2sdk.CreateVpnGatewayOutput](t, "CreateVpnGateway")(c.CreateVpnGateway(ctx, &ec2sdk.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1, AmazonSideAsn: aws.Int64(64600)}))
		vgwID := checkID(t, "vgw", vgw.VpnGateway.VpnGatewayId)
		vpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.78.0.0/16")}))
		att := must[*ec2sdk.AttachVpnGatewayOutput](t, "AttachVpnGateway")(c.AttachVpnGateway(ctx, &ec2sdk.AttachVpnGatewayInput{VpnGatewayId: aws.String(vgwID), VpcId: vpc.Vpc.VpcId}))
		if att.VpcAttachment == nil || att.VpcAttachment.State != types.AttachmentStatusAttaching {
			t.Errorf("AttachVpnGateway %+v", att.VpcAttachment)
		}
		vgws := must[*ec2sdk.DescribeVpnGatewaysOutput](t, "DescribeVpnGateways")(c.DescribeVpnGateways(ctx, &ec2sdk.DescribeVpnGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", aws.ToString(vpc.Vpc.VpcId))}}))
		if len(vgws.VpnGateways) != 1 || aws.ToInt64(vgws.VpnGateways[0].AmazonSideAsn) != 64600 || vgws.VpnGateways[0].VpcAttachments[0].State != types.AttachmentStatusAttached {
			t.Errorf("DescribeVpnGateways %+v", vgws.VpnGateways)
		}
		rtbs := must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", aws.ToString(vpc.Vpc.VpcId))}}))
		rtb := rtbs.RouteTables[0].RouteTableId
		must[*ec2sdk.EnableVgwRoutePropagationOutput](t, "EnableVgwRoutePropagation")(c.EnableVgwRoutePropagation(ctx, &ec2sdk.EnableVgwRoutePropagationInput{RouteTableId: rtb, GatewayId: aws.String(vgwID)}))
		rtbs = must[*ec2sdk.DescribeRouteTablesOutput](t, "DescribeRouteTables")(c.DescribeRouteTables(ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{aws.ToString(rtb)}}))
		if p := rtbs.RouteTables[0].PropagatingVgws; len(p) != 1 || aws.ToString(p[0].GatewayId) != vgwID {
			t.Errorf("PropagatingVgws %+v", p)
		}
		must[*ec2sdk.DisableVgwRoutePropagationOutput](t, "DisableVgwRoutePropagation")(c.DisableVgwRoutePropagation(ctx, &ec2sdk.DisableVgwRoutePropagationInput{RouteTableId: rtb, GatewayId: aws.String(vgwID)}))

		vpn := must[*ec2sdk.CreateVpnConnectionOutput](t, "CreateVpnConnection")(c.CreateVpnConnection(ctx, &ec2sdk.CreateVpnConnectionInput{
			Type: aws.String("ipsec.1"), CustomerGatewayId: aws.String(cgwID), VpnGatewayId: aws.String(vgwID),
			Options: &types.VpnConnectionOptionsSpecification{StaticRoutesOnly: aws.Bool(true), TunnelOptions: []types.VpnTunnelOptionsSpecification{
				{TunnelInsideCidr: aws.String("169.254.77.0/30"), PreSharedKey: aws.String("sdk_key.one"),
					Phase1DHGroupNumbers: []types.Phase1DHGroupNumbersRequestListValue{{Value: aws.Int32(14)}}}}}}))
		vpnID := checkID(t, "vpn", vpn.VpnConnection.VpnConnectionId)
		if o := vpn.VpnConnection.Options; len(o.TunnelOptions) != 2 || aws.ToString(o.TunnelOptions[0].PreSharedKey) != "sdk_key.one" ||
			aws.ToInt32(o.TunnelOptions[0].Phase1DHGroupNumbers[0].Value) != 14 || vpn.VpnConnection.VgwTelemetry[1].Status != types.TelemetryStatusDown ||
			vpn.VpnConnection.State != types.VpnStateAvailable {
			t.Errorf("CreateVpnConnection %+v", vpn.VpnConnection)
		}
		must[*ec2sdk.CreateVpnConnectionRouteOutput](t, "CreateVpnConnectionRoute")(c.CreateVpnConnectionRoute(ctx, &ec2sdk.CreateVpnConnectionRouteInput{
			VpnConnectionId: aws.String(vpnID), DestinationCidrBlock: aws.String("192.168.10.0/24")}))
		vpns := must[*ec2sdk.DescribeVpnConnectionsOutput](t, "DescribeVpnConnections")(c.DescribeVpnConnections(ctx, &ec2sdk.DescribeVpnConnectionsInput{
			Filters: []types.Filter{filter("vpn-gateway-id", vgwID)}}))
		if len(vpns.VpnConnections) != 1 || len(vpns.VpnConnections[0].Routes) != 1 || vpns.VpnConnections[0].Routes[0].State != types.VpnStateAvailable ||
			vpns.VpnConnections[0].VgwTelemetry[0].LastStatusChange == nil {
			t.Errorf("DescribeVpnConnections %+v", vpns.VpnConnections)
		}
		tunnel := must[*ec2sdk.ModifyVpnTunnelOptionsOutput](t, "ModifyVpnTunnelOptions")(c.ModifyVpnTunnelOptions(ctx, &ec2sdk.ModifyVpnTunnelOptionsInput{
			VpnConnectionId: aws.String(vpnID), VpnTunnelOutsideIpAddress: vpn.VpnConnection.Options.TunnelOptions[1].OutsideIpAddress,
			TunnelOptions: &types.ModifyVpnTunnelOptionsSpecification{StartupAction: aws.String("start")}}))
		if aws.ToString(tunnel.VpnConnection.Options.TunnelOptions[1].StartupAction) != "start" {
			t.Errorf("ModifyVpnTunnelOptions %+v", tunnel.VpnConnection.Options.TunnelOptions[1])
		}
		netOpts := must[*ec2sdk.ModifyVpnConnectionOptionsOutput](t, "ModifyVpnConnectionOptions")(c.ModifyVpnConnectionOptions(ctx, &ec2sdk.ModifyVpnConnectionOptionsInput{
			VpnConnectionId: aws.String(vpnID), LocalIpv4NetworkCidr: aws.String("10.78.0.0/16")}))
		if aws.ToString(netOpts.VpnConnection.Options.LocalIpv4NetworkCidr) != "10.78.0.0/16" {
			t.Errorf("ModifyVpnConnectionOptions %+v", netOpts.VpnConnection.Options)
		}
		devices := must[*ec2sdk.GetVpnConnectionDeviceTypesOutput](t, "GetVpnConnectionDeviceTypes")(c.GetVpnConnectionDeviceTypes(ctx, &ec2sdk.GetVpnConnectionDeviceTypesInput{}))
		sample := must[*ec2sdk.GetVpnConnectionDeviceSampleConfigurationOutput](t, "GetVpnConnectionDeviceSampleConfiguration")(c.GetVpnConnectionDeviceSampleConfiguration(ctx,
			&ec2sdk.GetVpnConnectionDeviceSampleConfigurationInput{VpnConnectionId: aws.String(vpnID), VpnConnectionDeviceTypeId: devices.VpnConnectionDeviceTypes[0].VpnConnectionDeviceTypeId}))
		if !strings.Contains(aws.ToString(sample.VpnConnectionDeviceSampleConfiguration), "sdk_key.one") {
			t.Errorf("sample configuration %s", aws.ToString(sample.VpnConnectionDeviceSampleConfiguration))
		}
		must[*ec2sdk.DeleteVpnConnectionRouteOutput](t, "DeleteVpnConnectionRoute")(c.DeleteVpnConnectionRoute(ctx, &ec2sdk.DeleteVpnConnectionRouteInput{
			VpnConnectionId: aws.String(vpnID), DestinationCidrBlock: aws.String("192.168.10.0/24")}))
		must[*ec2sdk.DeleteVpnConnectionOutput](t, "DeleteVpnConnection")(c.DeleteVpnConnection(ctx, &ec2sdk.DeleteVpnConnectionInput{VpnConnectionId: aws.String(vpnID)}))
		must[*ec2sdk.DetachVpnGatewayOutput](t, "DetachVpnGateway")(c.DetachVpnGateway(ctx, &ec2sdk.DetachVpnGatewayInput{VpnGatewayId: aws.String(vgwID), VpcId: vpc.Vpc.VpcId}))
		must[*ec2sdk.DeleteVpnGatewayOutput](t, "DeleteVpnGateway")(c.DeleteVpnGateway(ctx, &ec2sdk.DeleteVpnGatewayInput{VpnGatewayId: aws.String(vgwID)}))
		must[*ec2sdk.DeleteCustomerGatewayOutput](t, "DeleteCustomerGateway")(c.DeleteCustomerGateway(ctx, &ec2sdk.DeleteCustomerGatewayInput{CustomerGatewayId: aws.String(cgwID)}))
		must[*ec2sdk.DeleteVpcOutput](t, "DeleteVpc")(c.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: vpc.Vpc.VpcId}))
	})

	t.Run("transit gateways", func(t *testing.T) { sdkTransitGateways(t, c) })
	t.Run("privatelink", func(t *testing.T) {
		sdkPrivateLink(t, c, rec.elbClient(srv.URL), rec.client(srv.EC2(t, "111122223333")))
	})

	if miss := rec.missing(served); len(miss) > 0 {
		t.Errorf("served actions without a successful SDK round trip in this test: %v", miss)
	}
}

// TestSDKErrors checks, through the SDK, the error codes of representative validations.
func TestSDKErrors(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	c := srv.EC2(t, "123456789012")
	vpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc
	vpcID := aws.ToString(vpc.VpcId)
	must[*ec2sdk.CreateSubnetOutput](t, "CreateSubnet")(c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24")}))
	igw := must[*ec2sdk.CreateInternetGatewayOutput](t, "CreateInternetGateway")(c.CreateInternetGateway(ctx, &ec2sdk.CreateInternetGatewayInput{})).InternetGateway
	must[*ec2sdk.AttachInternetGatewayOutput](t, "AttachInternetGateway")(c.AttachInternetGateway(ctx, &ec2sdk.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
	rtb := must[*ec2sdk.CreateRouteTableOutput](t, "CreateRouteTable")(c.CreateRouteTable(ctx, &ec2sdk.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
	must[*ec2sdk.CreateRouteOutput](t, "CreateRoute")(c.CreateRoute(ctx, &ec2sdk.CreateRouteInput{RouteTableId: rtb.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId}))
	otherVpc := must[*ec2sdk.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})).Vpc

	const missingVpc = "vpc-0123456789abcdef0"
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"describe a VPC that does not exist", func() error {
			_, err := c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{missingVpc}})
			return err
		}, "InvalidVpcID.NotFound"},
		{"malformed VPC ID", func() error {
			_, err := c.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String("vpc-xyz")})
			return err
		}, "InvalidVpcID.Malformed"},
		{"subnet overlapping another", func() error {
			_, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.0.1.128/25")})
			return err
		}, "InvalidSubnet.Conflict"},
		{"subnet outside the VPC", func() error {
			_, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.0.0/24")})
			return err
		}, "InvalidSubnet.Range"},
		{"subnet smaller than /28", func() error {
			_, err := c.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.0.2.0/29")})
			return err
		}, "InvalidSubnet.Range"},
		{"VPC larger than /16", func() error {
			_, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")})
			return err
		}, "InvalidVpc.Range"},
		{"delete a VPC with a subnet", func() error {
			_, err := c.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(vpcID)})
			return err
		}, "DependencyViolation"},
		{"the same route twice", func() error {
			_, err := c.CreateRoute(ctx, &ec2sdk.CreateRouteInput{RouteTableId: rtb.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId})
			return err
		}, "RouteAlreadyExists"},
		{"attach an attached gateway to another VPC", func() error {
			_, err := c.AttachInternetGateway(ctx, &ec2sdk.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: otherVpc.VpcId})
			return err
		}, "Resource.AlreadyAssociated"},
		{"CreateVpc without a CIDR", func() error {
			_, err := c.CreateVpc(ctx, &ec2sdk.CreateVpcInput{})
			return err
		}, "MissingParameter"},
		{"unknown filter", func() error {
			_, err := c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{Filters: []types.Filter{filter("no-such-filter", "x")}})
			return err
		}, "InvalidParameterValue"},
		{"MaxResults below 5", func() error {
			_, err := c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{MaxResults: aws.Int32(2)})
			return err
		}, "InvalidParameterValue"},
		{"IDs with MaxResults", func() error {
			_, err := c.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{vpcID}, MaxResults: aws.Int32(5)})
			return err
		}, "InvalidParameterCombination"},
		{"security group that does not exist", func() error {
			_, err := c.DescribeSecurityGroups(ctx, &ec2sdk.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0123456789abcdef0"}})
			return err
		}, "InvalidGroup.NotFound"},
		{"two security groups of one name", func() error {
			in := &ec2sdk.CreateSecurityGroupInput{GroupName: aws.String("dup"), Description: aws.String("d"), VpcId: aws.String(vpcID)}
			if _, err := c.CreateSecurityGroup(ctx, in); err != nil {
				return err
			}
			_, err := c.CreateSecurityGroup(ctx, in)
			return err
		}, "InvalidGroup.Duplicate"},
		{"route table that does not exist", func() error {
			_, err := c.DeleteRouteTable(ctx, &ec2sdk.DeleteRouteTableInput{RouteTableId: aws.String("rtb-0123456789abcdef0")})
			return err
		}, "InvalidRouteTableID.NotFound"},
		{"subnet that does not exist", func() error {
			_, err := c.DeleteSubnet(ctx, &ec2sdk.DeleteSubnetInput{SubnetId: aws.String("subnet-0123456789abcdef0")})
			return err
		}, "InvalidSubnetID.NotFound"},
		{"detach a gateway from a VPC it is not attached to", func() error {
			_, err := c.DetachInternetGateway(ctx, &ec2sdk.DetachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: otherVpc.VpcId})
			return err
		}, "Gateway.NotAttached"},
		{"instance that does not exist", func() error {
			_, err := c.StopInstances(ctx, &ec2sdk.StopInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
			return err
		}, "InvalidInstanceID.NotFound"},
		{"dry run of a delete", func() error {
			_, err := c.DeleteVpc(ctx, &ec2sdk.DeleteVpcInput{VpcId: aws.String(vpcID), DryRun: aws.Bool(true)})
			return err
		}, "DryRunOperation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.name, tt.call(), tt.code)
		})
	}
}
