package dynamostore

import (
	"context"
	"encoding/json"
	"math/big"
	"regexp"

	"vpcd/internal/aws/dynamodb"
	"vpcd/internal/control"
)

// The legacy parameters (Expected, AttributeUpdates, KeyConditions, ScanFilter,
// QueryFilter, AttributesToGet, ConditionalOperator) are refused: vpcd reads the
// expressions that replaced them.
func errLegacy(name string) error {
	return errValidation("vpcd does not support the legacy parameter %s: use expressions", name)
}

var numberRE = regexp.MustCompile(`^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$`)

// checkValue checks that a value has exactly one type, a number is a number and a set
// is neither empty nor repeats itself; numbers come back in DynamoDB's form.
func checkValue(v *dynamodb.AttributeValue) error {
	set := 0
	for _, has := range []bool{v.S != nil, v.N != nil, v.B != nil, v.SS != nil, v.NS != nil, v.BS != nil, v.BOOL != nil, v.NULL != nil, v.L != nil, v.M != nil} {
		if has {
			set++
		}
	}
	switch {
	case set == 0:
		return errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	case set > 1:
		return errValidation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	case v.NULL != nil && !*v.NULL:
		return errValidation("One or more parameter values were invalid: Null attribute value types must have the value of true")
	case v.SS != nil && len(v.SS) == 0, v.NS != nil && len(v.NS) == 0, v.BS != nil && len(v.BS) == 0:
		return errValidation("One or more parameter values were invalid: An number set  may not be empty")
	case v.N != nil:
		n, err := normalNumber(*v.N)
		if err != nil {
			return err
		}
		v.N = &n
	case v.NS != nil:
		for i := range v.NS {
			n, err := normalNumber(v.NS[i])
			if err != nil {
				return err
			}
			v.NS[i] = n
		}
	case v.L != nil:
		for i := range v.L {
			if err := checkValue(&v.L[i]); err != nil {
				return err
			}
		}
	case v.M != nil:
		for k, e := range v.M {
			if err := checkValue(&e); err != nil {
				return err
			}
			v.M[k] = e
		}
	}
	if v.SS != nil && hasDuplicates(v.SS) || v.NS != nil && hasDuplicates(v.NS) {
		return errValidation("One or more parameter values were invalid: Input collection contains duplicates")
	}
	return nil
}

func hasDuplicates(list []string) bool {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

func normalNumber(s string) (string, error) {
	if !numberRE.MatchString(s) {
		return "", errValidation("A value provided cannot be converted into a number")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", errValidation("A value provided cannot be converted into a number")
	}
	return formatNumber(r), nil
}

func checkValues(item map[string]dynamodb.AttributeValue) error {
	for k, v := range item {
		if err := checkValue(&v); err != nil {
			return err
		}
		item[k] = v
	}
	return nil
}

// itemKey is the encoded primary key of an item (or of a Key parameter, exact=true:
// nothing but the key's attributes): the partition key's value, then the sort key's.
// A missing key attribute, or one of another type than the table's, is DynamoDB's
// ValidationException.
func itemKey(t *dynamodb.TableDescription, item map[string]dynamodb.AttributeValue, exact bool) ([]byte, error) {
	hash, hashType, rng, rngType := keyNames(t)
	want := 1
	if rng != "" {
		want = 2
	}
	if exact && len(item) != want {
		return nil, errValidation("The provided key element does not match the schema")
	}
	var parts []string
	for _, k := range []struct{ name, typ string }{{hash, hashType}, {rng, rngType}} {
		if k.name == "" {
			continue
		}
		v, ok := item[k.name]
		if !ok {
			if exact {
				return nil, errValidation("The provided key element does not match the schema")
			}
			return nil, errValidation("One or more parameter values were invalid: Missing the key %s in the item", k.name)
		}
		if typeOf(v) != k.typ {
			if exact {
				return nil, errValidation("The provided key element does not match the schema")
			}
			return nil, errValidation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.name, k.typ, typeOf(v))
		}
		s := scalar(v)
		if s == "" && k.typ != "N" {
			return nil, errValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", map[string]string{"S": "string", "B": "binary"}[k.typ], k.name)
		}
		parts = append(parts, s)
	}
	return json.Marshal(parts)
}

// scalar is a key value as text.
func scalar(v dynamodb.AttributeValue) string {
	switch {
	case v.S != nil:
		return *v.S
	case v.N != nil:
		return *v.N
	}
	return string(v.B)
}

