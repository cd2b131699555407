package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/dynamostore"
	"vpcd/internal/store"
)

// startDynamoDB serves the API with a DynamoDB store in dataDir; stop closes both.
func startDynamoDB(t *testing.T, dataDir string) (url string, stop func()) {
	t.Helper()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tables, err := dynamostore.Open(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.New(control.New(st, control.Config{}), api.Config{Credentials: strictKeys, DynamoDB: tables}))
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			ts.Close()
			tables.Close()
			st.Close()
		}
	}
	t.Cleanup(stop)
	return ts.URL, stop
}

func dynamoClient(url string) *ddb.Client {
	return ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "s3cret", "")})
}

func str(s string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: s} }
func num(n string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberN{Value: n} }

// The SDK's DynamoDB client makes a table, writes, reads, updates, queries and scans
// items through vpcd's listener, strict authentication checking its signatures, and
// gets DynamoDB's errors; the items outlive vpcd.
func TestDynamoDBSDK(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	url, stop := startDynamoDB(t, dataDir)
	c := dynamoClient(url)

	out, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("orders"),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("customer"), KeyType: ddbtypes.KeyTypeHash}, {AttributeName: aws.String("n"), KeyType: ddbtypes.KeyTypeRange}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("customer"), AttributeType: ddbtypes.ScalarAttributeTypeS}, {AttributeName: aws.String("n"), AttributeType: ddbtypes.ScalarAttributeTypeN}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := out.TableDescription; d.TableStatus != ddbtypes.TableStatusActive || *d.TableArn != "arn:aws:dynamodb:us-east-1:123456789012:table/orders" || d.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest {
		t.Errorf("CreateTable: %+v", d)
	}
	w := ddb.NewTableExistsWaiter(c)
	if err := w.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String("orders")}, 5e9); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("orders"), BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: ddbtypes.ScalarAttributeTypeS}}}); !isErr[*ddbtypes.ResourceInUseException](err) {
		t.Errorf("CreateTable again: %v, want ResourceInUseException", err)
	}

	for _, n := range []string{"3", "1", "2", "10"} {
		if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("orders"), Item: map[string]ddbtypes.AttributeValue{
			"customer": str("ann"), "n": num(n), "total": num("1.50"),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("orders"), Item: map[string]ddbtypes.AttributeValue{"customer": str("bob"), "n": num("1")}})
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("orders"), Item: map[string]ddbtypes.AttributeValue{"customer": str("ann"), "n": num("1")},
		ConditionExpression: aws.String("attribute_not_exists(customer)")})
	if !isErr[*ddbtypes.ConditionalCheckFailedException](err) {
		t.Errorf("conditional PutItem over an item: %v, want ConditionalCheckFailedException", err)
	}

	got, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("orders"), Key: map[string]ddbtypes.AttributeValue{"customer": str("ann"), "n": num("2")}})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Item["total"].(*ddbtypes.AttributeValueMemberN); !ok || v.Value != "1.5" {
		t.Errorf("GetItem total = %#v, want N 1.5", got.Item["total"])
	}

	up, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("orders"), Key: map[string]ddbtypes.AttributeValue{"customer": str("ann"), "n": num("2")},
		UpdateExpression:          aws.String("SET #t = #t + :inc, note = :note REMOVE missing"),
		ExpressionAttributeNames:  map[string]string{"#t": "total"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":inc": num("2"), ":note": str("gift")},
		ReturnValues:              ddbtypes.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	if v := up.Attributes["total"].(*ddbtypes.AttributeValueMemberN).Value; v != "3.5" {
		t.Errorf("UpdateItem total = %s, want 3.5", v)
	}

	q, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("orders"),
		KeyConditionExpression:    aws.String("customer = :c AND n BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":c": str("ann"), ":lo": num("2"), ":hi": num("10")},
		ScanIndexForward:          aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, it := range q.Items {
		ns = append(ns, it["n"].(*ddbtypes.AttributeValueMemberN).Value)
	}
	if strings.Join(ns, ",") != "10,3,2" {
		t.Errorf("Query order = %v, want 10,3,2 (numbers, descending)", ns)
	}

	// A scan a page at a time sees every item once.
	seen := 0
	p := ddb.NewScanPaginator(c, &ddb.ScanInput{TableName: aws.String("orders"), Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(page.Items)
	}
	if seen != 5 {
		t.Errorf("Scan pages saw %d items, want 5", seen)
	}

	if _, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("orders"), Key: map[string]ddbtypes.AttributeValue{"customer": str("bob"), "n": num("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("nope"), Key: map[string]ddbtypes.AttributeValue{"k": str("x")}}); !isErr[*ddbtypes.ResourceNotFoundException](err) {
		t.Errorf("GetItem of a missing table: %v, want ResourceNotFoundException", err)
	}
	if _, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("orders"), Key: map[string]ddbtypes.AttributeValue{"customer": str("ann")}}); err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Errorf("GetItem with half a key: %v, want ValidationException", err)
	}

	// The items outlive vpcd.
	stop()
	url, _ = startDynamoDB(t, dataDir)
	c = dynamoClient(url)
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Table.ItemCount != 4 {
		t.Errorf("ItemCount after restart = %d, want 4", *d.Table.ItemCount)
	}
	l, err := c.ListTables(ctx, &ddb.ListTablesInput{})
	if err != nil || len(l.TableNames) != 1 {
		t.Fatalf("ListTables = %v, %v", l, err)
	}
	if _, err := c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("orders")}); !isErr[*ddbtypes.ResourceNotFoundException](err) {
		t.Errorf("DescribeTable after DeleteTable: %v", err)
	}
}

func isErr[E error](err error) bool {
	var e E
	return errors.As(err, &e)
}

// DynamoDB's errors on the wire: the __type qualified as DynamoDB writes it (and
// X-Amzn-ErrorType without its namespace), a 400 (also for authentication), DynamoDB's names for authentication
// failures, and an operation vpcd does not serve is an UnknownOperationException.
func TestDynamoDBErrorEnvelope(t *testing.T) {
	url, _ := startDynamoDB(t, t.TempDir())
	for _, tc := range []struct {
		name, target, body, want string
	}{
		{"a missing table", "DescribeTable", `{"TableName":"nope"}`, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"},
		{"a validation error", "CreateTable", `{"TableName":"x"}`, "com.amazon.coral.validate#ValidationException"},
		{"an unserved operation", "BatchWriteItem", `{}`, "com.amazon.coral.service#UnknownOperationException"},
		{"an unknown key", "ListTables", `{}`, "com.amazon.coral.service#UnrecognizedClientException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+tc.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			sum := sha256.Sum256([]byte(tc.body))
			creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "s3cret"}
			if tc.target == "ListTables" {
				creds.AccessKeyID = "AKIDUNKNOWN"
			}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e struct {
				Type string `json:"__type"`
			}
			json.Unmarshal(b, &e)
			if resp.StatusCode != http.StatusBadRequest || e.Type != tc.want || !strings.HasSuffix(tc.want, "#"+resp.Header.Get("X-Amzn-ErrorType")) {
				t.Errorf("%d %s, want 400 %s", resp.StatusCode, b, tc.want)
			}
		})
	}
}
