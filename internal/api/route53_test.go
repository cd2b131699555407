package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"vpcd/internal/vpcdtest"
)

func route53Client(url, account string) *r53.Client {
	return r53.New(r53.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(account, "secret", "")})
}

func newVPC(t *testing.T, url, account, region, cidr string) string {
	t.Helper()
	out, err := vpcdtest.Client(url, account, region).CreateVpc(context.Background(), &ec2sdk.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

func rrChange(action, name string, typ r53types.RRType, ttl int64, values ...string) r53types.Change {
	rs := &r53types.ResourceRecordSet{Name: aws.String(name), Type: typ, TTL: aws.Int64(ttl)}
	for _, v := range values {
		rs.ResourceRecords = append(rs.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	return r53types.Change{Action: r53types.ChangeAction(action), ResourceRecordSet: rs}
}

// A private zone's life through the SDK: created with its VPC, the NS and SOA Route 53
// makes, records of each type in Route 53's order, an atomic batch, a second VPC, the
// last VPC kept, and deletion only once the zone holds no records of its own.
func TestSDKRoute53PrivateZone(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	c := route53Client(srv.URL, "123456789012")
	vpc := newVPC(t, srv.URL, "123456789012", "us-east-1", "10.1.0.0/16")
	vpc2 := newVPC(t, srv.URL, "123456789012", "eu-west-1", "10.2.0.0/16")

	created, err := c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{
		Name: aws.String("Example.internal"), CallerReference: aws.String("ref-1"),
		HostedZoneConfig: &r53types.HostedZoneConfig{Comment: aws.String("inside")},
		VPC:              &r53types.VPC{VPCId: aws.String(vpc), VPCRegion: r53types.VPCRegionUsEast1},
	})
	if err != nil {
		t.Fatal(err)
	}
	hz := created.HostedZone
	id := strings.TrimPrefix(aws.ToString(hz.Id), "/hostedzone/")
	if !strings.HasPrefix(aws.ToString(hz.Id), "/hostedzone/Z") || len(id) != 21 || aws.ToString(hz.Name) != "example.internal." ||
		!hz.Config.PrivateZone || aws.ToString(hz.Config.Comment) != "inside" || aws.ToInt64(hz.ResourceRecordSetCount) != 2 {
		t.Errorf("created %+v", hz)
	}
	if !strings.HasPrefix(aws.ToString(created.ChangeInfo.Id), "/change/C") || aws.ToString(created.VPC.VPCId) != vpc ||
		aws.ToString(created.Location) != "https://route53.amazonaws.com/2013-04-01/hostedzone/"+id {
		t.Errorf("create answer: change %+v, vpc %+v, location %s", created.ChangeInfo, created.VPC, aws.ToString(created.Location))
	}
	ch, err := c.GetChange(ctx, &r53.GetChangeInput{Id: created.ChangeInfo.Id})
	if err != nil || ch.ChangeInfo.Status != r53types.ChangeStatusInsync {
		t.Errorf("GetChange: %+v, %v", ch, err)
	}
	_, err = c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("other.internal"), CallerReference: aws.String("ref-1")})
	wantCode(t, "caller reference again", err, "HostedZoneAlreadyExists")
	_, err = c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("example.internal"), CallerReference: aws.String("ref-2"),
		VPC: &r53types.VPC{VPCId: aws.String(vpc), VPCRegion: r53types.VPCRegionUsEast1}})
	wantCode(t, "same name in the same VPC", err, "ConflictingDomainExists")
	_, err = c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("x.internal"), CallerReference: aws.String("ref-3"),
		VPC: &r53types.VPC{VPCId: aws.String("vpc-0123456789abcdef0"), VPCRegion: r53types.VPCRegionUsEast1}})
	wantCode(t, "unknown VPC", err, "InvalidVPCId")

	got, err := c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: hz.Id})
	if err != nil || len(got.VPCs) != 1 || aws.ToString(got.VPCs[0].VPCId) != vpc || got.VPCs[0].VPCRegion != r53types.VPCRegionUsEast1 || got.DelegationSet != nil {
		t.Errorf("GetHostedZone: %+v, %v", got, err)
	}
	_, err = c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String("Z0000000000000000000A")})
	wantCode(t, "unknown zone", err, "NoSuchHostedZone")
	_, err = route53Client(srv.URL, "210987654321").GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: hz.Id})
	wantCode(t, "another account's zone", err, "NoSuchHostedZone")

	batch := []r53types.Change{
		rrChange("CREATE", "www.example.internal", r53types.RRTypeA, 60, "10.1.0.5", "10.1.0.6"),
		rrChange("CREATE", "db.example.internal.", r53types.RRTypeAaaa, 60, "fd00::5"),
		rrChange("CREATE", "api.example.internal", r53types.RRTypeCname, 300, "www.example.internal"),
		rrChange("CREATE", "example.internal", r53types.RRTypeTxt, 300, `"v=spf1 -all"`),
		rrChange("CREATE", "example.internal", r53types.RRTypeMx, 300, "10 mail.example.internal."),
		rrChange("CREATE", "_sip._tcp.example.internal", r53types.RRTypeSrv, 300, "0 5 5060 sip.example.internal."),
		rrChange("CREATE", "5.0.1.10.in-addr.example.internal", r53types.RRTypePtr, 300, "www.example.internal."),
		rrChange("CREATE", "*.apps.example.internal", r53types.RRTypeA, 60, "10.1.0.9"),
		{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("alias.example.internal"), Type: r53types.RRTypeA,
			AliasTarget: &r53types.AliasTarget{HostedZoneId: aws.String(id), DNSName: aws.String("www.example.internal"), EvaluateTargetHealth: false}}},
	}
	changed, err := c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id,
		ChangeBatch: &r53types.ChangeBatch{Changes: batch, Comment: aws.String("first")}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(changed.ChangeInfo.Comment) != "first" || changed.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Errorf("change info %+v", changed.ChangeInfo)
	}

	list := func(opts *r53.ListResourceRecordSetsInput) []string {
		t.Helper()
		var out []string
		for {
			page, err := c.ListResourceRecordSets(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, rs := range page.ResourceRecordSets {
				out = append(out, aws.ToString(rs.Name)+" "+string(rs.Type))
			}
			if !page.IsTruncated {
				return out
			}
			opts.StartRecordName, opts.StartRecordType = page.NextRecordName, page.NextRecordType
		}
	}
	want := []string{
		"example.internal. MX", "example.internal. NS", "example.internal. SOA", "example.internal. TXT",
		"_sip._tcp.example.internal. SRV", "alias.example.internal. A", "api.example.internal. CNAME",
		`\052.apps.example.internal. A`, "db.example.internal. AAAA", "5.0.1.10.in-addr.example.internal. PTR", "www.example.internal. A",
	}
	if got := list(&r53.ListResourceRecordSetsInput{HostedZoneId: hz.Id, MaxItems: aws.Int32(3)}); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("record sets in pages of 3:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	from := list(&r53.ListResourceRecordSetsInput{HostedZoneId: hz.Id, StartRecordName: aws.String("db.example.internal"), StartRecordType: r53types.RRTypeAaaa})
	if len(from) != 3 || from[0] != "db.example.internal. AAAA" {
		t.Errorf("from db AAAA: %v", from)
	}

	// A batch with a bad change leaves nothing of the good ones, and says every problem.
	_, err = c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
		rrChange("CREATE", "new.example.internal", r53types.RRTypeA, 60, "10.1.0.7"),
		rrChange("CREATE", "www.example.internal", r53types.RRTypeA, 60, "10.1.0.5"),
		rrChange("DELETE", "gone.example.internal", r53types.RRTypeA, 60, "10.1.0.8"),
		rrChange("CREATE", "www.other.internal", r53types.RRTypeA, 60, "10.1.0.8"),
		rrChange("CREATE", "api.example.internal", r53types.RRTypeTxt, 60, `"x"`),
	}}})
	wantCode(t, "bad batch", err, "InvalidChangeBatch")
	for _, msg := range []string{
		"Tried to create resource record set [name='www.example.internal.', type='A'] but it already exists",
		"Tried to delete resource record set [name='gone.example.internal.', type='A'] but it was not found",
		"RRSet with DNS name www.other.internal. is not permitted in zone example.internal.",
		"RRSet of type TXT with DNS name api.example.internal. is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone example.internal.",
	} {
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("bad batch: %v\nwant %s", err, msg)
		}
	}
	if got := list(&r53.ListResourceRecordSetsInput{HostedZoneId: hz.Id}); len(got) != len(want) {
		t.Errorf("a refused batch changed the zone: %v", got)
	}
	for _, tt := range []struct {
		name   string
		change r53types.Change
		code   string
	}{
		{"not an IPv4 address", rrChange("CREATE", "bad.example.internal", r53types.RRTypeA, 60, "10.1.0"), "InvalidChangeBatch"},
		{"CNAME at the apex", rrChange("CREATE", "example.internal", r53types.RRTypeCname, 60, "www.example.internal"), "InvalidChangeBatch"},
		{"values that do not match", rrChange("DELETE", "www.example.internal", r53types.RRTypeA, 60, "10.1.0.5"), "InvalidChangeBatch"},
		{"delete the SOA", rrChange("DELETE", "example.internal", r53types.RRTypeSoa, 900, "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"), "InvalidChangeBatch"},
		{"no TTL", r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("x.example.internal"), Type: r53types.RRTypeA,
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("10.1.0.1")}}}}, "InvalidInput"},
	} {
		_, err := c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{tt.change}}})
		wantCode(t, tt.name, err, tt.code)
	}
	_, err = c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
		rrChange("UPSERT", "www.example.internal", r53types.RRTypeA, 30, "10.1.0.50"),
		rrChange("DELETE", "db.example.internal", r53types.RRTypeAaaa, 60, "fd00::5"),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	www, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: hz.Id, StartRecordName: aws.String("www.example.internal"), StartRecordType: r53types.RRTypeA, MaxItems: aws.Int32(1)})
	if err != nil || len(www.ResourceRecordSets) != 1 || aws.ToInt64(www.ResourceRecordSets[0].TTL) != 30 || aws.ToString(www.ResourceRecordSets[0].ResourceRecords[0].Value) != "10.1.0.50" {
		t.Errorf("after UPSERT: %+v, %v", www, err)
	}

	// Routing policies: weighted sets keep their identifiers and weights, a geolocation
	// its location; a policy needs a set identifier.
	weighted := func(id string, weight int64, value string) r53types.Change {
		c := rrChange("CREATE", "w.example.internal", r53types.RRTypeA, 60, value)
		c.ResourceRecordSet.SetIdentifier, c.ResourceRecordSet.Weight = aws.String(id), aws.Int64(weight)
		return c
	}
	geo := rrChange("CREATE", "geo.example.internal", r53types.RRTypeA, 60, "10.1.0.30")
	geo.ResourceRecordSet.SetIdentifier, geo.ResourceRecordSet.GeoLocation = aws.String("eu"), &r53types.GeoLocation{ContinentCode: aws.String("EU")}
	if _, err := c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
		weighted("blue", 10, "10.1.0.20"), weighted("green", 90, "10.1.0.21"), geo}}}); err != nil {
		t.Fatal(err)
	}
	g, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: hz.Id, StartRecordName: aws.String("geo.example.internal"), MaxItems: aws.Int32(1)})
	if err != nil || len(g.ResourceRecordSets) != 1 || g.ResourceRecordSets[0].GeoLocation == nil || aws.ToString(g.ResourceRecordSets[0].GeoLocation.ContinentCode) != "EU" {
		t.Errorf("geolocation: %+v, %v", g, err)
	}
	w, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: hz.Id, StartRecordName: aws.String("w.example.internal"), MaxItems: aws.Int32(1)})
	if err != nil || len(w.ResourceRecordSets) != 1 || aws.ToString(w.ResourceRecordSets[0].SetIdentifier) != "blue" || aws.ToInt64(w.ResourceRecordSets[0].Weight) != 10 ||
		!w.IsTruncated || aws.ToString(w.NextRecordIdentifier) != "green" || aws.ToString(w.NextRecordName) != "w.example.internal." {
		t.Errorf("weighted: %+v, %v", w, err)
	}
	w, err = c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: hz.Id, StartRecordName: w.NextRecordName, StartRecordType: w.NextRecordType,
		StartRecordIdentifier: w.NextRecordIdentifier, MaxItems: aws.Int32(1)})
	if err != nil || len(w.ResourceRecordSets) != 1 || aws.ToString(w.ResourceRecordSets[0].SetIdentifier) != "green" {
		t.Errorf("weighted, second page: %+v, %v", w, err)
	}
	noID := rrChange("CREATE", "x.example.internal", r53types.RRTypeA, 60, "10.1.0.1")
	noID.ResourceRecordSet.Weight = aws.Int64(1)
	_, err = c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{noID}}})
	wantCode(t, "a weight without a set identifier", err, "InvalidInput")
	del := []r53types.Change{weighted("blue", 10, "10.1.0.20"), weighted("green", 90, "10.1.0.21"), geo}
	for i := range del {
		del[i].Action = r53types.ChangeActionDelete
	}
	if _, err := c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id, ChangeBatch: &r53types.ChangeBatch{Changes: del}}); err != nil {
		t.Fatal(err)
	}

	// Associations: a second VPC, listed by VPC; the last one stays.
	if _, err := c.AssociateVPCWithHostedZone(ctx, &r53.AssociateVPCWithHostedZoneInput{HostedZoneId: hz.Id,
		VPC: &r53types.VPC{VPCId: aws.String(vpc2), VPCRegion: r53types.VPCRegionEuWest1}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AssociateVPCWithHostedZone(ctx, &r53.AssociateVPCWithHostedZoneInput{HostedZoneId: hz.Id,
		VPC: &r53types.VPC{VPCId: aws.String(vpc2), VPCRegion: r53types.VPCRegionEuWest1}})
	wantCode(t, "associated twice", err, "ConflictingDomainExists")
	byVPC, err := c.ListHostedZonesByVPC(ctx, &r53.ListHostedZonesByVPCInput{VPCId: aws.String(vpc2), VPCRegion: r53types.VPCRegionEuWest1})
	if err != nil || len(byVPC.HostedZoneSummaries) != 1 || aws.ToString(byVPC.HostedZoneSummaries[0].HostedZoneId) != id ||
		aws.ToString(byVPC.HostedZoneSummaries[0].Owner.OwningAccount) != "123456789012" {
		t.Errorf("ListHostedZonesByVPC: %+v, %v", byVPC, err)
	}
	if _, err := c.DisassociateVPCFromHostedZone(ctx, &r53.DisassociateVPCFromHostedZoneInput{HostedZoneId: hz.Id,
		VPC: &r53types.VPC{VPCId: aws.String(vpc), VPCRegion: r53types.VPCRegionUsEast1}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DisassociateVPCFromHostedZone(ctx, &r53.DisassociateVPCFromHostedZoneInput{HostedZoneId: hz.Id,
		VPC: &r53types.VPC{VPCId: aws.String(vpc2), VPCRegion: r53types.VPCRegionEuWest1}})
	wantCode(t, "last VPC", err, "LastVPCAssociation")
	_, err = c.DisassociateVPCFromHostedZone(ctx, &r53.DisassociateVPCFromHostedZoneInput{HostedZoneId: hz.Id,
		VPC: &r53types.VPC{VPCId: aws.String(vpc), VPCRegion: r53types.VPCRegionUsEast1}})
	wantCode(t, "not associated", err, "VPCAssociationNotFound")

	// Tags, as Terraform sets and reads them.
	if _, err := c.ChangeTagsForResource(ctx, &r53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(id),
		AddTags: []r53types.Tag{{Key: aws.String("team"), Value: aws.String("net")}, {Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeTagsForResource(ctx, &r53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(id),
		RemoveTagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &r53.ListTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(id)})
	if err != nil || len(tags.ResourceTagSet.Tags) != 1 || aws.ToString(tags.ResourceTagSet.Tags[0].Key) != "team" || aws.ToString(tags.ResourceTagSet.ResourceId) != id {
		t.Errorf("tags: %+v, %v", tags, err)
	}

	_, err = c.DeleteHostedZone(ctx, &r53.DeleteHostedZoneInput{Id: hz.Id})
	wantCode(t, "delete with records", err, "HostedZoneNotEmpty")
	var clear []r53types.Change
	for rs, err := range listAll(ctx, c, hz.Id) {
		if err != nil {
			t.Fatal(err)
		}
		if (rs.Type == r53types.RRTypeNs || rs.Type == r53types.RRTypeSoa) && aws.ToString(rs.Name) == "example.internal." {
			continue
		}
		clear = append(clear, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rs})
	}
	if _, err := c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: hz.Id, ChangeBatch: &r53types.ChangeBatch{Changes: clear}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteHostedZone(ctx, &r53.DeleteHostedZoneInput{Id: hz.Id}); err != nil {
		t.Fatal(err)
	}
	byVPC, err = c.ListHostedZonesByVPC(ctx, &r53.ListHostedZonesByVPCInput{VPCId: aws.String(vpc2), VPCRegion: r53types.VPCRegionEuWest1})
	if err != nil || len(byVPC.HostedZoneSummaries) != 0 {
		t.Errorf("ListHostedZonesByVPC after delete: %+v, %v", byVPC, err)
	}
}

// listAll yields every record set of a zone, page by page.
func listAll(ctx context.Context, c *r53.Client, zone *string) func(func(r53types.ResourceRecordSet, error) bool) {
	return func(yield func(r53types.ResourceRecordSet, error) bool) {
		in := &r53.ListResourceRecordSetsInput{HostedZoneId: zone}
		for {
			page, err := c.ListResourceRecordSets(ctx, in)
			if err != nil {
				yield(r53types.ResourceRecordSet{}, err)
				return
			}
			for _, rs := range page.ResourceRecordSets {
				if !yield(rs, nil) {
					return
				}
			}
			if !page.IsTruncated {
				return
			}
			in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier
		}
	}
}

// Public zones get a delegation set; zones list by ID and by name (labels from the top),
// in pages.
func TestSDKRoute53PublicZonesAndLists(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	c := route53Client(srv.URL, "123456789012")
	names := []string{"b.example.com", "example.com", "a.example.com", "example.net", "zzz.org"}
	for i, n := range names {
		out, err := c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String(n), CallerReference: aws.String(fmt.Sprint("ref", i))})
		if err != nil {
			t.Fatal(err)
		}
		if out.HostedZone.Config.PrivateZone || len(out.DelegationSet.NameServers) != 4 {
			t.Errorf("public zone %s: %+v %+v", n, out.HostedZone, out.DelegationSet)
		}
		got, err := c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: out.HostedZone.Id})
		if err != nil || got.DelegationSet == nil || strings.Join(got.DelegationSet.NameServers, ",") != strings.Join(out.DelegationSet.NameServers, ",") {
			t.Errorf("GetHostedZone %s: %+v, %v", n, got, err)
		}
	}
	var byName []string
	in := &r53.ListHostedZonesByNameInput{MaxItems: aws.Int32(2)}
	for {
		page, err := c.ListHostedZonesByName(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range page.HostedZones {
			byName = append(byName, aws.ToString(z.Name))
		}
		if !page.IsTruncated {
			break
		}
		in.DNSName, in.HostedZoneId = page.NextDNSName, page.NextHostedZoneId
	}
	if got := strings.Join(byName, " "); got != "example.com. a.example.com. b.example.com. example.net. zzz.org." {
		t.Errorf("by name: %s", got)
	}
	var ids int
	pages := r53.NewListHostedZonesPaginator(c, &r53.ListHostedZonesInput{MaxItems: aws.Int32(2)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids += len(page.HostedZones)
	}
	count, err := c.GetHostedZoneCount(ctx, &r53.GetHostedZoneCountInput{})
	if ids != 5 || err != nil || aws.ToInt64(count.HostedZoneCount) != 5 {
		t.Errorf("ListHostedZones %d zones, count %+v %v", ids, count, err)
	}
	limit, err := c.GetAccountLimit(ctx, &r53.GetAccountLimitInput{Type: r53types.AccountLimitTypeMaxHostedZonesByOwner})
	if err != nil || aws.ToInt64(limit.Limit.Value) != 500 || limit.Count != 5 {
		t.Errorf("GetAccountLimit: %+v, %v", limit, err)
	}
	first, _ := c.ListHostedZones(ctx, &r53.ListHostedZonesInput{})
	zoneLimit, err := c.GetHostedZoneLimit(ctx, &r53.GetHostedZoneLimitInput{HostedZoneId: first.HostedZones[0].Id, Type: r53types.HostedZoneLimitTypeMaxRrsetsByZone})
	if err != nil || aws.ToInt64(zoneLimit.Limit.Value) != 10000 || zoneLimit.Count != 2 {
		t.Errorf("GetHostedZoneLimit: %+v, %v", zoneLimit, err)
	}
	_, err = c.GetHostedZoneLimit(ctx, &r53.GetHostedZoneLimitInput{HostedZoneId: first.HostedZones[0].Id, Type: r53types.HostedZoneLimitTypeMaxVpcsAssociatedByZone})
	wantCode(t, "VPC limit of a public zone", err, "HostedZoneNotPrivate")
	private, err := c.ListHostedZones(ctx, &r53.ListHostedZonesInput{HostedZoneType: r53types.HostedZoneTypePrivateHostedZone})
	if err != nil || len(private.HostedZones) != 0 {
		t.Errorf("private zones: %+v, %v", private, err)
	}
	_, err = c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("bad..name"), CallerReference: aws.String("bad")})
	wantCode(t, "bad name", err, "InvalidDomainName")
	_, err = c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("com"), CallerReference: aws.String("tld")})
	wantCode(t, "a top-level domain", err, "InvalidDomainName")
}

