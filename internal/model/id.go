package model

import "strings"

// ValidID reports whether id is an AWS resource ID with the prefix: "vpc-" and 8 or 17
// lower-case hex digits, the two lengths AWS has issued.
func ValidID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	if !ok || (len(rest) != 8 && len(rest) != 17) {
		return false
	}
	for _, c := range rest {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
