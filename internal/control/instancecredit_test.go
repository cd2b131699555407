package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func TestInstanceCreditSpecifications(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, sn := vpcWithSubnet(t, s, "10.0.1.0/24")
	t3 := *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) { in.InstanceType = kit.Ptr("t3.micro") }).InstanceId
	t2 := *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) {
		in.InstanceType = kit.Ptr("t2.micro")
		in.CreditSpecification = &ec2.CreditSpecificationRequest{CpuCredits: kit.Ptr("unlimited")}
	}).InstanceId
	m5 := *mustRun(t, s, sn, func(in *ec2.RunInstancesRequest) { in.InstanceType = kit.Ptr("m5.large") }).InstanceId
	credits := func() map[string]string {
		out, err := s.DescribeInstanceCreditSpecifications(ctx, testCaller, &ec2.DescribeInstanceCreditSpecificationsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range out.InstanceCreditSpecifications {
			got[*c.InstanceId] = *c.CpuCredits
		}
		return got
	}
	if got := credits(); len(got) != 2 || got[t3] != "unlimited" || got[t2] != "unlimited" {
		t.Errorf("credits %v: want t3 unlimited by default, t2 unlimited as launched, no m5", got)
	}
	out, err := s.ModifyInstanceCreditSpecification(ctx, testCaller, &ec2.ModifyInstanceCreditSpecificationRequest{InstanceCreditSpecifications: []ec2.InstanceCreditSpecificationRequest{
		{InstanceId: kit.Ptr(t3), CpuCredits: kit.Ptr("standard")}, {InstanceId: kit.Ptr(m5), CpuCredits: kit.Ptr("standard")},
	}})
	if err != nil || len(out.SuccessfulInstanceCreditSpecifications) != 1 || len(out.UnsuccessfulInstanceCreditSpecifications) != 1 ||
		*out.UnsuccessfulInstanceCreditSpecifications[0].Error.Code != "InvalidParameterCombination" {
		t.Fatalf("ModifyInstanceCreditSpecification: %+v, %v", out, err)
	}
	if got := credits(); got[t3] != "standard" {
		t.Errorf("t3 after modify: %v", got)
	}
	_, err = run(s, sn, 1, func(in *ec2.RunInstancesRequest) {
		in.InstanceType = kit.Ptr("t3.micro")
		in.CreditSpecification = &ec2.CreditSpecificationRequest{CpuCredits: kit.Ptr("boost")}
	})
	wantCode(t, err, "InvalidParameterValue")
}
