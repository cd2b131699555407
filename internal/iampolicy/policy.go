// Package iampolicy evaluates IAM policy documents (the JSON of a VPC endpoint's policy
// and of an S3 bucket policy) for one request: its action, resource, principal and
// context keys. It is pure: internal/api parses an S3 request into a Request and asks the
// endpoint's policy and the bucket's policy about it.
//
// What is read: Statement (one or a list) with Effect, Principal / NotPrincipal ("*" or
// {"AWS": "*" | account | ARN, ...}), Action / NotAction and Resource / NotResource with
// "*" and "?" wildcards, and Condition with the string operators (StringEquals,
// StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike,
// StringNotLike), IpAddress / NotIpAddress, Bool and Null, each with its IfExists form.
// A statement whose condition uses an operator it does not know never applies.
package iampolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Policy is a parsed policy document.
type Policy struct {
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid   string
	Allow bool // Effect: Allow, else Deny
	// Principals are the principals named ("*" for anyone, else an account ID or an
	// ARN); NotPrincipal inverts them. Both empty: the statement has no principal (an
	// endpoint policy may leave it out), which matches anyone; AnyPrincipal says so.
	AnyPrincipal bool
	Principals   []string
	NotPrincipal bool
	Actions      []string
	NotAction    bool
	Resources    []string
	NotResource  bool
	Conditions   []Condition
}

// Condition is one operator applied to one key: the key's value in the request must
// match one of Values.
type Condition struct {
	Operator string // as written, e.g. StringNotEqualsIfExists
	Key      string // lower case
	Values   []string
}

// Request is what a policy is asked about.
type Request struct {
	Action   string // "s3:GetObject"
	Resource string // "arn:aws:s3:::bucket/key"
	// Account is the caller's account ID, "" for an anonymous request.
	Account string
	// Context are the request's condition keys, by lower-case name (aws:sourcevpce,
	// aws:sourcevpc, aws:sourceip, aws:securetransport, ...).
	Context map[string]string
}

// Decision is what a policy says about a request.
type Decision int

const (
	// NotApplicable: no statement applies (an implicit deny).
	NotApplicable Decision = iota
	Allowed
	Denied // an explicit Deny, which wins over every Allow
)

func (d Decision) String() string {
	return [...]string{"NotApplicable", "Allowed", "Denied"}[d]
}

// ErrMalformed is the error of Parse for a document that is no policy.
var ErrMalformed = errors.New("malformed policy document")

