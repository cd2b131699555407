package control

import (
	"context"
	"testing"

	"vpcd/internal/aws/ssm"
	"vpcd/internal/control/kit"
)

func TestGetPublicParameter(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	const al = "/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64"
	want := catalogID(t, "us-east-1", "al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-arm64")
	for _, tc := range []struct{ name, param, value, code string }{
		{"by name", al, want, ""},
		{"by ARN", "arn:aws:ssm:us-east-1::parameter" + al, want, ""},
		{"with its version", al + ":1", want, ""},
		{"another version", al + ":7", "", "ParameterVersionNotFound"},
		{"a label", al + ":prod", "", "ParameterNotFound"},
		{"ubuntu 24.04", "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id", catalogID(t, "us-east-1", "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206"), ""},
		{"debian 12", "/aws/service/debian/release/12/latest/amd64", catalogID(t, "us-east-1", "debian-12-amd64-20241201-1948"), ""},
		{"amazon linux 2", "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2", catalogID(t, "us-east-1", "amzn2-ami-hvm-2.0.20241217.0-x86_64-gp2"), ""},
		{"windows", "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base", catalogID(t, "us-east-1", "Windows_Server-2022-English-Full-Base-2024.12.13"), ""},
		{"a parameter of one's own", "/app/db-url", "", "ParameterNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.GetParameter(ctx, testCaller, &ssm.GetParameterRequest{Name: kit.Ptr(tc.param)})
			wantCode(t, err, tc.code)
			if err == nil && (*out.Parameter.Value != tc.value || *out.Parameter.DataType != "aws:ec2:image") {
				t.Fatalf("parameter %+v, want value %s", out.Parameter, tc.value)
			}
		})
	}
}

func TestGetParametersByPathFilters(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	path := kit.Ptr("/aws/service/debian/release")
	filter := func(key string, values ...string) []ssm.ParameterStringFilter {
		return []ssm.ParameterStringFilter{{Key: kit.Ptr(key), Values: values}}
	}
	for _, tc := range []struct {
		name  string
		in    ssm.GetParametersByPathRequest
		count int
		code  string
	}{
		{"one level holds none", ssm.GetParametersByPathRequest{Path: path}, 0, ""},
		{"recursive", ssm.GetParametersByPathRequest{Path: path, Recursive: kit.Ptr(true)}, 4, ""},
		{"type String", ssm.GetParametersByPathRequest{Path: path, Recursive: kit.Ptr(true), ParameterFilters: filter("Type", "String")}, 4, ""},
		{"type SecureString", ssm.GetParametersByPathRequest{Path: path, Recursive: kit.Ptr(true), ParameterFilters: filter("Type", "SecureString")}, 0, ""},
		{"name is no filter with a path", ssm.GetParametersByPathRequest{Path: path, ParameterFilters: filter("Name", "x")}, 0, "InvalidFilterKey"},
		{"relative path", ssm.GetParametersByPathRequest{Path: kit.Ptr("aws/service")}, 0, "ValidationException"},
		{"bad token", ssm.GetParametersByPathRequest{Path: path, NextToken: kit.Ptr("!!")}, 0, "InvalidNextToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.GetParametersByPath(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err == nil && len(out.Parameters) != tc.count {
				t.Fatalf("%d parameters, want %d: %+v", len(out.Parameters), tc.count, out.Parameters)
			}
		})
	}
}
