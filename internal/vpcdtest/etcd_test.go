package vpcdtest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/store"
	"vpcd/internal/store/etcdtest"
)

// startOnEtcd serves the API in process over the etcd at endpoint, in namespace ns.
func startOnEtcd(tb testing.TB, endpoint, ns string) *Server {
	tb.Helper()
	st, err := store.OpenEtcd(context.Background(), store.EtcdConfig{Endpoints: []string{endpoint}, Namespace: ns})
	if err != nil {
		tb.Fatal(err)
	}
	return StartOn(tb, st)
}

// vpcIDs describes the VPCs that ids name and returns the IDs found.
func vpcIDs(t *testing.T, c *ec2sdk.Client, ids ...string) []string {
	t.Helper()
	out, err := c.DescribeVpcs(context.Background(), &ec2sdk.DescribeVpcsInput{VpcIds: ids})
	if err != nil {
		t.Fatalf("DescribeVpcs %v: %v", ids, err)
	}
	var got []string
	for _, v := range out.Vpcs {
		got = append(got, aws.ToString(v.VpcId))
	}
	return got
}

// TestTwoServersShareEtcd runs two vpcd API servers on one etcd: what one creates, the
// other reads and builds on; a third deployment under another prefix sees none of it.
func TestTwoServersShareEtcd(t *testing.T) {
	endpoint := etcdtest.Start(t)
	const account = "123456789012"
	ctx := context.Background()
	a := startOnEtcd(t, endpoint, "vpcd/").EC2(t, account)
	b := startOnEtcd(t, endpoint, "vpcd/").EC2(t, account)
	other := startOnEtcd(t, endpoint, "other/").EC2(t, account)

	vpc, err := a.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	if got := vpcIDs(t, b, vpcID); len(got) != 1 {
		t.Fatalf("server b describes %v for %s, want the VPC server a created", got, vpcID)
	}
	// b writes under a's VPC: its transaction reads the VPC from the shared store.
	sub, err := b.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.1.0/24")})
	if err != nil {
		t.Fatalf("CreateSubnet through server b in server a's VPC: %v", err)
	}
	// a's overlapping subnet conflicts with b's, which it never saw through its own API.
	if _, err := a.CreateSubnet(ctx, &ec2sdk.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.1.0/25")}); err == nil {
		t.Error("server a created a subnet overlapping server b's")
	}
	subs, err := a.DescribeSubnets(ctx, &ec2sdk.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(sub.Subnet.SubnetId)}})
	if err != nil || len(subs.Subnets) != 1 {
		t.Errorf("server a describes server b's subnet: %v, %v", subs, err)
	}
	if _, err := other.DescribeVpcs(ctx, &ec2sdk.DescribeVpcsInput{VpcIds: []string{vpcID}}); err == nil {
		t.Errorf("a deployment under another prefix found %s", vpcID)
	}

	t.Run("a describe without IDs after the reader has cached the kind", func(t *testing.T) {
		// A Describe without IDs answers from the server's cache, loaded on first use; a
		// VPC that a creates next reaches b's cache through the store's watch, soon after
		// a's answer.
		before := vpcIDs(t, b)
		vpc2, err := a.CreateVpc(ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16")})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for got := vpcIDs(t, b); len(got) != len(before)+1; got = vpcIDs(t, b) {
			if time.Now().After(deadline) {
				t.Fatalf("server b describes VPCs %v, want %v and %s", got, before, aws.ToString(vpc2.Vpc.VpcId))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
