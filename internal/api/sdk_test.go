package api_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/store"
	"vpcd/internal/vpcdtest"
)

// The AWS SDK for Go v2 parses vpcd's answers and errors as it parses AWS's.
func TestSDKRoundTrip(t *testing.T) {
	ctx := context.Background()
	client := vpcdtest.Start(t).EC2(t, "123456789012")

	_, err := client.CreateTags(ctx, &ec2sdk.CreateTagsInput{
		Resources: []string{"vpc-0123456789abcdef0"},
		Tags:      []types.Tag{{Key: aws.String("Name"), Value: aws.String("x")}},
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidVpcID.NotFound" {
		t.Fatalf("CreateTags on a missing VPC: %v, want InvalidVpcID.NotFound", err)
	}

	_, err = client.CreateTags(ctx, &ec2sdk.CreateTagsInput{
		DryRun:    aws.Bool(true),
		Resources: []string{"vpc-0123456789abcdef0"},
		Tags:      []types.Tag{{Key: aws.String("Name"), Value: aws.String("x")}},
	})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "DryRunOperation" {
		t.Fatalf("DryRun: %v, want DryRunOperation", err)
	}

	out, err := client.DescribeTags(ctx, &ec2sdk.DescribeTagsInput{
		Filters: []types.Filter{{Name: aws.String("resource-type"), Values: []string{"vpc"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 0 {
		t.Errorf("DescribeTags: %+v, want none", out.Tags)
	}
}

// In strict mode the SDK's own signatures verify, and a wrong secret is refused with the
// code the SDK reports.
func TestSDKStrict(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("AKIDEXAMPLE secret 111122223333\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := api.LoadCredentials(creds)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.New(control.New(st, control.Config{}), api.Config{Credentials: keys}))
	t.Cleanup(func() {
		ts.Close()
		st.Close()
	})
	ctx := context.Background()

	// vpcdtest.Client signs with the secret "secret".
	if _, err := vpcdtest.Client(ts.URL, "AKIDEXAMPLE", "us-east-1").DescribeTags(ctx, &ec2sdk.DescribeTagsInput{}); err != nil {
		t.Fatalf("signed by the SDK: %v", err)
	}
	bad := ec2sdk.New(ec2sdk.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wrong"}, nil
		}),
		RetryMaxAttempts: 1,
	})
	_, err = bad.DescribeTags(ctx, &ec2sdk.DescribeTagsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v, want SignatureDoesNotMatch", err)
	}
}
