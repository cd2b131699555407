package kit

import (
	"encoding/base64"
	"strings"

	"vpcd/internal/ec2"
)

// matcher reports whether a resource passes every filter. values gives the resource's
// values for a filter name; tags are its tags, for tag:Key, tag-key and tag-value.
type matcher func(values func(name string) []string, tags map[string]string) bool

// CompileFilters checks the filter names against known and returns the matcher. As AWS
// has it: filters are ANDed, the values of one filter ORed, '*' and '?' are wildcards,
// and every describe also takes tag:Key, tag-key and tag-value.
func CompileFilters(filters []ec2.Filter, known func(name string) bool) (matcher, error) {
	for _, f := range filters {
		name := Deref(f.Name)
		if name == "" {
			return nil, ec2.ErrInvalidParameterValue("The filter 'null' is invalid")
		}
		if strings.HasPrefix(name, "tag:") || name == "tag-key" || name == "tag-value" || known(name) {
			continue
		}
		return nil, ec2.ErrInvalidParameterValue("The filter '%s' is invalid", name)
	}
	return func(values func(string) []string, tags map[string]string) bool {
		for _, f := range filters {
			if !matchFilter(f, values, tags) {
				return false
			}
		}
		return true
	}, nil
}

func matchFilter(f ec2.Filter, values func(string) []string, tags map[string]string) bool {
	name := *f.Name
	var have []string
	switch {
	case strings.HasPrefix(name, "tag:"):
		v, ok := tags[name[len("tag:"):]]
		if !ok {
			return false
		}
		have = []string{v}
	case name == "tag-key":
		for k := range tags {
			have = append(have, k)
		}
	case name == "tag-value":
		for _, v := range tags {
			have = append(have, v)
		}
	default:
		have = values(name)
	}
	for _, want := range f.Values {
		for _, h := range have {
			if wildcardMatch(want, h) {
				return true
			}
		}
	}
	return false
}

// wildcardMatch matches s against a pattern where '*' is any run of characters, '?' any
// one character and '\' escapes the next character.
func wildcardMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, `*?\`) {
		return pattern == s
	}
	p, str := []rune(pattern), []rune(s)
	var pi, si int
	star, mark := -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && p[pi] == '\\' && pi+1 < len(p) && p[pi+1] == str[si]:
			pi += 2
			si++
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si] && p[pi] != '*' && p[pi] != '\\'):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// CheckMaxResults applies an action's MaxResults bounds.
func CheckMaxResults(max *int32, lo, hi int32) error {
	if max != nil && (*max < lo || *max > hi) {
		return ec2.ErrInvalidParameterValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", *max, lo, hi)
	}
	return nil
}

// Paginate returns the page of items (sorted by key) that follows the token, and the
// token of the next page. Without MaxResults every item is returned at once.
func Paginate[T any](items []T, max *int32, token *string, key func(T) string) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		after, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, nil, ec2.ErrInvalidNextToken("The token '%s' is invalid.", *token)
		}
		for start < len(items) && key(items[start]) <= string(after) {
			start++
		}
	}
	items = items[start:]
	if max == nil || int(*max) >= len(items) {
		return items, nil, nil
	}
	page := items[:*max]
	next := base64.RawURLEncoding.EncodeToString([]byte(key(page[len(page)-1])))
	return page, &next, nil
}
