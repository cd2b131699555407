package dynamostore

import (
	"bytes"
	"context"
	"slices"

	"vpcd/internal/aws/dynamodb"
	"vpcd/internal/control"
)

// Scan and Query read a page of at most Limit items (before the filter, as DynamoDB
// counts them; vpcd has no 1 MB page limit), resuming after ExclusiveStartKey. Scan
// goes in the order of the encoded keys, Query in the order of the sort key.
// Parallel scans (Segment, TotalSegments) and indexes are refused.

// reader is what Scan and Query share: the filter, the projection, the page.
type reader struct {
	filter cond
	proj   []string
	limit  int // 0: no limit
	count  bool
	start  []byte // the encoded ExclusiveStartKey, nil for none
}

func newReader(t *dynamodb.TableDescription, filter, proj *string, sel *string, limit *int32, start map[string]dynamodb.AttributeValue, names map[string]string, values map[string]dynamodb.AttributeValue, keyCond *parser) (*reader, error) {
	r := &reader{}
	var err error
	var pf, pp *parser
	if r.filter, pf, err = condition(filter, names, values, "FilterExpression"); err != nil {
		return nil, err
	}
	if r.proj, pp, err = projection(proj, names); err != nil {
		return nil, err
	}
	if err := checkPlaceholders(names, values, pf, pp, keyCond); err != nil {
		return nil, err
	}
	if limit != nil {
		if *limit < 1 {
			return nil, errValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *limit)
		}
		r.limit = int(*limit)
	}
	if sel != nil {
		switch *sel {
		case "COUNT":
			r.count = true
		case "ALL_ATTRIBUTES":
		case "SPECIFIC_ATTRIBUTES":
			if proj == nil {
				return nil, errValidation("1 validation error detected: Value 'SPECIFIC_ATTRIBUTES' at 'select' requires ProjectionExpression")
			}
		default:
			return nil, errValidation("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", *sel)
		}
	}
	if start != nil {
		if err := checkValues(start); err != nil {
			return nil, err
		}
		if r.start, err = itemKey(t, start, true); err != nil {
			return nil, errValidation("The provided starting key is invalid: The provided key element does not match the schema")
		}
	}
	return r, nil
}

// page reads items in order (encoded keys beside them) into a page.
func (r *reader) page(t *dynamodb.TableDescription, keys [][]byte, items []map[string]dynamodb.AttributeValue) (out []map[string]dynamodb.AttributeValue, scanned int32, last map[string]dynamodb.AttributeValue) {
	out = []map[string]dynamodb.AttributeValue{}
	i := 0
	if r.start != nil {
		i = slices.IndexFunc(keys, func(k []byte) bool { return bytes.Equal(k, r.start) }) + 1
	}
	for ; i < len(items); i++ {
		if r.limit > 0 && int(scanned) == r.limit {
			last = keyOf(t, items[i-1])
			break
		}
		scanned++
		if r.filter != nil && !r.filter.eval(items[i]) {
			continue
		}
		out = append(out, project(items[i], r.proj))
	}
	if r.limit > 0 && int(scanned) == r.limit && i == len(items) && i > 0 {
		last = keyOf(t, items[i-1]) // DynamoDB says so too when the page ends the table
	}
	return out, scanned, last
}

// result is a page of Scan or Query.
type result struct {
	items          []map[string]dynamodb.AttributeValue
	count, scanned *int32
	last           map[string]dynamodb.AttributeValue
}

// read reads a page of a table's items: every item in the order of their encoded keys
// (Scan), or the items that match a key condition in the order of their sort key,
// backward when asked (Query).
func (r *reader) read(sc scope, t *dynamodb.TableDescription, keyCond cond, backward bool) (result, error) {
	type entry struct {
		key  []byte
		item map[string]dynamodb.AttributeValue
	}
	var matched []entry
	err := sc.items(*t.TableName).ForEach(func(k, v []byte) error {
		it, err := decodeItem(v)
		if err == nil && (keyCond == nil || keyCond.eval(it)) {
			matched = append(matched, entry{k, it})
		}
		return err
	})
	if err != nil {
		return result{}, err
	}
	if keyCond != nil {
		_, _, rng, _ := keyNames(t)
		slices.SortStableFunc(matched, func(a, b entry) int {
			n, _ := compare(a.item[rng], b.item[rng])
			return n
		})
	}
	if backward {
		slices.Reverse(matched)
	}
	keys, items := make([][]byte, len(matched)), make([]map[string]dynamodb.AttributeValue, len(matched))
	for i, e := range matched {
		keys[i], items[i] = e.key, e.item
	}
	page, scanned, last := r.page(t, keys, items)
	res := result{count: ptr(int32(len(page))), scanned: &scanned, last: last}
	if !r.count {
		res.items = page
	}
	return res, nil
}

