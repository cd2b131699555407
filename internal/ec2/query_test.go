package ec2

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestDecodeFlattening(t *testing.T) {
	q, _ := url.ParseQuery("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=a&Filter.1.Value.2=b&Filter.2.Name=is-default&Filter.2.Value.1=true&VpcId.1=vpc-1&MaxResults=5&DryRun=false")
	var in DescribeVpcsRequest
	if err := Decode(q, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Filters) != 2 || *in.Filters[0].Name != "tag:Name" || strings.Join(in.Filters[0].Values, ",") != "a,b" {
		t.Fatalf("filters = %+v", in.Filters)
	}
	if len(in.VpcIds) != 1 || in.VpcIds[0] != "vpc-1" || *in.MaxResults != 5 || *in.DryRun {
		t.Fatalf("in = %+v", in)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, query, code string
	}{
		{"unknown parameter", "Foo=1", "UnknownParameter"},
		{"bad integer", "MaxResults=x", "InvalidParameterValue"},
		{"bad boolean", "DryRun=maybe", "InvalidParameterValue"},
		{"list index zero", "VpcId.0=vpc-1", "UnknownParameter"},
		{"scalar with children", "NextToken.1=a", "UnknownParameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			var in DescribeVpcsRequest
			err := Decode(q, &in)
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
	var e *Error
	if err := Decode(url.Values{}, &CreateSubnetRequest{}); !errors.As(err, &e) || e.Code != "MissingParameter" {
		t.Fatalf("missing: %v", err)
	}
}

func TestEncodeResponse(t *testing.T) {
	id := "vpc-1"
	out := EncodeResponse("CreateVpc", "req-1", &CreateVpcResult{Vpc: &Vpc{VpcId: &id, Tags: []Tag{{Key: &id, Value: &id}}}})
	want := `<CreateVpcResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><vpc><cidrBlockAssociationSet/><tagSet><item><key>vpc-1</key><value>vpc-1</value></item></tagSet><vpcId>vpc-1</vpcId></vpc></CreateVpcResponse>`
	if !strings.HasSuffix(string(out), want) {
		t.Fatalf("got %s", out)
	}
}
