package dynamostore

import (
	"context"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"vpcd/internal/aws"
	"vpcd/internal/aws/dynamodb"
	"vpcd/internal/control"
)

// Tables are ACTIVE as soon as they are made (DynamoDB takes seconds; a waiter sees
// ACTIVE at its first poll) and gone as soon as they are deleted. Secondary indexes,
// streams, global tables, imports and resource policies are refused; billing modes are
// kept and reported, and nothing is throttled.

var tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func checkTableName(name string) error {
	if !tableNameRE.MatchString(name) {
		if len(name) < 3 || len(name) > 255 {
			return errValidation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length %s", name, map[bool]string{true: "greater than or equal to 3", false: "less than or equal to 255"}[len(name) < 3])
		}
		return errValidation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
	}
	return nil
}

// CreateTable makes a table, ACTIVE at once.
func (s *Store) CreateTable(_ context.Context, c control.Caller, in *dynamodb.CreateTableInput) (*dynamodb.CreateTableOutput, error) {
	name := *in.TableName
	if err := checkTableName(name); err != nil {
		return nil, err
	}
	if err := checkKeySchema(in.KeySchema, in.AttributeDefinitions); err != nil {
		return nil, err
	}
	switch {
	case len(in.GlobalSecondaryIndexes) > 0 || len(in.LocalSecondaryIndexes) > 0:
		return nil, errValidation("One or more parameter values were invalid: vpcd does not support secondary indexes")
	case in.StreamSpecification != nil && in.StreamSpecification.StreamEnabled != nil && *in.StreamSpecification.StreamEnabled:
		return nil, errValidation("One or more parameter values were invalid: vpcd does not support streams")
	case in.GlobalTableSourceArn != nil || in.ResourcePolicy != nil:
		return nil, errValidation("One or more parameter values were invalid: vpcd does not support global tables or resource policies")
	}
	now := aws.Time{Time: s.now().UTC()}
	zero := int64(0)
	t := &dynamodb.TableDescription{
		TableName:                 &name,
		TableArn:                  ptr("arn:aws:dynamodb:" + c.Region + ":" + c.Account + ":table/" + name),
		TableId:                   ptr(uuid.NewString()),
		TableStatus:               ptr("ACTIVE"),
		CreationDateTime:          &now,
		AttributeDefinitions:      in.AttributeDefinitions,
		KeySchema:                 in.KeySchema,
		ItemCount:                 &zero,
		TableSizeBytes:            &zero,
		DeletionProtectionEnabled: ptr(in.DeletionProtectionEnabled != nil && *in.DeletionProtectionEnabled),
		ProvisionedThroughput:     &dynamodb.ProvisionedThroughputDescription{NumberOfDecreasesToday: &zero, ReadCapacityUnits: &zero, WriteCapacityUnits: &zero},
	}
	if in.TableClass != nil {
		t.TableClassSummary = &dynamodb.TableClassSummary{TableClass: in.TableClass}
	}
	mode := "PROVISIONED"
	if in.BillingMode != nil {
		mode = *in.BillingMode
	}
	switch mode {
	case "PROVISIONED":
		pt := in.ProvisionedThroughput
		if pt == nil {
			return nil, errValidation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if *pt.ReadCapacityUnits < 1 || *pt.WriteCapacityUnits < 1 {
			return nil, errValidation("One or more parameter values were invalid: Each of ReadCapacityUnits and WriteCapacityUnits must be at least 1")
		}
		t.ProvisionedThroughput.ReadCapacityUnits, t.ProvisionedThroughput.WriteCapacityUnits = pt.ReadCapacityUnits, pt.WriteCapacityUnits
	case "PAY_PER_REQUEST":
		if in.ProvisionedThroughput != nil {
			return nil, errValidation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		t.BillingModeSummary = &dynamodb.BillingModeSummary{BillingMode: &mode, LastUpdateToPayPerRequestDateTime: &now}
	default:
		return nil, errValidation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", mode)
	}
	err := s.update(c.Account, c.Region, func(sc scope) error {
		have, err := sc.table(name)
		if err != nil {
			return err
		}
		if have != nil {
			return errTableInUse(name)
		}
		return sc.putTable(t)
	})
	if err != nil {
		return nil, err
	}
	return &dynamodb.CreateTableOutput{TableDescription: t}, nil
}

// checkKeySchema checks a table's key: a HASH key, optionally a RANGE key after it,
// each defined as S, N or B, and no attribute defined that is not a key.
func checkKeySchema(keys []dynamodb.KeySchemaElement, defs []dynamodb.AttributeDefinition) error {
	if len(keys) == 0 || len(keys) > 2 {
		return errValidation("1 validation error detected: Value '%s' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2", "[]")
	}
	if *keys[0].KeyType != "HASH" {
		return errValidation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(keys) == 2 && *keys[1].KeyType != "RANGE" {
		return errValidation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	}
	if len(keys) == 2 && *keys[0].AttributeName == *keys[1].AttributeName {
		return errValidation("Invalid KeySchema: Some index key attribute have no definition")
	}
	defined := map[string]string{}
	var defNames, keyNames []string
	for _, d := range defs {
		if t := *d.AttributeType; t != "S" && t != "N" && t != "B" {
			return errValidation("1 validation error detected: Value '%s' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", t)
		}
		defined[*d.AttributeName] = *d.AttributeType
		defNames = append(defNames, *d.AttributeName)
	}
	for _, k := range keys {
		keyNames = append(keyNames, *k.AttributeName)
	}
	for _, k := range keyNames {
		if _, ok := defined[k]; !ok {
			return errValidation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", strings.Join(keyNames, ", "), strings.Join(defNames, ", "))
		}
	}
	if len(defined) != len(keys) || len(defs) != len(keys) {
		return errValidation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	return nil
}

// DescribeTable describes a table, with its item count and size as of now.
func (s *Store) DescribeTable(_ context.Context, c control.Caller, in *dynamodb.DescribeTableInput) (*dynamodb.DescribeTableOutput, error) {
	var t *dynamodb.TableDescription
	err := s.view(c.Account, c.Region, func(sc scope) error {
		var err error
		if t, err = sc.table(*in.TableName); err != nil || t == nil {
			return err
		}
		sc.measure(t)
		return nil
	})
	if err == nil && t == nil {
		err = errTableNotFound(*in.TableName)
	}
	if err != nil {
		return nil, err
	}
	return &dynamodb.DescribeTableOutput{Table: t}, nil
}

// measure fills in a table's item count and size (DynamoDB refreshes them every six
// hours; vpcd counts at once).
func (sc scope) measure(t *dynamodb.TableDescription) {
	var n, size int64
	if b := sc.items(*t.TableName); b != nil {
		b.ForEach(func(_, v []byte) error {
			n++
			size += int64(len(v))
			return nil
		})
	}
	t.ItemCount, t.TableSizeBytes = &n, &size
}

// ListTables lists the caller's tables in the region, by name, a page at a time.
func (s *Store) ListTables(_ context.Context, c control.Caller, in *dynamodb.ListTablesInput) (*dynamodb.ListTablesOutput, error) {
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, errValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", *in.Limit)
		}
		limit = int(*in.Limit)
	}
	out := &dynamodb.ListTablesOutput{TableNames: []string{}}
	err := s.view(c.Account, c.Region, func(sc scope) error {
		if sc.region == nil || sc.region.Bucket(tablesBucket) == nil {
			return nil
		}
		cur := sc.region.Bucket(tablesBucket).Cursor()
		k, _ := cur.First()
		if in.ExclusiveStartTableName != nil {
			k, _ = cur.Seek([]byte(*in.ExclusiveStartTableName))
			if k != nil && string(k) == *in.ExclusiveStartTableName {
				k, _ = cur.Next()
			}
		}
		for ; k != nil; k, _ = cur.Next() {
			if len(out.TableNames) == limit {
				out.LastEvaluatedTableName = ptr(out.TableNames[limit-1])
				break
			}
			out.TableNames = append(out.TableNames, string(k))
		}
		return nil
	})
	return out, err
}

// DeleteTable deletes a table and its items at once, unless it is protected.
func (s *Store) DeleteTable(_ context.Context, c control.Caller, in *dynamodb.DeleteTableInput) (*dynamodb.DeleteTableOutput, error) {
	var t *dynamodb.TableDescription
	err := s.update(c.Account, c.Region, func(sc scope) error {
		var err error
		if t, err = sc.table(*in.TableName); err != nil {
			return err
		}
		if t == nil {
			return errTableNotFound(*in.TableName)
		}
		if t.DeletionProtectionEnabled != nil && *t.DeletionProtectionEnabled {
			return errValidation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
		}
		sc.measure(t)
		return sc.deleteTable(*in.TableName)
	})
	if err != nil {
		return nil, err
	}
	t.TableStatus = ptr("DELETING")
	return &dynamodb.DeleteTableOutput{TableDescription: t}, nil
}

// keyNames are a table's partition and sort key names ("" for none) and their types.
func keyNames(t *dynamodb.TableDescription) (hash, hashType, rng, rngType string) {
	types := map[string]string{}
	for _, d := range t.AttributeDefinitions {
		types[*d.AttributeName] = *d.AttributeType
	}
	for _, k := range t.KeySchema {
		if *k.KeyType == "HASH" {
			hash = *k.AttributeName
		} else {
			rng = *k.AttributeName
		}
	}
	return hash, types[hash], rng, types[rng]
}

func ptr[T any](v T) *T { return &v }
