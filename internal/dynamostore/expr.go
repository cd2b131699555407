package dynamostore

import (
	"bytes"
	"math/big"
	"reflect"
	"strings"
	"unicode"

	"vpcd/internal/aws/dynamodb"
)

// DynamoDB's expressions, as far as vpcd reads them: the condition grammar (condition,
// filter and key condition expressions: comparisons, BETWEEN, IN, AND, OR, NOT,
// parentheses and the functions attribute_exists, attribute_not_exists, attribute_type,
// begins_with, contains and size), SET and REMOVE update clauses (SET's values may be
// a + or - of two operands, if_not_exists and list_append), and projections. Paths are
// top-level attributes only: a nested path (a.b, a[0]) is refused with a
// ValidationException, as are the ADD and DELETE update clauses.

type token struct {
	kind string // "name", "#", ":", "op", "(", ")", ",", "eof"
	text string
	pos  int
}

// lex splits an expression into tokens; an unknown character is a syntax error.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{kind: string(c), text: string(c), pos: i})
			i++
		case c == '+' || c == '-' || c == '=':
			out = append(out, token{kind: "op", text: string(c), pos: i})
			i++
		case c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || c == '<' && s[j] == '>') {
				j++
			}
			out = append(out, token{kind: "op", text: s[i:j], pos: i})
			i = j
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, syntaxError(s, i)
			}
			out = append(out, token{kind: string(c), text: s[i:j], pos: i})
			i = j
		case isNameByte(s[i]) && !unicode.IsDigit(c):
			j := i
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			out = append(out, token{kind: "name", text: s[i:j], pos: i})
			i = j
		case c == '.' || c == '[':
			return nil, errValidation("Invalid %s: vpcd reads top-level attributes only, not nested paths", "expression")
		default:
			return nil, syntaxError(s, i)
		}
	}
	return append(out, token{kind: "eof", pos: len(s)}), nil
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func syntaxError(s string, pos int) error {
	near := s[pos:]
	if len(near) > 10 {
		near = near[:10]
	}
	return errValidation("Invalid expression: Syntax error; token: \"%s\", near: \"%s\"", near, s[max(0, pos-5):min(len(s), pos+5)])
}

// parser reads one expression, with the request's names and values.
type parser struct {
	src    string
	toks   []token
	i      int
	names  map[string]string
	values map[string]dynamodb.AttributeValue
	// used are the placeholders the expression took, for the check that every one given
	// is used.
	usedNames, usedValues map[string]bool
}

