package logs

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// parsePattern compiles a filter pattern of FilterLogEvents into a matcher of messages.
// vpcd knows the patterns of unstructured events: terms, which must all appear
// (case-sensitive, anywhere in the message: ERROR matches [ERROR]), "quoted phrases",
// ?terms of which one must appear, -terms that must not appear, %regular expressions%;
// and space-delimited patterns, [f1, f2="x", f3>100, ...], which flow-log users write
// to pick records by field. JSON patterns ({ $.x = ... }) are refused.
func parsePattern(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return func(string) bool { return true }, nil
	case strings.HasPrefix(p, "{"):
		return nil, errInvalidParameter("Invalid filter pattern: JSON filter patterns are not supported by vpcd.")
	case strings.HasPrefix(p, "["):
		return parseDelimited(p)
	}
	terms, err := splitTerms(p)
	if err != nil {
		return nil, err
	}
	var all, anyOf, none []func(string) bool
	for _, t := range terms {
		list := &all
		switch {
		case t.raw && strings.HasPrefix(t.text, "?"):
			list, t.text = &anyOf, t.text[1:]
		case t.raw && strings.HasPrefix(t.text, "-") && len(t.text) > 1:
			list, t.text = &none, t.text[1:]
		}
		m, err := t.matcher()
		if err != nil {
			return nil, err
		}
		*list = append(*list, m)
	}
	return func(msg string) bool {
		for _, m := range all {
			if !m(msg) {
				return false
			}
		}
		for _, m := range none {
			if m(msg) {
				return false
			}
		}
		if len(anyOf) == 0 {
			return true
		}
		for _, m := range anyOf {
			if m(msg) {
				return true
			}
		}
		return false
	}, nil
}

// term is one term of a pattern; raw is false for a quoted phrase, whose text is literal.
type term struct {
	text string
	raw  bool
}

func (t term) matcher() (func(string) bool, error) {
	text := t.text
	if t.raw && len(text) >= 2 && strings.HasPrefix(text, "%") && strings.HasSuffix(text, "%") {
		re, err := regexp.Compile(text[1 : len(text)-1])
		if err != nil {
			return nil, errInvalidParameter("Invalid regex in filter pattern: %s", text)
		}
		return re.MatchString, nil
	}
	if t.raw && strings.HasPrefix(text, `"`) { // ?"a phrase" or -"a phrase"
		text = strings.Trim(text, `"`)
	}
	return func(msg string) bool { return strings.Contains(msg, text) }, nil
}

// splitTerms splits a pattern at spaces outside quotes.
func splitTerms(p string) ([]term, error) {
	var out []term
	for p != "" {
		p = strings.TrimLeftFunc(p, unicode.IsSpace)
		if p == "" {
			break
		}
		if p[0] == '"' {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, errInvalidParameter("Invalid filter pattern: unterminated quoted phrase.")
			}
			out = append(out, term{text: p[1 : end+1]})
			p = p[end+2:]
			continue
		}
		end := strings.IndexFunc(p, unicode.IsSpace)
		if end < 0 {
			end = len(p)
		}
		// A prefixed phrase, ?"a b" or -"a b", runs to its closing quote.
		if len(p) > 2 && (p[0] == '?' || p[0] == '-') && p[1] == '"' {
			if q := strings.IndexByte(p[2:], '"'); q >= 0 {
				end = q + 3
			}
		}
		out = append(out, term{text: p[:end], raw: true})
		p = p[end:]
	}
	return out, nil
}

// field is one field of a space-delimited pattern: its name, and a condition on the
// message's field at its place, if any.
type field struct {
	op, value string // op "" for none
	ellipsis  bool   // "...": any number of fields
}

// parseDelimited compiles a space-delimited pattern, [name, name=value, name>n, ...].
func parseDelimited(p string) (func(string) bool, error) {
	if !strings.HasSuffix(p, "]") {
		return nil, errInvalidParameter("Invalid filter pattern: %s", p)
	}
	var fields []field
	for _, part := range strings.Split(p[1:len(p)-1], ",") {
		part = strings.TrimSpace(part)
		if part == "..." {
			fields = append(fields, field{ellipsis: true})
			continue
		}
		f := field{}
		for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
			if i := strings.Index(part, op); i > 0 {
				f.op, f.value = op, strings.Trim(strings.TrimSpace(part[i+len(op):]), `"`)
				break
			}
		}
		if f.op != "" && f.op != "=" && f.op != "!=" {
			if _, err := strconv.ParseFloat(f.value, 64); err != nil {
				return nil, errInvalidParameter("Invalid filter pattern: %s needs a number", part)
			}
		}
		fields = append(fields, f)
	}
	return func(msg string) bool { return matchFields(fields, strings.Fields(msg)) }, nil
}

// matchFields matches fields against words, "..." taking any number of words.
func matchFields(fields []field, words []string) bool {
	if len(fields) == 0 {
		return len(words) == 0
	}
	f := fields[0]
	if f.ellipsis {
		for i := 0; i <= len(words); i++ {
			if matchFields(fields[1:], words[i:]) {
				return true
			}
		}
		return false
	}
	if len(words) == 0 || !f.match(words[0]) {
		return false
	}
	return matchFields(fields[1:], words[1:])
}

func (f field) match(word string) bool {
	switch f.op {
	case "":
		return true
	case "=", "!=":
		eq := wildcard(f.value, word)
		if a, err := strconv.ParseFloat(word, 64); err == nil {
			if b, err := strconv.ParseFloat(f.value, 64); err == nil {
				eq = a == b
			}
		}
		return eq == (f.op == "=")
	}
	a, err := strconv.ParseFloat(word, 64)
	if err != nil {
		return false
	}
	b, _ := strconv.ParseFloat(f.value, 64)
	switch f.op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	}
	return a >= b
}

// wildcard matches a value with * for any run of characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