// keyOf is the primary key attributes of an item.
func keyOf(t *dynamodb.TableDescription, item map[string]dynamodb.AttributeValue) map[string]dynamodb.AttributeValue {
	hash, _, rng, _ := keyNames(t)
	out := map[string]dynamodb.AttributeValue{hash: item[hash]}
	if rng != "" {
		out[rng] = item[rng]
	}
	return out
}

// condition parses an optional condition expression; nil when there is none.
func condition(expr *string, names map[string]string, values map[string]dynamodb.AttributeValue, what string) (cond, *parser, error) {
	if expr == nil {
		return nil, nil, nil
	}
	if *expr == "" {
		return nil, nil, errValidation("Invalid %s: The expression can not be empty;", what)
	}
	p, err := newParser(*expr, names, values)
	if err != nil {
		return nil, nil, err
	}
	c, err := p.parseCondition()
	return c, p, err
}

// checkPlaceholders checks the request's names and values and that each was used.
func checkPlaceholders(names map[string]string, values map[string]dynamodb.AttributeValue, ps ...*parser) error {
	if names != nil && len(names) == 0 {
		return errValidation("ExpressionAttributeNames must not be empty")
	}
	if values != nil && len(values) == 0 {
		return errValidation("ExpressionAttributeValues must not be empty")
	}
	if err := checkValues(values); err != nil {
		return err
	}
	var used []*parser
	for _, p := range ps {
		if p != nil {
			used = append(used, p)
		}
	}
	return unusedPlaceholders(names, values, used...)
}

// writeRequest is what PutItem, DeleteItem and UpdateItem share: the table, the item
// or key that names the item, the condition and its placeholders.
type writeRequest struct {
	table     string
	item      map[string]dynamodb.AttributeValue // the item (PutItem) or its key
	isKey     bool
	condition *string
	names     map[string]string
	values    map[string]dynamodb.AttributeValue
	expected  map[string]dynamodb.ExpectedAttributeValue
	operator  *string
	rv        *string
}

