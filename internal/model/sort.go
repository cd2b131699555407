package model

import "sort"

// SortedKeys returns the keys of a map of resources in order, so that everything derived
// from a Network comes out the same way every time.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
