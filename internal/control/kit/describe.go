package kit

import (
	"context"
	"fmt"

	"vpcd/internal/ec2"
)

// DescribeQuery is what every Describe action takes: IDs, filters and a page.
type DescribeQuery struct {
	Kind       string // the ID prefix, "vpc"
	IDs        []string
	Filters    []ec2.Filter
	MaxResults *int32
	NextToken  *string
	MinResults int32 // the action's lowest MaxResults (5 for most)
}

// Describe lists the caller's resources of one kind that have the IDs (all when none)
// and pass the filters, one page of them, in ID order. A named ID that does not exist is
// AWS's NotFound error for the kind.
func Describe[R any, P interface {
	*R
	Record
}](ctx context.Context, s *Kit, c Caller, q DescribeQuery, filters map[string]func(*R) []string) ([]*R, *string, error) {
	if q.MinResults == 0 {
		q.MinResults = 5
	}
	if err := CheckMaxResults(q.MaxResults, q.MinResults, 1000); err != nil {
		return nil, nil, err
	}
	if len(q.IDs) > 0 && q.MaxResults != nil {
		return nil, nil, ec2.ErrInvalidParameterCombination("The parameter %sIds cannot be used with the parameter maxResults", q.Kind)
	}
	match, err := CompileFilters(q.Filters, func(name string) bool { return filters[name] != nil })
	if err != nil {
		return nil, nil, err
	}
	k, err := LoadKind[R, P](ctx, s, c.Prefix(q.Kind), filters)
	if err != nil {
		return nil, nil, err
	}
	if len(q.IDs) == 0 {
		recs := k.Query(q.Filters, func(r Record) bool {
			values := func(name string) []string { return filters[name](r.(P)) }
			return match(values, r.Base().Tags)
		})
		items := make([]*R, len(recs))
		for i, r := range recs {
			items[i] = r.(P)
		}
		return Paginate(items, q.MaxResults, q.NextToken, func(r *R) string { return P(r).Base().ID })
	}
	// By ID from the cache too: it holds this process's commits before they return (a
	// client reads its own writes) and the others' from the store's watch, as a filtered
	// describe sees them.
	var items []*R
	seen := map[string]bool{}
	for _, id := range q.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := CheckID(id, q.Kind); err != nil {
			return nil, nil, err
		}
		r, ok := k.Get(id)
		if !ok {
			return nil, nil, NotFound(id)
		}
		items = append(items, r.(P))
	}
	kept := items[:0]
	for _, r := range items {
		values := func(name string) []string { return filters[name](r) }
		if match(values, P(r).Base().Tags) {
			kept = append(kept, r)
		}
	}
	return Paginate(kept, q.MaxResults, q.NextToken, func(r *R) string { return P(r).Base().ID })
}

// Get reads one resource of the caller by ID, with AWS's Malformed and NotFound errors.
func Get[R any](t *Txn, c Caller, kind, id string) (*R, error) {
	if err := CheckID(id, kind); err != nil {
		return nil, err
	}
	r := new(R)
	ok, err := t.Get(c.Key(id), r)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", id, err)
	}
	if !ok {
		return nil, NotFound(id)
	}
	return r, nil
}
