package api

import (
	"context"
	"net/http"
	"reflect"
	"strings"

	"vpcd/internal/aws/dynamodb"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/iampolicy"
)

// Amazon DynamoDB is served for tables and their items (internal/dynamostore):
// CreateTable, DescribeTable, ListTables, DeleteTable, PutItem, GetItem, DeleteItem,
// UpdateItem, Query and Scan. Batches, transactions, PartiQL, indexes, backups,
// streams, TTL, tags and global tables stay unserved (UnknownOperationException).
//
// A request that comes through a gateway endpoint (the VPC's services daemon proxies
// DynamoDB's address to the API socket, saying which endpoint, as for S3) is let
// through only when the endpoint's policy allows its action (dynamodb:Op) on the
// table's ARN, with the condition keys of s3policy.go (aws:SourceVpce, aws:SourceVpc,
// aws:VpcSourceIp); DynamoDB has no resource policies here, so nothing else refuses.
func registerDynamoDB(s *Server) {
	st := s.cfg.DynamoDB
	if st == nil {
		return
	}
	svc := s.addService(dynamodb.API, jsonProtocol{desc: &dynamodb.API, errorType: dynamoDBErrorType, clientStatus: http.StatusBadRequest})
	svc.before = s.dynamoDBAuthorized
	const name = "dynamodb"
	Handle(s, name, "CreateTable", st.CreateTable)
	Handle(s, name, "DescribeTable", st.DescribeTable)
	Handle(s, name, "ListTables", st.ListTables)
	Handle(s, name, "DeleteTable", st.DeleteTable)
	Handle(s, name, "PutItem", st.PutItem)
	Handle(s, name, "GetItem", st.GetItem)
	Handle(s, name, "DeleteItem", st.DeleteItem)
	Handle(s, name, "UpdateItem", st.UpdateItem)
	Handle(s, name, "Query", st.Query)
	Handle(s, name, "Scan", st.Scan)
}

// dynamoDBErrorType is the __type DynamoDB gives an error: the service's own errors
// qualified with its namespace, the front end's with Coral's, under DynamoDB's names for
// the authentication failures.
func dynamoDBErrorType(code string) string {
	if c, ok := dynamoDBAuthCodes[code]; ok {
		code = c
	}
	switch code {
	case "ValidationException":
		return "com.amazon.coral.validate#" + code
	case "InternalError":
		return "com.amazonaws.dynamodb.v20120810#InternalServerError"
	}
	if _, ok := dynamodb.API.Errors[code]; ok {
		return "com.amazonaws.dynamodb.v20120810#" + code
	}
	return "com.amazon.coral.service#" + code
}

// dynamoDBAuthCodes are DynamoDB's codes for the authentication failures (auth.go).
var dynamoDBAuthCodes = map[string]string{
	"MissingAuthenticationToken": "MissingAuthenticationTokenException",
	"InvalidClientTokenId":       "UnrecognizedClientException",
	"SignatureDoesNotMatch":      "InvalidSignatureException",
}

// sourceKey carries a request's s3Source (where a data-plane proxy says it came from)
// in its context, to the services' checks that run after the input is decoded.
type sourceKey struct{}

func withSource(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), sourceKey{}, s3SourceOf(r)))
}

// dynamoDBAuthorized refuses a request that came through a gateway endpoint whose policy
// does not allow it, with DynamoDB's AccessDeniedException.
func (s *Server) dynamoDBAuthorized(ctx context.Context, c control.Caller, in any) error {
	src, _ := ctx.Value(sourceKey{}).(s3Source)
	if src.vpce == "" {
		return nil
	}
	action := "dynamodb:" + strings.TrimSuffix(reflect.TypeOf(in).Elem().Name(), "Input")
	resource := "*"
	if f := reflect.ValueOf(in).Elem().FieldByName("TableName"); f.IsValid() && !f.IsNil() {
		resource = "arn:aws:dynamodb:" + c.Region + ":" + c.Account + ":table/" + f.Elem().String()
	}
	denied := func(why string) error {
		return errDynamoDBAccessDenied("User: arn:aws:iam::" + c.Account + ":root is not authorized to perform: " + action + " on resource: " + resource + " because " + why)
	}
	implicit := denied("no VPC endpoint policy allows the " + action + " action")
	if s.gatewayPolicy == nil {
		return implicit
	}
	doc, vpc, ok, err := s.gatewayPolicy(ctx, control.Caller{Account: src.account, Region: src.region}, src.vpce)
	if err != nil {
		return err
	}
	if !ok || vpc != src.vpc {
		return implicit // deleted while the proxy still carried it
	}
	p, err := iampolicy.Parse(doc)
	if err != nil {
		return implicit
	}
	switch p.Evaluate(iampolicy.Request{Action: action, Resource: resource, Account: c.Account, Context: src.context(c.Account)}) {
	case iampolicy.Allowed:
		return nil
	case iampolicy.Denied:
		return denied("with an explicit deny in a VPC endpoint policy")
	}
	return implicit
}

// errDynamoDBAccessDenied is DynamoDB's refusal by a policy: a 400, as DynamoDB answers
// its client errors.
func errDynamoDBAccessDenied(msg string) error {
	return &ec2.Error{Code: "AccessDeniedException", Status: http.StatusBadRequest, Message: msg}
}
