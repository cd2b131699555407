package linux

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
)

// A span is an inclusive range of one field of a set key (a protocol, a port, an ICMP
// type, an address) as big-endian bytes of the field's width. A box is one span per field
// of a concatenated interval set: the set matches a key that lies in every span of a box.
//
// The kernel refuses overlapping elements in a concatenated interval set, and security
// group permissions overlap all the time (port 22 from 10.0.0.0/8 and ports 0-1024 from
// 10.1.0.0/16), so boxes are made disjoint before they become set elements.
type span struct{ lo, hi []byte }

type box []span

// disjoint returns boxes that match exactly what the given boxes match, without overlap,
// in a canonical order. All boxes have the same number and widths of fields.
func disjoint(boxes []box) []box {
	if len(boxes) == 0 {
		return nil
	}
	return splitBoxes(boxes)
}

// splitBoxes cuts the first field into elementary intervals, on which the set of covering
// boxes is constant, solves the remaining fields for each, and joins neighbouring intervals
// whose solutions are equal.
func splitBoxes(boxes []box) []box {
	const dim = 0
	if len(boxes) == 0 {
		return nil
	}
	if dim == len(boxes[0])-1 {
		spans := make([]span, 0, len(boxes))
		for _, b := range boxes {
			spans = append(spans, b[dim])
		}
		var out []box
		for _, s := range mergeSpans(spans) {
			out = append(out, box{s})
		}
		return out
	}
	var cuts [][]byte
	for _, b := range boxes {
		cuts = append(cuts, b[dim].lo)
		if next, ok := inc(b[dim].hi); ok {
			cuts = append(cuts, next)
		}
	}
	slices.SortFunc(cuts, bytes.Compare)
	cuts = slices.CompactFunc(cuts, bytes.Equal)

	var out []box
	var cur *span
	var curSub []box
	var curKey string
	flush := func() {
		if cur == nil {
			return
		}
		for _, s := range curSub {
			out = append(out, append(box{*cur}, s...))
		}
		cur = nil
	}
	for i, start := range cuts {
		end := maxValue(len(start))
		if i+1 < len(cuts) {
			end, _ = dec(cuts[i+1])
		}
		var tails []box
		for _, b := range boxes {
			if bytes.Compare(b[dim].lo, start) <= 0 && bytes.Compare(start, b[dim].hi) <= 0 {
				tails = append(tails, b[dim+1:])
			}
		}
		sub := splitBoxes(tails)
		key := boxesKey(sub)
		if cur != nil && key == curKey {
			cur.hi = end
			continue
		}
		flush()
		if len(sub) > 0 {
			cur, curSub, curKey = &span{start, end}, sub, key
		}
	}
	flush()
	return out
}

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return bytes.Compare(a.lo, b.lo) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 {
			last := &out[n-1]
			next, ok := inc(last.hi)
			if !ok || bytes.Compare(s.lo, next) <= 0 {
				if bytes.Compare(s.hi, last.hi) > 0 {
					last.hi = s.hi
				}
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

func boxesKey(boxes []box) string {
	var sb strings.Builder
	for _, b := range boxes {
		for _, s := range b {
			sb.Write(s.lo)
			sb.Write(s.hi)
		}
		sb.WriteByte('|')
	}
	return sb.String()
}

// inc returns b+1, or false when b is the largest value of its width.
func inc(b []byte) ([]byte, bool) {
	out := slices.Clone(b)
	for i := len(out) - 1; i >= 0; i-- {
		out[i]++
		if out[i] != 0 {
			return out, true
		}
	}
	return nil, false
}

// dec returns b-1, or false when b is zero.
func dec(b []byte) ([]byte, bool) {
	out := slices.Clone(b)
	for i := len(out) - 1; i >= 0; i-- {
		out[i]--
		if out[i] != 0xff {
			return out, true
		}
	}
	return nil, false
}

func maxValue(width int) []byte {
	return bytes.Repeat([]byte{0xff}, width)
}

// uintSpan is the span of the integers lo..hi in a field of width bytes.
func uintSpan(lo, hi uint64, width int) span {
	return span{beUint(lo, width), beUint(hi, width)}
}

func beUint(v uint64, width int) []byte {
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

// prefixSpan is the span of the addresses of p.
func prefixSpan(p netip.Prefix) span {
	p = p.Masked()
	lo := p.Addr().AsSlice()
	hi := slices.Clone(lo)
	for i := p.Bits(); i < len(hi)*8; i++ {
		hi[i/8] |= 0x80 >> (i % 8)
	}
	return span{lo, hi}
}

// spanPrefix returns the prefix that s covers exactly, if there is one.
func spanPrefix(s span) (netip.Prefix, bool) {
	addr, ok := netip.AddrFromSlice(s.lo)
	if !ok {
		return netip.Prefix{}, false
	}
	for bits := 0; bits <= addr.BitLen(); bits++ {
		p := netip.PrefixFrom(addr, bits)
		if p.Masked().Addr() != addr {
			continue
		}
		if ps := prefixSpan(p); bytes.Equal(ps.hi, s.hi) {
			return p, true
		}
	}
	return netip.Prefix{}, false
}
