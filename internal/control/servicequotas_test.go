package control

import (
	"context"
	"testing"

	sq "vpcd/internal/aws/servicequotas"
	"vpcd/internal/control/kit"
	"vpcd/internal/control/quotas"
	"vpcd/internal/ec2"
)

func TestServiceQuotaErrors(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   sq.RequestServiceQuotaIncreaseRequest
		want string
	}{
		{"unknown service", sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("s3"), QuotaCode: kit.Ptr("L-0263D0A3"), DesiredValue: kit.Ptr(10.0)}, "NoSuchResourceException"},
		{"unknown quota", sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-00000000"), DesiredValue: kit.Ptr(10.0)}, "NoSuchResourceException"},
		{"quota of another service", sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("vpc"), QuotaCode: kit.Ptr("L-0263D0A3"), DesiredValue: kit.Ptr(10.0)}, "NoSuchResourceException"},
		{"below the current value", sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3"), DesiredValue: kit.Ptr(4.0)}, "IllegalArgumentException"},
		{"equal to the current value", sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3"), DesiredValue: kit.Ptr(5.0)}, "IllegalArgumentException"},
		{"negative", sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3"), DesiredValue: kit.Ptr(-1.0)}, "IllegalArgumentException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.RequestServiceQuotaIncrease(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.want)
		})
	}
	_, err := s.GetRequestedServiceQuotaChange(ctx, testCaller, &sq.GetRequestedServiceQuotaChangeRequest{RequestId: kit.Ptr("0123456789abcdef0123456789abcdef")})
	wantCode(t, err, "NoSuchResourceException")
	_, err = s.ListServiceQuotas(ctx, testCaller, &sq.ListServiceQuotasRequest{ServiceCode: kit.Ptr("ec2"), NextToken: kit.Ptr("x")})
	wantCode(t, err, "InvalidPaginationTokenException")
}