// Another account's VPC associates with a private zone once the zone's owner has
// authorized it, and not before; the owner lists and withdraws authorizations.
func TestSDKRoute53CrossAccountAssociation(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	owner, other := route53Client(srv.URL, "111111111111"), route53Client(srv.URL, "222222222222")
	vpcA := newVPC(t, srv.URL, "111111111111", "us-east-1", "10.1.0.0/16")
	vpcB := newVPC(t, srv.URL, "222222222222", "us-east-1", "10.2.0.0/16")
	z, err := owner.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("shared.internal"), CallerReference: aws.String("r"),
		VPC: &r53types.VPC{VPCId: aws.String(vpcA), VPCRegion: r53types.VPCRegionUsEast1}})
	if err != nil {
		t.Fatal(err)
	}
	assoc := &r53.AssociateVPCWithHostedZoneInput{HostedZoneId: z.HostedZone.Id, VPC: &r53types.VPC{VPCId: aws.String(vpcB), VPCRegion: r53types.VPCRegionUsEast1}}
	_, err = other.AssociateVPCWithHostedZone(ctx, assoc)
	wantCode(t, "unauthorized", err, "NotAuthorizedException")
	_, err = owner.AssociateVPCWithHostedZone(ctx, assoc)
	wantCode(t, "the owner associates a VPC it does not own", err, "InvalidVPCId")
	if _, err := owner.CreateVPCAssociationAuthorization(ctx, &r53.CreateVPCAssociationAuthorizationInput{HostedZoneId: z.HostedZone.Id, VPC: assoc.VPC}); err != nil {
		t.Fatal(err)
	}
	auths, err := owner.ListVPCAssociationAuthorizations(ctx, &r53.ListVPCAssociationAuthorizationsInput{HostedZoneId: z.HostedZone.Id})
	if err != nil || len(auths.VPCs) != 1 || aws.ToString(auths.VPCs[0].VPCId) != vpcB {
		t.Errorf("authorizations: %+v, %v", auths, err)
	}
	if _, err := other.AssociateVPCWithHostedZone(ctx, assoc); err != nil {
		t.Fatal(err)
	}
	byVPC, err := other.ListHostedZonesByVPC(ctx, &r53.ListHostedZonesByVPCInput{VPCId: aws.String(vpcB), VPCRegion: r53types.VPCRegionUsEast1})
	if err != nil || len(byVPC.HostedZoneSummaries) != 1 || aws.ToString(byVPC.HostedZoneSummaries[0].Owner.OwningAccount) != "111111111111" {
		t.Errorf("the VPC owner's list: %+v, %v", byVPC, err)
	}
	got, err := owner.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: z.HostedZone.Id})
	if err != nil || len(got.VPCs) != 2 {
		t.Errorf("zone with two VPCs: %+v, %v", got, err)
	}
	if _, err := owner.DeleteVPCAssociationAuthorization(ctx, &r53.DeleteVPCAssociationAuthorizationInput{HostedZoneId: z.HostedZone.Id, VPC: assoc.VPC}); err != nil {
		t.Fatal(err)
	}
	_, err = owner.DeleteVPCAssociationAuthorization(ctx, &r53.DeleteVPCAssociationAuthorizationInput{HostedZoneId: z.HostedZone.Id, VPC: assoc.VPC})
	wantCode(t, "withdrawn twice", err, "VPCAssociationAuthorizationNotFound")
	if _, err := other.DisassociateVPCFromHostedZone(ctx, &r53.DisassociateVPCFromHostedZoneInput{HostedZoneId: z.HostedZone.Id, VPC: assoc.VPC}); err != nil {
		t.Fatal(err)
	}
}