// Parse reads a policy document.
func Parse(doc string) (*Policy, error) {
	var raw struct {
		Version   string
		Id        string
		Statement json.RawMessage
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(raw.Statement) == 0 {
		return nil, fmt.Errorf("%w: no Statement", ErrMalformed)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw.Statement, &list); err != nil {
		list = []json.RawMessage{raw.Statement}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: no Statement", ErrMalformed)
	}
	p := &Policy{}
	for i, s := range list {
		st, err := parseStatement(s)
		if err != nil {
			return nil, fmt.Errorf("%w: statement %d: %v", ErrMalformed, i, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(b json.RawMessage) (Statement, error) {
	var raw struct {
		Sid                     string
		Effect                  string
		Principal, NotPrincipal json.RawMessage
		Action, NotAction       json.RawMessage
		Resource, NotResource   json.RawMessage
		Condition               map[string]map[string]json.RawMessage
	}
	var st Statement
	if err := json.Unmarshal(b, &raw); err != nil {
		return st, err
	}
	st.Sid = raw.Sid
	switch raw.Effect {
	case "Allow":
		st.Allow = true
	case "Deny":
	default:
		return st, fmt.Errorf("Effect %q is neither Allow nor Deny", raw.Effect)
	}
	var err error
	if st.Principals, st.NotPrincipal, err = principals(raw.Principal, raw.NotPrincipal); err != nil {
		return st, err
	}
	st.AnyPrincipal = len(raw.Principal) == 0 && len(raw.NotPrincipal) == 0
	if st.Actions, st.NotAction, err = either("Action", raw.Action, raw.NotAction); err != nil {
		return st, err
	}
	if st.Resources, st.NotResource, err = either("Resource", raw.Resource, raw.NotResource); err != nil {
		return st, err
	}
	for op, keys := range raw.Condition {
		for key, v := range keys {
			values, err := strings1(v)
			if err != nil {
				return st, fmt.Errorf("Condition %s %s: %v", op, key, err)
			}
			st.Conditions = append(st.Conditions, Condition{Operator: op, Key: strings.ToLower(key), Values: values})
		}
	}
	return st, nil
}

// either reads a member and its Not form, of which exactly one must be there.
func either(name string, yes, not json.RawMessage) ([]string, bool, error) {
	switch {
	case len(yes) > 0 && len(not) > 0:
		return nil, false, fmt.Errorf("both %s and Not%s", name, name)
	case len(yes) > 0:
		v, err := strings1(yes)
		return v, false, err
	case len(not) > 0:
		v, err := strings1(not)
		return v, true, err
	}
	return nil, false, fmt.Errorf("no %s", name)
}

// principals reads Principal or NotPrincipal: "*", or a map of kinds ("AWS", "Service",
// ...) to one value or a list; only the AWS kind names callers vpcd knows.
func principals(yes, not json.RawMessage) ([]string, bool, error) {
	raw, inverted := yes, false
	switch {
	case len(yes) > 0 && len(not) > 0:
		return nil, false, errors.New("both Principal and NotPrincipal")
	case len(not) > 0:
		raw, inverted = not, true
	case len(yes) == 0:
		return nil, false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s != "*" {
			return nil, false, fmt.Errorf("Principal %q is neither \"*\" nor a map", s)
		}
		return []string{"*"}, inverted, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false, errors.New("Principal is neither \"*\" nor a map")
	}
	out := []string{}
	for kind, v := range m {
		values, err := strings1(v)
		if err != nil {
			return nil, false, fmt.Errorf("Principal %s: %v", kind, err)
		}
		if kind == "AWS" {
			out = append(out, values...)
		}
	}
	return out, inverted, nil
}

// strings1 reads one string or a list of them.
func strings1(b json.RawMessage) ([]string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, errors.New("neither a string nor a list of strings")
	}
	return list, nil
}

// Evaluate is what the policy says about r: Denied when a Deny statement applies,
// else Allowed when an Allow statement does, else NotApplicable.
func (p *Policy) Evaluate(r Request) Decision {
	d := NotApplicable
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.applies(r) {
			continue
		}
		if !s.Allow {
			return Denied
		}
		d = Allowed
	}
	return d
}

func (s *Statement) applies(r Request) bool {
	if !s.AnyPrincipal && s.principalMatches(r.Account) == s.NotPrincipal {
		return false
	}
	if anyMatch(s.Actions, r.Action, true) == s.NotAction {
		return false
	}
	if anyMatch(s.Resources, r.Resource, false) == s.NotResource {
		return false
	}
	for _, c := range s.Conditions {
		if !c.holds(r.Context) {
			return false
		}
	}
	return true
}

// principalMatches: "*" is anyone, even anonymous; an account ID or any IAM ARN of the
// account (arn:aws:iam::ACCOUNT:root, :user/..., :role/...) is the account's callers.
// vpcd knows the caller's account alone, so a user's ARN stands for the whole account.
func (s *Statement) principalMatches(account string) bool {
	for _, p := range s.Principals {
		switch {
		case p == "*":
			return true
		case account == "":
		case p == account:
			return true
		case strings.HasPrefix(p, "arn:aws:iam::"+account+":"):
			return true
		}
	}
	return false
}

func anyMatch(patterns []string, v string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if Match(strings.ToLower(p), strings.ToLower(v)) {
				return true
			}
		} else if Match(p, v) {
			return true
		}
	}
	return false
}

// holds reports whether the condition holds for the request's context.
func (c Condition) holds(ctx map[string]string) bool {
	op, ifExists := strings.CutSuffix(c.Operator, "IfExists")
	v, present := ctx[c.Key]
	if op == "Null" {
		// "true": the key must be absent; "false": present.
		for _, want := range c.Values {
			if (want == "true") == !present {
				return true
			}
		}
		return false
	}
	if !present {
		// A missing key: IfExists makes the condition hold; a negated operator holds
		// too (nothing equals what is not there), as IAM evaluates them.
		return ifExists || strings.HasPrefix(op, "StringNot") || op == "NotIpAddress"
	}
	switch op {
	case "StringEquals":
		return contains(c.Values, v, false)
	case "StringNotEquals":
		return !contains(c.Values, v, false)
	case "StringEqualsIgnoreCase":
		return contains(c.Values, v, true)
	case "StringNotEqualsIgnoreCase":
		return !contains(c.Values, v, true)
	case "StringLike":
		return anyMatch(c.Values, v, false)
	case "StringNotLike":
		return !anyMatch(c.Values, v, false)
	case "Bool":
		return contains(c.Values, v, true)
	case "IpAddress":
		return inAny(c.Values, v)
	case "NotIpAddress":
		return !inAny(c.Values, v)
	}
	return false
}

func contains(values []string, v string, fold bool) bool {
	for _, w := range values {
		if w == v || fold && strings.EqualFold(w, v) {
			return true
		}
	}
	return false
}

// inAny reports whether the address v is in one of the CIDRs (or is one of the
// addresses) given.
func inAny(cidrs []string, v string) bool {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return false
	}
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(a) {
			return true
		}
		if b, err := netip.ParseAddr(c); err == nil && b == a {
			return true
		}
	}
	return false
}

// Match reports whether s matches the pattern, where "*" stands for any run of
// characters and "?" for any one, as IAM's wildcards do.
func Match(pattern, s string) bool {
	// The classic greedy matcher with one backtrack point: linear in practice.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