func newParser(src string, names map[string]string, values map[string]dynamodb.AttributeValue) (*parser, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	return &parser{src: src, toks: toks, names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != "eof" {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw, and takes it if so.
func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == "name" && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(kind string) error {
	if t := p.next(); t.kind != kind {
		return syntaxError(p.src, t.pos)
	}
	return nil
}

// operand is a path, a value or size(path).
type operand struct {
	path  string // an attribute name
	value *dynamodb.AttributeValue
	size  bool // size(path)
}

func (p *parser) path() (string, error) {
	t := p.next()
	switch t.kind {
	case "name":
		if reserved[strings.ToUpper(t.text)] {
			return "", errValidation("Invalid expression: Attribute name is a reserved keyword; reserved keyword: %s", t.text)
		}
		return t.text, nil
	case "#":
		name, ok := p.names[t.text]
		if !ok {
			return "", errValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", t.text)
		}
		p.usedNames[t.text] = true
		return name, nil
	}
	return "", syntaxError(p.src, t.pos)
}

func (p *parser) operand() (operand, error) {
	t := p.peek()
	switch {
	case t.kind == ":":
		p.next()
		v, ok := p.values[t.text]
		if !ok {
			return operand{}, errValidation("Invalid expression: An expression attribute value used in expression is not defined; attribute value: %s", t.text)
		}
		p.usedValues[t.text] = true
		return operand{value: &v}, nil
	case t.kind == "name" && strings.EqualFold(t.text, "size") && p.toks[p.i+1].kind == "(":
		p.i += 2
		path, err := p.path()
		if err != nil {
			return operand{}, err
		}
		return operand{path: path, size: true}, p.expect(")")
	}
	path, err := p.path()
	return operand{path: path}, err
}

// cond is a parsed condition.
type cond interface {
	eval(item map[string]dynamodb.AttributeValue) bool
}

type (
	andCond struct{ a, b cond }
	orCond  struct{ a, b cond }
	notCond struct{ a cond }
	cmpCond struct {
		op   string
		a, b operand
	}
	betweenCond struct{ a, lo, hi operand }
	inCond      struct {
		a    operand
		list []operand
	}
	funcCond struct {
		name string
		path string
		arg  operand
	}
)

// parseCondition parses a whole condition expression.
func (p *parser) parseCondition() (cond, error) {
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, syntaxError(p.src, t.pos)
	}
	return c, nil
}

func (p *parser) or() (cond, error) {
	a, err := p.and()
	for err == nil && p.keyword("OR") {
		var b cond
		if b, err = p.and(); err == nil {
			a = orCond{a, b}
		}
	}
	return a, err
}

func (p *parser) and() (cond, error) {
	a, err := p.not()
	for err == nil && p.keyword("AND") {
		var b cond
		if b, err = p.not(); err == nil {
			a = andCond{a, b}
		}
	}
	return a, err
}

func (p *parser) not() (cond, error) {
	if p.keyword("NOT") {
		a, err := p.not()
		return notCond{a}, err
	}
	return p.primary()
}

// conditionFuncs are the functions that are conditions, with whether they take a
// second argument.
var conditionFuncs = map[string]bool{"attribute_exists": false, "attribute_not_exists": false, "attribute_type": true, "begins_with": true, "contains": true}

func (p *parser) primary() (cond, error) {
	t := p.peek()
	if t.kind == "(" {
		p.next()
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		return c, p.expect(")")
	}
	if t.kind == "name" && p.toks[p.i+1].kind == "(" {
		if twoArgs, ok := conditionFuncs[strings.ToLower(t.text)]; ok {
			p.i += 2
			f := funcCond{name: strings.ToLower(t.text)}
			var err error
			if f.path, err = p.path(); err != nil {
				return nil, err
			}
			if twoArgs {
				if err := p.expect(","); err != nil {
					return nil, err
				}
				if f.arg, err = p.operand(); err != nil {
					return nil, err
				}
			}
			return f, p.expect(")")
		} else if !strings.EqualFold(t.text, "size") {
			return nil, errValidation("Invalid expression: Invalid function name; function: %s", t.text)
		}
	}
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); {
	case t.kind == "op" && t.text != "+" && t.text != "-":
		p.next()
		b, err := p.operand()
		return cmpCond{op: t.text, a: a, b: b}, err
	case p.keyword("BETWEEN"):
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, syntaxError(p.src, p.peek().pos)
		}
		hi, err := p.operand()
		return betweenCond{a, lo, hi}, err
	case p.keyword("IN"):
		if err := p.expect("("); err != nil {
			return nil, err
		}
		c := inCond{a: a}
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			c.list = append(c.list, o)
			if p.peek().kind != "," {
				break
			}
			p.next()
		}
		return c, p.expect(")")
	}
	return nil, syntaxError(p.src, p.peek().pos)
}

// resolve is the value of an operand in an item; nil when the attribute is missing.
func (o operand) resolve(item map[string]dynamodb.AttributeValue) *dynamodb.AttributeValue {
	if o.value != nil {
		return o.value
	}
	v, ok := item[o.path]
	if !ok {
		return nil
	}
	if o.size {
		n, ok := sizeOf(v)
		if !ok {
			return nil
		}
		s := big.NewInt(int64(n)).String()
		return &dynamodb.AttributeValue{N: &s}
	}
	return &v
}

func sizeOf(v dynamodb.AttributeValue) (int, bool) {
	switch {
	case v.S != nil:
		return len(*v.S), true
	case v.B != nil:
		return len(v.B), true
	case v.SS != nil:
		return len(v.SS), true
	case v.NS != nil:
		return len(v.NS), true
	case v.BS != nil:
		return len(v.BS), true
	case v.L != nil:
		return len(v.L), true
	case v.M != nil:
		return len(v.M), true
	}
	return 0, false
}

func (c andCond) eval(it map[string]dynamodb.AttributeValue) bool {
	return c.a.eval(it) && c.b.eval(it)
}
func (c orCond) eval(it map[string]dynamodb.AttributeValue) bool  { return c.a.eval(it) || c.b.eval(it) }
func (c notCond) eval(it map[string]dynamodb.AttributeValue) bool { return !c.a.eval(it) }

func (c cmpCond) eval(it map[string]dynamodb.AttributeValue) bool {
	a, b := c.a.resolve(it), c.b.resolve(it)
	if a == nil || b == nil {
		return c.op == "<>" && (a == nil) != (b == nil)
	}
	switch c.op {
	case "=":
		return equal(*a, *b)
	case "<>":
		return !equal(*a, *b)
	}
	n, ok := compare(*a, *b)
	if !ok {
		return false
	}
	switch c.op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	}
	return n >= 0 // ">="
}

