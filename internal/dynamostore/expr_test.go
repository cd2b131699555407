package dynamostore

import (
	"errors"
	"testing"

	"vpcd/internal/aws/dynamodb"
	"vpcd/internal/ec2"
)

func s(v string) dynamodb.AttributeValue { return dynamodb.AttributeValue{S: &v} }
func n(v string) dynamodb.AttributeValue { return dynamodb.AttributeValue{N: &v} }

var exprValues = map[string]dynamodb.AttributeValue{":a": s("abc"), ":n": n("10"), ":m": n("2.5"), ":l": {L: []dynamodb.AttributeValue{s("x")}}}
var exprNames = map[string]string{"#k": "key", "#and": "and"}

// Conditions evaluate as DynamoDB's do on one item: numbers by value, a missing
// attribute false for every comparison but <>, functions on strings, sets and lists.
func TestConditionEval(t *testing.T) {
	item := map[string]dynamodb.AttributeValue{
		"key": s("abcdef"), "num": n("10.0"), "small": n("2"), "and": s("kw"),
		"tags": {SS: []string{"red", "blue"}}, "list": {L: []dynamodb.AttributeValue{s("x"), n("1")}},
	}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"#k = :a", false},
		{"begins_with(#k, :a)", true},
		{"contains(#k, :a)", true},
		{"num = :n", true},
		{"num > :m AND small < :m", true},
		{"small BETWEEN :m AND :n", false},
		{"num BETWEEN :m AND :n", true},
		{"num IN (:m, :n)", true},
		{"missing = :n", false},
		{"missing <> :n", true},
		{"attribute_exists(num) AND attribute_not_exists(missing)", true},
		{"NOT attribute_exists(num) OR #and = :a", false},
		{"(attribute_exists(num) OR #and = :a) AND size(#k) > :n", false},
		{"size(#k) < :n", true},
		{"attribute_type(tags, :a)", false},
		{"contains(list, :l)", false},
		{"NOT NOT attribute_exists(tags)", true},
	} {
		p, err := newParser(tc.expr, exprNames, exprValues)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		c, err := p.parseCondition()
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got := c.eval(item); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// Expressions DynamoDB refuses get a ValidationException, never a panic.
func TestConditionRefused(t *testing.T) {
	for _, expr := range []string{
		"", "a =", "= :a", "a = :undefined", "#undefined = :a", "a.b = :a", "a[0] = :a",
		"and = :a", "a = :a)", "(a = :a", "nofunc(a)", "a BETWEEN :a", "a IN ()", "a <=> :a", "a ! :a",
	} {
		p, err := newParser(expr, exprNames, exprValues)
		if err == nil {
			_, err = p.parseCondition()
		}
		if !isValidation(err) {
			t.Errorf("%q: %v, want a ValidationException", expr, err)
		}
	}
}

// SET and REMOVE change the item as DynamoDB's update expressions do.
func TestUpdateApply(t *testing.T) {
	item := map[string]dynamodb.AttributeValue{"key": s("k"), "num": n("1.5"), "gone": s("x"), "list": {L: []dynamodb.AttributeValue{s("x")}}}
	p, err := newParser("SET num = num + :m, fresh = if_not_exists(fresh, :n), list = list_append(list, :l), other = :a REMOVE gone", nil, exprValues)
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.parseUpdate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := u.apply(item)
	if err != nil {
		t.Fatal(err)
	}
	if *got["num"].N != "4" || *got["fresh"].N != "10" || len(got["list"].L) != 2 || *got["other"].S != "abc" {
		t.Errorf("apply = %+v", got)
	}
	if _, ok := got["gone"]; ok {
		t.Errorf("REMOVE left gone")
	}
	if _, ok := item["other"]; ok {
		t.Errorf("apply changed its input")
	}
	for _, expr := range []string{"ADD num :n", "DELETE tags :a", "SET a = :a SET b = :a", "SET a = :a, a = :n", "SET", "REMOVE a.b"} {
		p, err := newParser(expr, nil, exprValues)
		if err == nil {
			_, err = p.parseUpdate()
		}
		if !isValidation(err) {
			t.Errorf("%q: %v, want a ValidationException", expr, err)
		}
	}
}

func isValidation(err error) bool {
	var e *ec2.Error
	return errors.As(err, &e) && e.Code == "ValidationException"
}

// FuzzExpressions: whatever the text, parsing answers a ValidationException or an
// expression, and evaluating or applying it neither panics nor fails otherwise.
func FuzzExpressions(f *testing.F) {
	for _, seed := range []string{
		"#k = :a AND (num BETWEEN :m AND :n OR NOT contains(tags, :a))",
		"size(#k) >= :n", "attribute_type(x, :a)", "SET a = a + :n, b = list_append(:l, b) REMOVE c",
		"SET x = if_not_exists(x, :m) - :n", "a IN (:a, :n, :m)", "((a))", "a, #k, b",
	} {
		f.Add(seed)
	}
	item := map[string]dynamodb.AttributeValue{"a": s("abc"), "b": {L: []dynamodb.AttributeValue{}}, "key": n("3"), "x": {NS: []string{"1"}}}
	f.Fuzz(func(t *testing.T, expr string) {
		for _, parse := range []func(p *parser) error{
			func(p *parser) error {
				c, err := p.parseCondition()
				if err == nil {
					c.eval(item)
				}
				return err
			},
			func(p *parser) error {
				u, err := p.parseUpdate()
				if err == nil {
					_, err = u.apply(item)
				}
				return err
			},
			func(p *parser) error { _, err := p.parseProjection(); return err },
		} {
			p, err := newParser(expr, exprNames, exprValues)
			if err == nil {
				err = parse(p)
			}
			if err != nil && !isValidation(err) {
				t.Fatalf("%q: %v, want a ValidationException", expr, err)
			}
		}
	})
}