// The aws CLI (botocore's restXml) walks a private zone: created with a VPC, records in
// a change batch given as JSON, the change waited for, the records listed, a refused
// batch and a refused deletion with Route 53's codes, and back.
func TestAWSCLIRoute53PrivateZone(t *testing.T) {
	srv := vpcdtest.Start(t)
	run := func(args ...string) string {
		t.Helper()
		out, ok := awsCLI(t, srv.URL, args...)
		if !ok {
			t.Fatalf("%s: %s", strings.Join(args, " "), out)
		}
		return out
	}
	var vpc struct{ Vpc struct{ VpcId string } }
	json.Unmarshal([]byte(run("ec2", "create-vpc", "--cidr-block", "10.7.0.0/16")), &vpc)
	var created struct {
		HostedZone struct{ Id, Name string }
		ChangeInfo struct{ Id, Status string }
	}
	out := run("route53", "create-hosted-zone", "--name", "cli.internal", "--caller-reference", "cli-1",
		"--vpc", "VPCRegion=us-east-1,VPCId="+vpc.Vpc.VpcId, "--hosted-zone-config", "Comment=cli,PrivateZone=true")
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.HostedZone.Name != "cli.internal." || created.ChangeInfo.Status != "PENDING" {
		t.Fatalf("create-hosted-zone: %v\n%s", err, out)
	}
	zone := created.HostedZone.Id
	run("route53", "wait", "resource-record-sets-changed", "--id", created.ChangeInfo.Id)
	batch := `{"Comment":"web","Changes":[
		{"Action":"CREATE","ResourceRecordSet":{"Name":"web.cli.internal","Type":"A","TTL":60,"ResourceRecords":[{"Value":"10.7.0.10"}]}},
		{"Action":"CREATE","ResourceRecordSet":{"Name":"www.cli.internal","Type":"CNAME","TTL":60,"ResourceRecords":[{"Value":"web.cli.internal"}]}}]}`
	var changed struct{ ChangeInfo struct{ Id, Comment string } }
	json.Unmarshal([]byte(run("route53", "change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", batch)), &changed)
	if changed.ChangeInfo.Comment != "web" {
		t.Errorf("change info %+v", changed.ChangeInfo)
	}
	run("route53", "wait", "resource-record-sets-changed", "--id", changed.ChangeInfo.Id)
	out = run("route53", "list-resource-record-sets", "--hosted-zone-id", zone, "--query", "ResourceRecordSets[].[Name,Type]", "--output", "text")
	if got := strings.Join(strings.Fields(out), " "); got != "cli.internal. NS cli.internal. SOA web.cli.internal. A www.cli.internal. CNAME" {
		t.Errorf("list-resource-record-sets: %s", got)
	}
	out = run("route53", "list-hosted-zones-by-vpc", "--vpc-id", vpc.Vpc.VpcId, "--vpc-region", "us-east-1")
	if !strings.Contains(out, `"Name": "cli.internal."`) {
		t.Errorf("list-hosted-zones-by-vpc: %s", out)
	}
	for _, tt := range []struct {
		args []string
		code string
	}{
		{[]string{"change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", batch}, "InvalidChangeBatch"},
		{[]string{"delete-hosted-zone", "--id", zone}, "HostedZoneNotEmpty"},
		{[]string{"get-hosted-zone", "--id", "Z00000000000000000000"}, "NoSuchHostedZone"},
		{[]string{"get-change", "--id", "C00000000000000000000"}, "NoSuchChange"},
	} {
		out, ok := awsCLI(t, srv.URL, append([]string{"route53"}, tt.args...)...)
		if ok || !strings.Contains(out, "("+tt.code+")") {
			t.Errorf("%s: want %s, got: %s", tt.args[0], tt.code, out)
		}
	}
	run("route53", "change-resource-record-sets", "--hosted-zone-id", zone, "--change-batch", strings.ReplaceAll(batch, "CREATE", "DELETE"))
	run("route53", "delete-hosted-zone", "--id", zone)
}