func (c betweenCond) eval(it map[string]dynamodb.AttributeValue) bool {
	a, lo, hi := c.a.resolve(it), c.lo.resolve(it), c.hi.resolve(it)
	if a == nil || lo == nil || hi == nil {
		return false
	}
	n1, ok1 := compare(*a, *lo)
	n2, ok2 := compare(*a, *hi)
	return ok1 && ok2 && n1 >= 0 && n2 <= 0
}

func (c inCond) eval(it map[string]dynamodb.AttributeValue) bool {
	a := c.a.resolve(it)
	if a == nil {
		return false
	}
	for _, o := range c.list {
		if v := o.resolve(it); v != nil && equal(*a, *v) {
			return true
		}
	}
	return false
}

func (c funcCond) eval(it map[string]dynamodb.AttributeValue) bool {
	v, has := it[c.path]
	switch c.name {
	case "attribute_exists":
		return has
	case "attribute_not_exists":
		return !has
	}
	arg := c.arg.resolve(it)
	if !has || arg == nil {
		return false
	}
	switch c.name {
	case "attribute_type":
		return arg.S != nil && typeOf(v) == *arg.S
	case "begins_with":
		switch {
		case v.S != nil && arg.S != nil:
			return strings.HasPrefix(*v.S, *arg.S)
		case v.B != nil && arg.B != nil:
			return bytes.HasPrefix(v.B, arg.B)
		}
		return false
	}
	// contains: a substring of a string, a member of a set or an element of a list.
	switch {
	case v.S != nil && arg.S != nil:
		return strings.Contains(*v.S, *arg.S)
	case v.B != nil && arg.B != nil:
		return bytes.Contains(v.B, arg.B)
	case v.SS != nil && arg.S != nil:
		return contains(v.SS, *arg.S)
	case v.NS != nil && arg.N != nil:
		for _, n := range v.NS {
			if c, ok := compareNumbers(n, *arg.N); ok && c == 0 {
				return true
			}
		}
	case v.BS != nil && arg.B != nil:
		for _, b := range v.BS {
			if bytes.Equal(b, arg.B) {
				return true
			}
		}
	case v.L != nil:
		for _, e := range v.L {
			if equal(e, *arg) {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// typeOf is the type descriptor of a value: S, N, B, SS, NS, BS, BOOL, NULL, L or M.
func typeOf(v dynamodb.AttributeValue) string {
	switch {
	case v.S != nil:
		return "S"
	case v.N != nil:
		return "N"
	case v.B != nil:
		return "B"
	case v.SS != nil:
		return "SS"
	case v.NS != nil:
		return "NS"
	case v.BS != nil:
		return "BS"
	case v.BOOL != nil:
		return "BOOL"
	case v.NULL != nil:
		return "NULL"
	case v.L != nil:
		return "L"
	case v.M != nil:
		return "M"
	}
	return ""
}

// compare orders two scalars of the same type (S and B by their bytes, N as numbers);
// ok is false for other types or types that differ.
func compare(a, b dynamodb.AttributeValue) (int, bool) {
	switch {
	case a.S != nil && b.S != nil:
		return strings.Compare(*a.S, *b.S), true
	case a.N != nil && b.N != nil:
		return compareNumbers(*a.N, *b.N)
	case a.B != nil && b.B != nil:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

func compareNumbers(a, b string) (int, bool) {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.Cmp(y), true
}

// equal reports whether two values are the same: numbers by value, the rest exactly.
func equal(a, b dynamodb.AttributeValue) bool {
	if a.N != nil && b.N != nil {
		c, ok := compareNumbers(*a.N, *b.N)
		return ok && c == 0
	}
	return reflect.DeepEqual(a, b)
}

// unusedPlaceholders is DynamoDB's error when a name or value given was not used by
// any of the request's expressions.
func unusedPlaceholders(names map[string]string, values map[string]dynamodb.AttributeValue, ps ...*parser) error {
	used := func(key string, names bool) bool {
		for _, p := range ps {
			if names && p.usedNames[key] || !names && p.usedValues[key] {
				return true
			}
		}
		return false
	}
	for k := range names {
		if !used(k, true) {
			return errValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", k)
		}
	}
	for k := range values {
		if !used(k, false) {
			return errValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", k)
		}
	}
	return nil
}

// reserved are DynamoDB's reserved words that vpcd's grammar itself needs: an
// attribute of one of these names must go through ExpressionAttributeNames. (DynamoDB
// reserves some 570 words; the rest are taken as names here.)
var reserved = map[string]bool{"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true, "SET": true, "REMOVE": true, "ADD": true, "DELETE": true, "SIZE": true}
