package e2e

// Amazon DynamoDB on real packets, through a gateway endpoint: the aws CLI in an instance
// of a private subnet names DynamoDB's regional endpoint, the VPC's resolver gives its
// address, the route table's prefix-list route delivers it to the VPC's services daemon,
// which hands the request to vpcd's API with the endpoint it came through.

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
)

// dynamoDBEndpoint is how the CLI in an instance names DynamoDB: its regional name, over
// HTTP.
const dynamoDBEndpoint = "http://dynamodb.us-east-1.amazonaws.com"

// TestDynamoDBThroughGatewayEndpoint: an instance in a private subnet without NAT writes
// and reads an item through a gateway endpoint to DynamoDB; an endpoint policy that
// denies PutItem refuses it with AccessDeniedException and still lets GetItem through.
func TestDynamoDBThroughGatewayEndpoint(t *testing.T) {
	p := startPlane(t)
	host := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	_, err := host.CreateTable(p.ctx, &ddb.CreateTableInput{TableName: aws.String("e2e-items"), BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}}})
	p.check("CreateTable", err)

	vpc, sub, rtID := p.privateSubnet()
	ep, err := p.ec2.CreateVpcEndpoint(p.ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws.us-east-1.dynamodb"),
		RouteTableIds: []string{rtID}})
	p.check("CreateVpcEndpoint", err)
	vpce := aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	t.Cleanup(func() {
		p.ec2.DeleteVpcEndpoints(p.ctx, &ec2sdk.DeleteVpcEndpointsInput{VpcEndpointIds: []string{vpce}})
	})
	inst := p.launch(sub, nil)

	// The services daemon answers at DynamoDB's address (any status: the request is not
	// signed) before the CLI, slower to start, tries.
	p.curlEventually(inst.ID, dynamoDBEndpoint+"/", "")
	put := []string{"dynamodb", "put-item", "--table-name", "e2e-items", "--item", `{"id":{"S":"from-vpc"},"n":{"N":"7"}}`}
	p.awsEventually(inst.ID, dynamoDBEndpoint, "", true, put...)
	out, ok := p.awsAt(inst.ID, dynamoDBEndpoint, "dynamodb", "get-item", "--table-name", "e2e-items", "--key", `{"id":{"S":"from-vpc"}}`)
	if !ok || !strings.Contains(out, `"7"`) {
		t.Fatalf("get-item through the endpoint: %s", out)
	}
	got, err := host.GetItem(p.ctx, &ddb.GetItemInput{TableName: aws.String("e2e-items"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "from-vpc"}}})
	p.check("GetItem on the host", err)
	if len(got.Item) == 0 {
		t.Errorf("the instance's item is not seen from the host")
	}

	// A policy that denies PutItem on the table, and allows the rest.
	deny := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"dynamodb:*","Resource":"*"},` +
		`{"Effect":"Deny","Principal":"*","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/e2e-items",` +
		`"Condition":{"StringEquals":{"aws:SourceVpce":"` + vpce + `"}}}]}`
	_, err = p.ec2.ModifyVpcEndpoint(p.ctx, &ec2sdk.ModifyVpcEndpointInput{VpcEndpointId: aws.String(vpce), PolicyDocument: aws.String(deny)})
	p.check("ModifyVpcEndpoint", err)
	if out, ok := p.awsAt(inst.ID, dynamoDBEndpoint, put...); ok || !strings.Contains(out, "AccessDeniedException") {
		t.Errorf("put-item under a policy that denies it: %s, want AccessDeniedException", out)
	}
	if out, ok := p.awsAt(inst.ID, dynamoDBEndpoint, "dynamodb", "get-item", "--table-name", "e2e-items", "--key", `{"id":{"S":"from-vpc"}}`); !ok || !strings.Contains(out, "from-vpc") {
		t.Errorf("get-item under a policy that denies PutItem alone: %s", out)
	}
}

// awsEventually runs the CLI in an instance until its output contains want and it
// succeeded (or, with !succeeds, failed), as the data plane converges.
func (p *plane) awsEventually(id, endpoint, want string, succeeds bool, args ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(converge)
	for {
		out, ok := p.awsAt(id, endpoint, args...)
		if strings.Contains(out, want) && ok == succeeds {
			return out
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("aws %v in %s: %q (ok %v), want %q within %v", args, id, out, ok, want, converge)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
