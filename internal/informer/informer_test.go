package informer

import (
	"context"
	"reflect"
	"testing"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

func ptr[T any](v T) *T { return &v }

var caller = control.Caller{Account: "123456789012", Region: "us-east-1"}

// TestInformerFollowsTheStore lists a store, follows it through launches, a group rule
// and a tag, and checks the model against a full read after each, and what it reports.
func TestInformerFollowsTheStore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := control.New(st, control.Config{})
	vpc, err := svc.CreateVpc(ctx, caller, &ec2.CreateVpcRequest{CidrBlock: ptr("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := *vpc.Vpc.VpcId
	subnet, err := svc.CreateSubnet(ctx, caller, &ec2.CreateSubnetRequest{VpcId: ptr(vpcID), CidrBlock: ptr("10.0.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	inf := New(st)
	if err := inf.List(ctx); err != nil {
		t.Fatal(err)
	}
	// follow applies the events of every write done so far (the store has sent them all
	// when the write returned), checks the model against a full read and returns what
	// changed.
	follow := func(step string) Changes {
		t.Helper()
		want, rev, err := svc.Network(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var c Changes
		for inf.Revision() < rev || len(inf.Events()) > 0 {
			ev, ok := <-inf.Events()
			if !ok {
				t.Fatalf("%s: watch closed", step)
			}
			if err := inf.Apply(ev, &c); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(inf.Network(), want) {
			t.Fatalf("%s: the model differs from a full read", step)
		}
		return c
	}
	run, err := svc.RunInstances(ctx, caller, &ec2.RunInstancesRequest{ImageId: ptr("ami-12345678"), InstanceType: ptr("t2.micro"),
		MinCount: ptr(int32(2)), MaxCount: ptr(int32(2)), SubnetId: subnet.Subnet.SubnetId})
	if err != nil {
		t.Fatal(err)
	}
	if c := follow("launch"); !c.VPCs[vpcID] || len(c.VPCs) != 1 || len(c.Groups) == 0 {
		t.Errorf("launch reported %+v", c)
	}
	group := run.Instances[0].SecurityGroups[0].GroupId
	if _, err := svc.AuthorizeSecurityGroupIngress(ctx, caller, &ec2.AuthorizeSecurityGroupIngressRequest{GroupId: group,
		IpPermissions: []ec2.IpPermission{{IpProtocol: ptr("tcp"), FromPort: ptr(int32(22)), ToPort: ptr(int32(22)), IpRanges: []ec2.IpRange{{CidrIp: ptr("10.0.0.0/8")}}}}}); err != nil {
		t.Fatal(err)
	}
	if c := follow("rule"); !c.VPCs[vpcID] || len(c.Groups) != 0 {
		t.Errorf("rule reported %+v", c)
	}
	if err := svc.CreateTags(ctx, caller, &ec2.CreateTagsRequest{Resources: []string{vpcID, *run.Instances[0].InstanceId, *group},
		Tags: []ec2.Tag{{Key: ptr("Name"), Value: ptr("web")}}}); err != nil {
		t.Fatal(err)
	}
	if c := follow("tag"); !c.Empty() {
		t.Errorf("tag reported %+v", c)
	}
}