// TestQuotaIncreaseRaisesTheLimit: a sixth Elastic IP fails at AWS's default and is
// allocated once the quota is raised; the request is kept, approved, in the history.
func TestQuotaIncreaseRaisesTheLimit(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for range 5 {
		allocate(t, s)
	}
	_, err := s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{})
	wantCode(t, err, "AddressLimitExceeded")
	req, err := s.RequestServiceQuotaIncrease(ctx, testCaller, &sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3"), DesiredValue: kit.Ptr(6.0)})
	if err != nil {
		t.Fatal(err)
	}
	if *req.RequestedQuota.Status != "APPROVED" || *req.RequestedQuota.DesiredValue != 6 {
		t.Errorf("request = %+v", req.RequestedQuota)
	}
	allocate(t, s)
	_, err = s.AllocateAddress(ctx, testCaller, &ec2.AllocateAddressRequest{})
	wantCode(t, err, "AddressLimitExceeded")
	attrs, err := s.DescribeAccountAttributes(ctx, testCaller, &ec2.DescribeAccountAttributesRequest{AttributeNames: []string{"vpc-max-elastic-ips"}})
	if err != nil || *attrs.AccountAttributes[0].AttributeValues[0].AttributeValue != "6" {
		t.Errorf("DescribeAccountAttributes = %+v, %v", attrs, err)
	}

	got, err := s.GetServiceQuota(ctx, testCaller, &sq.GetServiceQuotaRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3")})
	if err != nil || *got.Quota.Value != 6 || *got.Quota.QuotaName != "EC2-VPC Elastic IPs" {
		t.Errorf("GetServiceQuota = %+v, %v", got, err)
	}
	def, err := s.GetAWSDefaultServiceQuota(ctx, testCaller, &sq.GetAWSDefaultServiceQuotaRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3")})
	if err != nil || *def.Quota.Value != 5 {
		t.Errorf("GetAWSDefaultServiceQuota = %+v, %v", def, err)
	}
	// Another account keeps the default.
	other := Caller{Account: "210987654321", Region: "us-east-1"}
	got, err = s.GetServiceQuota(ctx, other, &sq.GetServiceQuotaRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3")})
	if err != nil || *got.Quota.Value != 5 {
		t.Errorf("other account's quota = %+v, %v", got, err)
	}
	change, err := s.GetRequestedServiceQuotaChange(ctx, testCaller, &sq.GetRequestedServiceQuotaChangeRequest{RequestId: req.RequestedQuota.Id})
	if err != nil || *change.RequestedQuota.QuotaCode != "L-0263D0A3" {
		t.Errorf("GetRequestedServiceQuotaChange = %+v, %v", change, err)
	}
	hist, err := s.ListRequestedServiceQuotaChangeHistoryByQuota(ctx, testCaller, &sq.ListRequestedServiceQuotaChangeHistoryByQuotaRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-0263D0A3")})
	if err != nil || len(hist.RequestedQuotas) != 1 {
		t.Errorf("history = %+v, %v", hist, err)
	}
	hist2, err := s.ListRequestedServiceQuotaChangeHistory(ctx, testCaller, &sq.ListRequestedServiceQuotaChangeHistoryRequest{ServiceCode: kit.Ptr("vpc")})
	if err != nil || len(hist2.RequestedQuotas) != 0 {
		t.Errorf("vpc history = %+v, %v", hist2, err)
	}
}

// TestVpcQuota: at AWS's default of 5 the sixth VPC is refused, and a raise lets it in.
func TestVpcQuota(t *testing.T) {
	s := newTestService(t)
	s.QuotaStart = map[string]float64{kit.QuotaVpcs.Key(): 5}
	ctx := context.Background()
	for range 5 {
		if _, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16")})
	wantCode(t, err, "VpcLimitExceeded")
	if _, err := s.RequestServiceQuotaIncrease(ctx, testCaller, &sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("vpc"), QuotaCode: kit.Ptr("L-F678F1CE"), DesiredValue: kit.Ptr(6.0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateVpc(ctx, testCaller, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr("10.0.0.0/16")}); err != nil {
		t.Fatal(err)
	}
}

func TestListServiceQuotasPages(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	var codes []string
	var token *string
	for {
		out, err := s.ListServiceQuotas(ctx, testCaller, &sq.ListServiceQuotasRequest{ServiceCode: kit.Ptr("vpc"), MaxResults: kit.Ptr(int32(2)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range out.Quotas {
			codes = append(codes, *q.QuotaCode)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	want, _ := quotas.ServiceQuotas("vpc", "")
	if len(codes) != len(want) {
		t.Errorf("codes = %v, want %d", codes, len(want))
	}
	svcs, err := s.ListServices(ctx, testCaller, &sq.ListServicesRequest{})
	if err != nil || len(svcs.Services) != 3 {
		t.Errorf("ListServices = %+v, %v", svcs, err)
	}
}

func TestCheckQuotas(t *testing.T) {
	for _, tc := range []struct {
		start map[string]float64
		ok    bool
	}{
		{map[string]float64{"ec2/L-0263D0A3": 10, "vpc/L-F678F1CE": 5}, true},
		{map[string]float64{"ec2/L-F678F1CE": 5}, false},
		{map[string]float64{"vpc/L-F678F1CE": 2.5}, false},
		{map[string]float64{"vpc": 5}, false},
	} {
		if err := quotas.CheckQuotas(tc.start); (err == nil) != tc.ok {
			t.Errorf("CheckQuotas(%v) = %v", tc.start, err)
		}
	}
}

// TestVcpuQuota: running instances count their type's vCPUs; a stopped one frees its
// vCPUs and needs them back to start.
func TestVcpuQuota(t *testing.T) {
	s := newTestService(t)
	s.QuotaStart = map[string]float64{kit.QuotaStandardVcpus.Key(): 5}
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.0.0/24")
	large := func(in *ec2.RunInstancesRequest) { in.InstanceType = kit.Ptr("t3.large") } // 2 vCPUs
	_, err := run(s, subnetID, 3, large)
	wantCode(t, err, "VcpuLimitExceeded")
	res, err := run(s, subnetID, 1, large, func(in *ec2.RunInstancesRequest) { in.MaxCount = kit.Ptr(int32(3)) })
	if err != nil || len(res.Instances) != 2 {
		t.Fatalf("launched %+v, %v; want the 2 that fit", res, err)
	}
	if _, err := run(s, subnetID, 1); err != nil { // t2.micro: the fifth vCPU
		t.Fatal(err)
	}
	first := *res.Instances[0].InstanceId
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{first}}); err != nil {
		t.Fatal(err)
	}
	if _, err := run(s, subnetID, 1); err != nil {
		t.Fatal(err)
	}
	_, err = s.StartInstances(ctx, testCaller, &ec2.StartInstancesRequest{InstanceIds: []string{first}})
	wantCode(t, err, "VcpuLimitExceeded")
	if _, err := s.RequestServiceQuotaIncrease(ctx, testCaller, &sq.RequestServiceQuotaIncreaseRequest{ServiceCode: kit.Ptr("ec2"), QuotaCode: kit.Ptr("L-1216C47A"), DesiredValue: kit.Ptr(8.0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartInstances(ctx, testCaller, &ec2.StartInstancesRequest{InstanceIds: []string{first}}); err != nil {
		t.Fatal(err)
	}
}
