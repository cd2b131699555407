package dynamostore

import (
	"math/big"
	"strings"

	"vpcd/internal/aws/dynamodb"
)

// update is a parsed update expression: SET actions, then REMOVE.
type update struct {
	set    []setAction
	remove []string
}

// setAction is SET path = value, where value is a term or term + term / term - term.
type setAction struct {
	path string
	a, b setTerm
	op   string // "", "+" or "-"
}

// setTerm is an operand, if_not_exists(path, operand) or list_append(operand, operand).
type setTerm struct {
	fn   string // "", "if_not_exists", "list_append"
	o    operand
	x, y operand
}

func (p *parser) parseUpdate() (update, error) {
	var u update
	seen := map[string]bool{}
	for p.peek().kind != "eof" {
		t := p.next()
		clause := strings.ToUpper(t.text)
		if t.kind != "name" || seen[clause] {
			return u, syntaxError(p.src, t.pos)
		}
		seen[clause] = true
		switch clause {
		case "SET", "REMOVE":
		case "ADD", "DELETE":
			return u, errValidation("Invalid UpdateExpression: vpcd does not support the %s clause; use SET", clause)
		default:
			return u, syntaxError(p.src, t.pos)
		}
		for {
			path, err := p.path()
			if err != nil {
				return u, err
			}
			if clause == "REMOVE" {
				u.remove = append(u.remove, path)
			} else {
				a, err := p.setAction(path)
				if err != nil {
					return u, err
				}
				u.set = append(u.set, a)
			}
			if p.peek().kind != "," {
				break
			}
			p.next()
		}
	}
	if len(u.set)+len(u.remove) == 0 {
		return u, errValidation("Invalid UpdateExpression: The expression can not be empty;")
	}
	paths := map[string]bool{}
	for _, path := range append(u.remove, setPaths(u.set)...) {
		if paths[path] {
			return u, errValidation("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [%s], path two: [%s]", path, path)
		}
		paths[path] = true
	}
	return u, nil
}

func setPaths(set []setAction) []string {
	var out []string
	for _, a := range set {
		out = append(out, a.path)
	}
	return out
}

func (p *parser) setAction(path string) (setAction, error) {
	a := setAction{path: path}
	if t := p.next(); t.kind != "op" || t.text != "=" {
		return a, syntaxError(p.src, t.pos)
	}
	var err error
	if a.a, err = p.setTerm(); err != nil {
		return a, err
	}
	if t := p.peek(); t.kind == "op" && (t.text == "+" || t.text == "-") {
		p.next()
		a.op = t.text
		a.b, err = p.setTerm()
	}
	return a, err
}

func (p *parser) setTerm() (setTerm, error) {
	t := p.peek()
	if t.kind == "name" && p.toks[p.i+1].kind == "(" {
		fn := strings.ToLower(t.text)
		if fn != "if_not_exists" && fn != "list_append" {
			return setTerm{}, errValidation("Invalid UpdateExpression: Invalid function name; function: %s", t.text)
		}
		p.i += 2
		st := setTerm{fn: fn}
		var err error
		if fn == "if_not_exists" {
			var path string
			path, err = p.path()
			st.x = operand{path: path}
		} else {
			st.x, err = p.operand()
		}
		if err != nil {
			return st, err
		}
		if err := p.expect(","); err != nil {
			return st, err
		}
		if st.y, err = p.operand(); err != nil {
			return st, err
		}
		return st, p.expect(")")
	}
	o, err := p.operand()
	if o.size {
		return setTerm{}, errValidation("Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: size")
	}
	return setTerm{o: o}, err
}

// value is the term's value in the item as it was before the update.
func (t setTerm) value(item map[string]dynamodb.AttributeValue) (*dynamodb.AttributeValue, error) {
	switch t.fn {
	case "if_not_exists":
		if v, ok := item[t.x.path]; ok {
			return &v, nil
		}
		return t.y.resolve(item), nil
	case "list_append":
		x, y := t.x.resolve(item), t.y.resolve(item)
		if x == nil || y == nil {
			return nil, errValidation("The provided expression refers to an attribute that does not exist in the item")
		}
		if x.L == nil || y.L == nil {
			return nil, errValidation("An operand in the update expression has an incorrect data type")
		}
		l := append(append([]dynamodb.AttributeValue{}, x.L...), y.L...)
		return &dynamodb.AttributeValue{L: l}, nil
	}
	v := t.o.resolve(item)
	if v == nil {
		return nil, errValidation("The provided expression refers to an attribute that does not exist in the item")
	}
	return v, nil
}

// apply returns the item updated; item itself is left as it was.
func (u update) apply(item map[string]dynamodb.AttributeValue) (map[string]dynamodb.AttributeValue, error) {
	out := make(map[string]dynamodb.AttributeValue, len(item)+len(u.set))
	for k, v := range item {
		out[k] = v
	}
	for _, a := range u.set {
		v, err := a.a.value(item)
		if err != nil {
			return nil, err
		}
		if a.op != "" {
			w, err := a.b.value(item)
			if err != nil {
				return nil, err
			}
			if v.N == nil || w.N == nil {
				return nil, errValidation("An operand in the update expression has an incorrect data type")
			}
			x, ok1 := new(big.Rat).SetString(*v.N)
			y, ok2 := new(big.Rat).SetString(*w.N)
			if !ok1 || !ok2 {
				return nil, errValidation("An operand in the update expression has an incorrect data type")
			}
			if a.op == "+" {
				x.Add(x, y)
			} else {
				x.Sub(x, y)
			}
			n := formatNumber(x)
			v = &dynamodb.AttributeValue{N: &n}
		}
		out[a.path] = *v
	}
	for _, path := range u.remove {
		delete(out, path)
	}
	return out, nil
}

// formatNumber writes a number as DynamoDB returns it: an integer without a point, a
// fraction with the digits it needs.
func formatNumber(x *big.Rat) string {
	if x.IsInt() {
		return x.Num().String()
	}
	s := x.FloatString(38)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// parseProjection reads a projection expression: attribute names separated by commas.
func (p *parser) parseProjection() ([]string, error) {
	var out []string
	for {
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		out = append(out, path)
		t := p.next()
		if t.kind == "eof" {
			return out, nil
		}
		if t.kind != "," {
			return nil, syntaxError(p.src, t.pos)
		}
	}
}

func project(item map[string]dynamodb.AttributeValue, names []string) map[string]dynamodb.AttributeValue {
	if names == nil || item == nil {
		return item
	}
	out := map[string]dynamodb.AttributeValue{}
	for _, n := range names {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}
