package iampolicy

import (
	"regexp"
	"strings"
	"testing"
)

func TestEvaluate(t *testing.T) {
	get := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/2024/cat.jpg", Account: "111122223333",
		Context: map[string]string{"aws:sourcevpce": "vpce-0123456789abcdef0", "aws:sourcevpc": "vpc-0123456789abcdef0"}}
	fromInternet := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/2024/cat.jpg", Account: "111122223333",
		Context: map[string]string{"aws:sourceip": "198.51.100.7"}}
	anonymous := get
	anonymous.Account = ""
	for _, tc := range []struct {
		name   string
		policy string
		req    Request
		want   Decision
	}{
		{"full access allows", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, get, Allowed},
		{"one statement, not a list", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, get, Allowed},
		{"no statement applies: not applicable", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*"}]}`, get, NotApplicable},
		{"action wildcard", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"*"}]}`, get, Allowed},
		{"action is case-insensitive", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"S3:getobject","Resource":"*"}]}`, get, Allowed},
		{"resource prefix", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`, get, Allowed},
		{"resource is case-sensitive", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::Photos/*"}]}`, get, NotApplicable},
		{"other bucket", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::logs","arn:aws:s3:::logs/*"]}]}`, get, NotApplicable},
		{"question mark is one character", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/20?4/*"}]}`, get, Allowed},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`, get, Denied},
		{"NotAction", `{"Statement":[{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":"*"}]}`, get, NotApplicable},
		{"NotResource", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"arn:aws:s3:::logs/*"}]}`, get, Denied},
		{"account principal", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}]}`, get, Allowed},
		{"root ARN principal", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":"*","Resource":"*"}]}`, get, Allowed},
		{"other account", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"*","Resource":"*"}]}`, get, NotApplicable},
		{"anonymous is no account", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}]}`, anonymous, NotApplicable},
		{"anonymous is anyone", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, anonymous, Allowed},
		{"service principal names nobody here", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"*","Resource":"*"}]}`, get, NotApplicable},
		{"no principal: anyone (endpoint policy)", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, get, Allowed},
		{"SourceVpce equals", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}]}`, get, Allowed},
		{"SourceVpce differs", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:sourceVpce":"vpce-1111111111111111f"}}}]}`, get, NotApplicable},
		{"deny unless the endpoint", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1111111111111111f"}}}]}`, get, Denied},
		{"deny unless the endpoint, from it", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":["vpce-1111111111111111f","vpce-0123456789abcdef0"]}}}]}`, get, NotApplicable},
		{"StringNotEquals on a missing key holds", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}]}`, fromInternet, Denied},
		{"StringEquals on a missing key fails", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}]}`, fromInternet, NotApplicable},
		{"IfExists on a missing key holds", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-0"}}}]}`, fromInternet, Allowed},
		{"StringLike on the VPC", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:SourceVpc":"vpc-0123*"}}}]}`, get, Allowed},
		{"StringNotLike", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:SourceVpc":"vpc-0123*"}}}]}`, get, NotApplicable},
		{"conditions are ANDed", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0","aws:SourceVpc":"vpc-1"}}}]}`, get, NotApplicable},
		{"IpAddress", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}}]}`, fromInternet, Allowed},
		{"NotIpAddress", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}}]}`, fromInternet, Denied},
		{"Null true: key absent", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Null":{"aws:SourceVpce":"true"}}}]}`, fromInternet, Denied},
		{"unknown operator never applies", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}`, get, NotApplicable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Evaluate(tc.req); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, doc := range []string{
		``, `[]`, `{}`, `{"Statement":[]}`, `{"Statement":"x"}`,
		`{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":1,"Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"me","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":3}}}]}`,
	} {
		if _, err := Parse(doc); err == nil {
			t.Errorf("Parse(%q) accepted it", doc)
		}
	}
}

// slowMatch is Match by a regular expression, obviously right.
func slowMatch(pattern, s string) bool {
	var b strings.Builder
	b.WriteString(`^`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`(?s:.*)`)
		case '?':
			b.WriteString(`(?s:.)`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String()).MatchString(s)
}

func FuzzMatch(f *testing.F) {
	for _, c := range [][2]string{{"a*b", "axxb"}, {"*", ""}, {"?", ""}, {"a?c*", "abcd"}, {"**a", "ba"}, {"*a*b*", "xaybz"}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		// One byte per character, as IAM's names and ARNs are ASCII.
		for _, c := range pattern + s {
			if c >= 0x80 {
				return
			}
		}
		if got, want := Match(pattern, s), slowMatch(pattern, s); got != want {
			t.Errorf("Match(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}

// FuzzParse: no document makes Parse or Evaluate panic, and what Parse accepts has
// statements.
func FuzzParse(f *testing.F) {
	for _, doc := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["1"]},"NotAction":"s3:Get*","NotResource":["x"],"Condition":{"StringNotEqualsIfExists":{"aws:SourceVpce":["a","b"]},"Null":{"k":"true"}}}}`,
		`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
	} {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc)
		if err != nil {
			return
		}
		if len(p.Statements) == 0 {
			t.Fatalf("Parse(%q) accepted no statement", doc)
		}
		p.Evaluate(Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Account: "1", Context: map[string]string{"aws:sourcevpce": "a", "aws:sourceip": "10.0.0.1"}})
	})
}
