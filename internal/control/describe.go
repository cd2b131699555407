package control

import (
	"context"
	"fmt"

	"vpcd/internal/ec2"
)

// describeQuery is what every Describe action takes: IDs, filters and a page.
type describeQuery struct {
	Kind       string // the ID prefix, "vpc"
	IDs        []string
	Filters    []ec2.Filter
	MaxResults *int32
	NextToken  *string
	MinResults int32 // the action's lowest MaxResults (5 for most)
}

// describe lists the caller's resources of one kind that have the IDs (all when none)
// and pass the filters, one page of them, in ID order. A named ID that does not exist is
// AWS's NotFound error for the kind.
func describe[R any, P interface {
	*R
	record
}](ctx context.Context, s *Service, c Caller, q describeQuery, filters map[string]func(*R) []string) ([]*R, *string, error) {
	if q.MinResults == 0 {
		q.MinResults = 5
	}
	if err := checkMaxResults(q.MaxResults, q.MinResults, 1000); err != nil {
		return nil, nil, err
	}
	if len(q.IDs) > 0 && q.MaxResults != nil {
		return nil, nil, ec2.ErrInvalidParameterCombination("The parameter %sIds cannot be used with the parameter maxResults", q.Kind)
	}
	match, err := compileFilters(q.Filters, func(name string) bool { return filters[name] != nil })
	if err != nil {
		return nil, nil, err
	}
	var items []*R
	if len(q.IDs) == 0 {
		k, err := loadKind[R, P](ctx, s, c.prefix(q.Kind), filters)
		if err != nil {
			return nil, nil, err
		}
		recs := k.query(q.Filters, func(r record) bool {
			values := func(name string) []string { return filters[name](r.(P)) }
			return match(values, r.base().Tags)
		})
		items = make([]*R, len(recs))
		for i, r := range recs {
			items[i] = r.(P)
		}
		return paginate(items, q.MaxResults, q.NextToken, func(r *R) string { return P(r).base().ID })
	}
	err = s.view(ctx, func(t *txn) error {
		seen := map[string]bool{}
		for _, id := range q.IDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if err := checkID(id, q.Kind); err != nil {
				return err
			}
			r := new(R)
			ok, err := t.get(c.key(id), r)
			if err != nil {
				return err
			}
			if !ok {
				return notFound(id)
			}
			items = append(items, r)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	kept := items[:0]
	for _, r := range items {
		values := func(name string) []string { return filters[name](r) }
		if match(values, P(r).base().Tags) {
			kept = append(kept, r)
		}
	}
	return paginate(kept, q.MaxResults, q.NextToken, func(r *R) string { return P(r).base().ID })
}

// get reads one resource of the caller by ID, with AWS's Malformed and NotFound errors.
func get[R any](t *txn, c Caller, kind, id string) (*R, error) {
	if err := checkID(id, kind); err != nil {
		return nil, err
	}
	r := new(R)
	ok, err := t.get(c.key(id), r)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", id, err)
	}
	if !ok {
		return nil, notFound(id)
	}
	return r, nil
}