// prepare checks the request and parses its condition; more are the parsers of the
// request's other expressions, for the check that every placeholder is used.
func (w writeRequest) prepare(allowedRV []string, more ...*parser) (cond, error) {
	switch {
	case w.expected != nil:
		return nil, errLegacy("Expected")
	case w.operator != nil:
		return nil, errLegacy("ConditionalOperator")
	}
	if err := returnValues(w.rv, allowedRV...); err != nil {
		return nil, err
	}
	if err := checkValues(w.item); err != nil {
		return nil, err
	}
	cnd, p, err := condition(w.condition, w.names, w.values, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	return cnd, checkPlaceholders(w.names, w.values, append(more, p)...)
}

// write runs fn on the item as it is (nil for none) when the condition holds, in one
// transaction with the check.
func (s *Store) write(c control.Caller, w writeRequest, cnd cond, fn func(sc scope, key []byte, old map[string]dynamodb.AttributeValue) error) error {
	return s.update(c.Account, c.Region, func(sc scope) error {
		t, err := sc.mustTable(w.table)
		if err != nil {
			return err
		}
		key, err := itemKey(t, w.item, w.isKey)
		if err != nil {
			return err
		}
		old, err := sc.item(w.table, key)
		if err != nil {
			return err
		}
		if cnd != nil && !cnd.eval(orEmpty(old)) {
			return errConditionalCheckFailed()
		}
		return fn(sc, key, old)
	})
}

// PutItem writes an item whole, replacing the one of its key, when its condition holds.
func (s *Store) PutItem(_ context.Context, c control.Caller, in *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
	w := writeRequest{table: *in.TableName, item: in.Item, condition: in.ConditionExpression, names: in.ExpressionAttributeNames,
		values: in.ExpressionAttributeValues, expected: in.Expected, operator: in.ConditionalOperator, rv: in.ReturnValues}
	cnd, err := w.prepare([]string{"NONE", "ALL_OLD"})
	if err != nil {
		return nil, err
	}
	out := &dynamodb.PutItemOutput{}
	err = s.write(c, w, cnd, func(sc scope, key []byte, old map[string]dynamodb.AttributeValue) error {
		if in.ReturnValues != nil && *in.ReturnValues == "ALL_OLD" {
			out.Attributes = old
		}
		return sc.putItem(w.table, key, in.Item)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func orEmpty(item map[string]dynamodb.AttributeValue) map[string]dynamodb.AttributeValue {
	if item == nil {
		return map[string]dynamodb.AttributeValue{}
	}
	return item
}

func returnValues(rv *string, allowed ...string) error {
	if rv == nil {
		return nil
	}
	for _, a := range allowed {
		if *rv == a {
			return nil
		}
	}
	return errValidation("Return values set to invalid value")
}

// projection parses an optional projection expression; nil names: every attribute.
func projection(expr *string, names map[string]string) ([]string, *parser, error) {
	if expr == nil {
		return nil, nil, nil
	}
	p, err := newParser(*expr, names, nil)
	if err != nil {
		return nil, nil, err
	}
	list, err := p.parseProjection()
	return list, p, err
}

// GetItem reads an item by its key.
func (s *Store) GetItem(_ context.Context, c control.Caller, in *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
	if in.AttributesToGet != nil {
		return nil, errLegacy("AttributesToGet")
	}
	if err := checkValues(in.Key); err != nil {
		return nil, err
	}
	proj, p, err := projection(in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, err
	}
	if err := checkPlaceholders(in.ExpressionAttributeNames, nil, p); err != nil {
		return nil, err
	}
	out := &dynamodb.GetItemOutput{}
	err = s.view(c.Account, c.Region, func(sc scope) error {
		t, err := sc.mustTable(*in.TableName)
		if err != nil {
			return err
		}
		key, err := itemKey(t, in.Key, true)
		if err != nil {
			return err
		}
		it, err := sc.item(*in.TableName, key)
		out.Item = project(it, proj)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteItem deletes an item by its key when its condition holds; deleting an item
// that is not there succeeds.
func (s *Store) DeleteItem(_ context.Context, c control.Caller, in *dynamodb.DeleteItemInput) (*dynamodb.DeleteItemOutput, error) {
	w := writeRequest{table: *in.TableName, item: in.Key, isKey: true, condition: in.ConditionExpression, names: in.ExpressionAttributeNames,
		values: in.ExpressionAttributeValues, expected: in.Expected, operator: in.ConditionalOperator, rv: in.ReturnValues}
	cnd, err := w.prepare([]string{"NONE", "ALL_OLD"})
	if err != nil {
		return nil, err
	}
	out := &dynamodb.DeleteItemOutput{}
	err = s.write(c, w, cnd, func(sc scope, key []byte, old map[string]dynamodb.AttributeValue) error {
		if in.ReturnValues != nil && *in.ReturnValues == "ALL_OLD" {
			out.Attributes = old
		}
		return sc.items(w.table).Delete(key)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateItem changes an item's attributes with SET and REMOVE, making the item when
// there is none, when its condition holds.
func (s *Store) UpdateItem(_ context.Context, c control.Caller, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
	if in.AttributeUpdates != nil {
		return nil, errLegacy("AttributeUpdates")
	}
	w := writeRequest{table: *in.TableName, item: in.Key, isKey: true, condition: in.ConditionExpression, names: in.ExpressionAttributeNames,
		values: in.ExpressionAttributeValues, expected: in.Expected, operator: in.ConditionalOperator, rv: in.ReturnValues}
	var upd update
	var pu *parser
	var err error
	if in.UpdateExpression != nil {
		if pu, err = newParser(*in.UpdateExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
			return nil, err
		}
		if upd, err = pu.parseUpdate(); err != nil {
			return nil, err
		}
	}
	for _, path := range append(setPaths(upd.set), upd.remove...) {
		if _, isKey := in.Key[path]; isKey {
			return nil, errValidation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", path)
		}
	}
	cnd, err := w.prepare([]string{"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}, pu)
	if err != nil {
		return nil, err
	}
	out := &dynamodb.UpdateItemOutput{}
	err = s.write(c, w, cnd, func(sc scope, key []byte, old map[string]dynamodb.AttributeValue) error {
		base := old
		if base == nil {
			base = map[string]dynamodb.AttributeValue{}
			for k, v := range in.Key {
				base[k] = v
			}
		}
		item, err := upd.apply(base)
		if err != nil {
			return err
		}
		out.Attributes = changed(in.ReturnValues, old, item, upd)
		return sc.putItem(w.table, key, item)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// changed is what UpdateItem returns for ReturnValues.
func changed(rv *string, old, item map[string]dynamodb.AttributeValue, u update) map[string]dynamodb.AttributeValue {
	if rv == nil {
		return nil
	}
	paths := append(setPaths(u.set), u.remove...)
	switch *rv {
	case "ALL_OLD":
		return old
	case "ALL_NEW":
		return item
	case "UPDATED_OLD":
		return nonEmpty(project(old, paths))
	case "UPDATED_NEW":
		return nonEmpty(project(item, paths))
	}
	return nil
}

func nonEmpty(m map[string]dynamodb.AttributeValue) map[string]dynamodb.AttributeValue {
	if len(m) == 0 {
		return nil
	}
	return m
}
