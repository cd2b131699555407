package control

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"vpcd/internal/aws/route53"
	"vpcd/internal/control/kit"
	"vpcd/internal/model"
)

// TestNetworkBuilderHostedZones follows a private hosted zone's life into the model: its
// records and VPCs as the resolver reads them, each change reported to the VPCs it
// reaches, a public zone left out, a tag reporting nothing.
func TestNetworkBuilderHostedZones(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	f := newFollower(t, s)
	vpcA := vpcAs(t, s, testCaller, "10.0.0.0/16")
	vpcB := vpcAs(t, s, Caller{Account: testCaller.Account, Region: "eu-west-1"}, "10.1.0.0/16")
	f.check("vpcs", false)
	z, err := s.CreateHostedZone(ctx, testCaller, &route53.CreateHostedZoneRequest{Name: kit.Ptr("Corp.Internal"), CallerReference: kit.Ptr("1"),
		VPC: &route53.VPC{VPCId: kit.Ptr(vpcA), VPCRegion: kit.Ptr("us-east-1")}})
	wantCode(t, err, "")
	_, err = s.CreateHostedZone(ctx, testCaller, &route53.CreateHostedZoneRequest{Name: kit.Ptr("public.example"), CallerReference: kit.Ptr("2")})
	wantCode(t, err, "")
	f.check("zones", false)
	id := (*z.HostedZone.Id)[len("/hostedzone/"):]
	n := f.b.Network()
	if len(n.HostedZones) != 1 || n.HostedZones[id] == nil {
		t.Fatalf("model zones %+v, want only the private one", n.HostedZones)
	}
	change := func(action, name, typ string, ttl int64, values ...string) route53.Change {
		rs := &route53.ResourceRecordSet{Name: kit.Ptr(name), Type: kit.Ptr(typ), TTL: kit.Ptr(ttl)}
		for _, v := range values {
			rs.ResourceRecords = append(rs.ResourceRecords, route53.ResourceRecord{Value: kit.Ptr(v)})
		}
		return route53.Change{Action: kit.Ptr(action), ResourceRecordSet: rs}
	}
	_, err = s.ChangeResourceRecordSets(ctx, testCaller, &route53.ChangeResourceRecordSetsRequest{HostedZoneId: z.HostedZone.Id, ChangeBatch: &route53.ChangeBatch{Changes: []route53.Change{
		change("CREATE", "db.corp.internal", "A", 60, "10.0.1.10"),
		change("CREATE", "*.apps.corp.internal", "A", 60, "10.0.1.11"),
		change("CREATE", "corp.internal", "MX", 300, "10 mail.corp.internal."),
		{Action: kit.Ptr("CREATE"), ResourceRecordSet: &route53.ResourceRecordSet{Name: kit.Ptr("www.corp.internal"), Type: kit.Ptr("A"),
			AliasTarget: &route53.AliasTarget{HostedZoneId: kit.Ptr(id), DNSName: kit.Ptr("db.corp.internal"), EvaluateTargetHealth: kit.Ptr(false)}}},
	}}})
	wantCode(t, err, "")
	f.check("records", false)
	got := f.b.Network().HostedZones[id]
	want := &model.HostedZone{ID: id, Name: "corp.internal.", VPCs: []string{vpcA}, Records: []model.DNSRecord{
		{Name: "corp.internal.", Type: "NS", TTL: 172800, Values: []string{"ns-0.awsdns-00.com.", "ns-512.awsdns-00.net.", "ns-1024.awsdns-00.org.", "ns-1536.awsdns-00.co.uk."}},
		{Name: "corp.internal.", Type: "SOA", TTL: 900, Values: []string{"ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}},
		{Name: "db.corp.internal.", Type: "A", TTL: 60, Values: []string{"10.0.1.10"}},
		{Name: "*.apps.corp.internal.", Type: "A", TTL: 60, Values: []string{"10.0.1.11"}},
		{Name: "corp.internal.", Type: "MX", TTL: 300, Values: []string{"10 mail.corp.internal."}},
		{Name: "www.corp.internal.", Type: "A", Alias: "db.corp.internal."},
	}}
	if !zoneEqual(got, want) {
		t.Errorf("model zone\n%+v\nwant\n%+v", got, want)
	}
	_, err = s.AssociateVPCWithHostedZone(ctx, testCaller, &route53.AssociateVPCWithHostedZoneRequest{HostedZoneId: kit.Ptr(id), VPC: &route53.VPC{VPCId: kit.Ptr(vpcB), VPCRegion: kit.Ptr("eu-west-1")}})
	wantCode(t, err, "")
	f.check("association", false)
	if z := f.b.Network().HostedZones[id]; !z.HasVPC(vpcA) || !z.HasVPC(vpcB) {
		t.Errorf("zone VPCs %v", z.VPCs)
	}
	_, err = s.ChangeTagsForResource(ctx, testCaller, &route53.ChangeTagsForResourceRequest{ResourceType: kit.Ptr("hostedzone"), ResourceId: kit.Ptr(id), AddTags: []route53.Tag{{Key: kit.Ptr("a"), Value: kit.Ptr("b")}}})
	wantCode(t, err, "")
	f.check("tag", true)
	_, err = s.DisassociateVPCFromHostedZone(ctx, testCaller, &route53.DisassociateVPCFromHostedZoneRequest{HostedZoneId: kit.Ptr(id), VPC: &route53.VPC{VPCId: kit.Ptr(vpcA), VPCRegion: kit.Ptr("us-east-1")}})
	wantCode(t, err, "")
	f.check("disassociation", false)
	_, err = s.ChangeResourceRecordSets(ctx, testCaller, &route53.ChangeResourceRecordSetsRequest{HostedZoneId: kit.Ptr(id), ChangeBatch: &route53.ChangeBatch{Changes: []route53.Change{
		change("DELETE", "db.corp.internal", "A", 60, "10.0.1.10"), change("DELETE", `\052.apps.corp.internal`, "A", 60, "10.0.1.11"),
		change("DELETE", "corp.internal", "MX", 300, "10 mail.corp.internal."),
		{Action: kit.Ptr("DELETE"), ResourceRecordSet: &route53.ResourceRecordSet{Name: kit.Ptr("www.corp.internal"), Type: kit.Ptr("A"),
			AliasTarget: &route53.AliasTarget{HostedZoneId: kit.Ptr(id), DNSName: kit.Ptr("db.corp.internal."), EvaluateTargetHealth: kit.Ptr(false)}}},
	}}})
	wantCode(t, err, "")
	_, err = s.DeleteHostedZone(ctx, testCaller, &route53.DeleteHostedZoneRequest{Id: kit.Ptr(id)})
	wantCode(t, err, "")
	f.check("zone deleted", false)
	if len(f.b.Network().HostedZones) != 0 {
		t.Errorf("zones left: %+v", f.b.Network().HostedZones)
	}
}

// zoneEqual compares zones with their records in any order.
func zoneEqual(a, b *model.HostedZone) bool {
	if a == nil || b == nil || a.ID != b.ID || a.Name != b.Name || !slices.Equal(a.VPCs, b.VPCs) || len(a.Records) != len(b.Records) {
		return false
	}
	for _, r := range b.Records {
		if !slices.ContainsFunc(a.Records, func(o model.DNSRecord) bool {
			return o.Name == r.Name && o.Type == r.Type && o.TTL == r.TTL && o.Alias == r.Alias && slices.Equal(o.Values, r.Values)
		}) {
			return false
		}
	}
	return true
}

// Concurrent change batches of one zone all succeed, as Route 53 accepts them: none is
// lost, and the zone is written as a whole each time.
func TestConcurrentChangeBatches(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	vpc := vpcAs(t, s, testCaller, "10.0.0.0/16")
	z, err := s.CreateHostedZone(ctx, testCaller, &route53.CreateHostedZoneRequest{Name: kit.Ptr("c.internal"), CallerReference: kit.Ptr("c"),
		VPC: &route53.VPC{VPCId: kit.Ptr(vpc), VPCRegion: kit.Ptr("us-east-1")}})
	wantCode(t, err, "")
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			rs := &route53.ResourceRecordSet{Name: kit.Ptr(fmt.Sprintf("h%d.c.internal", i)), Type: kit.Ptr("A"), TTL: kit.Ptr(int64(60)),
				ResourceRecords: []route53.ResourceRecord{{Value: kit.Ptr(fmt.Sprintf("10.0.0.%d", i+1))}}}
			_, err := s.ChangeResourceRecordSets(ctx, testCaller, &route53.ChangeResourceRecordSetsRequest{HostedZoneId: z.HostedZone.Id,
				ChangeBatch: &route53.ChangeBatch{Changes: []route53.Change{{Action: kit.Ptr("CREATE"), ResourceRecordSet: rs}}}})
			errs <- err
		}()
	}
	for range n {
		wantCode(t, <-errs, "")
	}
	got, err := s.GetHostedZone(ctx, testCaller, &route53.GetHostedZoneRequest{Id: z.HostedZone.Id})
	wantCode(t, err, "")
	if *got.HostedZone.ResourceRecordSetCount != n+2 {
		t.Errorf("%d record sets, want %d", *got.HostedZone.ResourceRecordSetCount, n+2)
	}
}