func (s *Store) Scan(_ context.Context, c control.Caller, in *dynamodb.ScanInput) (*dynamodb.ScanOutput, error) {
	if err := legacyRead(in.AttributesToGet, in.ScanFilter, in.ConditionalOperator, in.IndexName); err != nil {
		return nil, err
	}
	if in.Segment != nil || in.TotalSegments != nil {
		return nil, errValidation("vpcd does not support parallel scans (Segment, TotalSegments)")
	}
	out := &dynamodb.ScanOutput{}
	err := s.view(c.Account, c.Region, func(sc scope) error {
		t, err := sc.mustTable(*in.TableName)
		if err != nil {
			return err
		}
		r, err := newReader(t, in.FilterExpression, in.ProjectionExpression, in.Select, in.Limit, in.ExclusiveStartKey, in.ExpressionAttributeNames, in.ExpressionAttributeValues, nil)
		if err != nil {
			return err
		}
		res, err := r.read(sc, t, nil, false)
		out.Items, out.Count, out.ScannedCount, out.LastEvaluatedKey = res.items, res.count, res.scanned, res.last
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func legacyRead(attrs []string, filter map[string]dynamodb.Condition, op, index *string) error {
	switch {
	case attrs != nil:
		return errLegacy("AttributesToGet")
	case filter != nil:
		return errLegacy("ScanFilter")
	case op != nil:
		return errLegacy("ConditionalOperator")
	case index != nil:
		return errValidation("The table does not have the specified index: %s", *index)
	}
	return nil
}

func (s *Store) Query(_ context.Context, c control.Caller, in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
	if err := legacyRead(in.AttributesToGet, in.QueryFilter, in.ConditionalOperator, in.IndexName); err != nil {
		return nil, err
	}
	if in.KeyConditions != nil {
		return nil, errLegacy("KeyConditions")
	}
	if in.KeyConditionExpression == nil {
		return nil, errValidation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	out := &dynamodb.QueryOutput{}
	err := s.view(c.Account, c.Region, func(sc scope) error {
		t, err := sc.mustTable(*in.TableName)
		if err != nil {
			return err
		}
		kc, pk, err := keyCondition(t, *in.KeyConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		if err != nil {
			return err
		}
		r, err := newReader(t, in.FilterExpression, in.ProjectionExpression, in.Select, in.Limit, in.ExclusiveStartKey, in.ExpressionAttributeNames, in.ExpressionAttributeValues, pk)
		if err != nil {
			return err
		}
		res, err := r.read(sc, t, kc, in.ScanIndexForward != nil && !*in.ScanIndexForward)
		out.Items, out.Count, out.ScannedCount, out.LastEvaluatedKey = res.items, res.count, res.scanned, res.last
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// keyCondition parses a key condition expression and checks its shape: an equality on
// the partition key, and optionally one condition on the sort key (=, <, <=, >, >=,
// BETWEEN or begins_with), joined by AND.
func keyCondition(t *dynamodb.TableDescription, expr string, names map[string]string, values map[string]dynamodb.AttributeValue) (cond, *parser, error) {
	c, p, err := condition(&expr, names, values, "KeyConditionExpression")
	if err != nil {
		return nil, nil, err
	}
	hash, _, rng, _ := keyNames(t)
	parts := []cond{c}
	if a, ok := c.(andCond); ok {
		parts = []cond{a.a, a.b}
	}
	var hasHash, hasRange bool
	for _, part := range parts {
		attr := ""
		switch k := part.(type) {
		case cmpCond:
			if k.op == "<>" || k.a.value != nil || k.a.size || k.b.value == nil {
				return nil, nil, errValidation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: %s", k.op)
			}
			attr = k.a.path
		case betweenCond:
			attr = k.a.path
		case funcCond:
			if k.name != "begins_with" {
				return nil, nil, errValidation("Invalid KeyConditionExpression: Invalid function name; function: %s", k.name)
			}
			attr = k.path
		default:
			return nil, nil, errValidation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression")
		}
		if k, isCmp := part.(cmpCond); attr == hash && (!isCmp || k.op != "=") {
			return nil, nil, errValidation("Query key condition not supported")
		}
		switch {
		case attr == hash && !hasHash:
			hasHash = true
		case attr == rng && rng != "" && !hasRange:
			hasRange = true
		default:
			return nil, nil, errValidation("Query condition missed key schema element: %s", hash)
		}
	}
	if !hasHash {
		return nil, nil, errValidation("Query condition missed key schema element: %s", hash)
	}
	return c, p, nil
}
