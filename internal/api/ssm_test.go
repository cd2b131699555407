package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"vpcd/internal/vpcdtest"
)

const al2023Param = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

func ssmClient(url, region string) *ssmsdk.Client {
	return ssmsdk.New(ssmsdk.Options{Region: region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
}

// The SDK finds the latest Amazon Linux 2023 through its public parameter, and the image
// it names is the one DescribeImages gives in that region; the instance launches from it.
func TestSDKPublicParameterNamesCatalogImage(t *testing.T) {
	ctx := context.Background()
	srv := vpcdtest.Start(t)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		p, err := ssmClient(srv.URL, region).GetParameter(ctx, &ssmsdk.GetParameterInput{Name: aws.String(al2023Param)})
		if err != nil {
			t.Fatal(err)
		}
		par := p.Parameter
		if par.Type != ssmtypes.ParameterTypeString || aws.ToString(par.ARN) != "arn:aws:ssm:"+region+"::parameter"+al2023Param ||
			par.Version < 1 || par.LastModifiedDate == nil || aws.ToString(par.Name) != al2023Param {
			t.Errorf("%s: parameter %+v", region, par)
		}
		imgs, err := vpcdtest.Client(srv.URL, "123456789012", region).DescribeImages(ctx, &ec2sdk.DescribeImagesInput{ImageIds: []string{aws.ToString(par.Value)}})
		if err != nil {
			t.Fatal(err)
		}
		if name := aws.ToString(imgs.Images[0].Name); !strings.HasPrefix(name, "al2023-ami-2023.") || !strings.HasSuffix(name, "-x86_64") {
			t.Errorf("%s: %s names %s", region, aws.ToString(par.Value), name)
		}
	}

	c := ssmClient(srv.URL, "us-east-1")
	_, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: aws.String("/aws/service/ami-amazon-linux-latest/nothing")})
	var notFound *ssmtypes.ParameterNotFound
	if !errors.As(err, &notFound) {
		t.Errorf("unknown parameter: %v", err)
	}
	many, err := c.GetParameters(ctx, &ssmsdk.GetParametersInput{Names: []string{al2023Param, "/missing", al2023Param + ":1"}})
	if err != nil || len(many.Parameters) != 2 || len(many.InvalidParameters) != 1 || many.InvalidParameters[0] != "/missing" ||
		aws.ToString(many.Parameters[1].Selector) != ":1" {
		t.Errorf("GetParameters: %+v, %v", many, err)
	}
	var names []string
	pages := ssmsdk.NewGetParametersByPathPaginator(c, &ssmsdk.GetParametersByPathInput{Path: aws.String("/aws/service/ami-amazon-linux-latest"), MaxResults: aws.Int32(3)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Parameters {
			names = append(names, aws.ToString(p.Name))
		}
	}
	if len(names) != 11 || names[0] != "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64" {
		t.Errorf("by path: %v", names)
	}
	ubuntu, err := c.GetParametersByPath(ctx, &ssmsdk.GetParametersByPathInput{Path: aws.String("/aws/service/canonical/ubuntu/server/24.04"), Recursive: aws.Bool(true)})
	if err != nil || len(ubuntu.Parameters) != 2 {
		t.Errorf("ubuntu 24.04 recursive: %+v, %v", ubuntu, err)
	}
	flat, err := c.GetParametersByPath(ctx, &ssmsdk.GetParametersByPathInput{Path: aws.String("/aws/service/canonical/ubuntu/server/24.04")})
	if err != nil || len(flat.Parameters) != 0 {
		t.Errorf("ubuntu 24.04 one level: %+v, %v", flat, err)
	}
	_, err = c.GetParametersByPath(ctx, &ssmsdk.GetParametersByPathInput{Path: aws.String("/aws"), MaxResults: aws.Int32(50)})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
		t.Errorf("MaxResults 50: %v", err)
	}
	_, err = c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: aws.String("/mine"), Value: aws.String("x"), Type: ssmtypes.ParameterTypeString})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Errorf("PutParameter: %v", err)
	}
}

// `aws ssm get-parameter` answers as on AWS.
func TestAWSCLIGetParameter(t *testing.T) {
	srv := vpcdtest.Start(t)
	out, ok := awsCLI(t, srv.URL, "ssm", "get-parameter", "--name", al2023Param)
	if !ok {
		t.Fatal(out)
	}
	var got struct {
		Parameter struct {
			Name, Type, Value, ARN, DataType string
			Version                          int
			LastModifiedDate                 any
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Parameter.Name != al2023Param || !strings.HasPrefix(got.Parameter.Value, "ami-") ||
		got.Parameter.Type != "String" || got.Parameter.LastModifiedDate == nil {
		t.Errorf("get-parameter: %+v (%v)\n%s", got, err, out)
	}
	out, ok = awsCLI(t, srv.URL, "ssm", "get-parameter", "--name", "/aws/service/nothing")
	if ok || !strings.Contains(out, "(ParameterNotFound)") {
		t.Errorf("missing parameter: %s", out)
	}
}
