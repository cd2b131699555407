package ec2

import (
	"encoding/base64"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// protocolParams are the parameters every request may carry beside its input shape.
var protocolParams = map[string]bool{
	"Action": true, "Version": true, "AWSAccessKeyId": true, "Signature": true,
	"SignatureMethod": true, "SignatureVersion": true, "Timestamp": true, "Expires": true,
	"X-Amz-Algorithm": true, "X-Amz-Credential": true, "X-Amz-Date": true,
	"X-Amz-Expires": true, "X-Amz-SignedHeaders": true, "X-Amz-Signature": true,
	"X-Amz-Security-Token": true,
}

// node is one level of the dotted parameter names: "Filter.1.Value.2" is the path
// Filter → 1 → Value → 2.
type node struct {
	name     string // the full dotted name, for error messages
	value    *string
	children map[string]*node
	used     bool
}

func (n *node) child(key string) *node {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c := n.children[key]
	if c == nil {
		name := key
		if n.name != "" {
			name = n.name + "." + key
		}
		c = &node{name: name}
		n.children[key] = c
	}
	return c
}

// Decode fills in, a pointer to a generated request shape, from the parameters of an EC2
// Query request, flattened as botocore and the AWS SDKs write them: structure members as
// Prefix.Member, list items as Prefix.N counted from 1.
func Decode(params url.Values, in any) error {
	root := &node{}
	for key, vals := range params {
		if protocolParams[key] || len(vals) == 0 {
			continue
		}
		n := root
		for _, part := range strings.Split(key, ".") {
			n = n.child(part)
		}
		v := vals[0]
		n.value = &v
	}
	if err := decodeStruct(root, reflect.ValueOf(in).Elem()); err != nil {
		return err
	}
	return unused(root)
}

func unused(n *node) error {
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := n.children[k]
		if !c.used {
			return ErrUnknownParameter(c.name)
		}
		if err := unused(c); err != nil {
			return err
		}
	}
	return nil
}

type fieldInfo struct {
	index    int
	name     string
	required bool
}

var fieldCache sync.Map // reflect.Type → []fieldInfo

func fields(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var fs []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		tag, ok := t.Field(i).Tag.Lookup("ec2")
		if !ok {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		fs = append(fs, fieldInfo{index: i, name: name, required: opt == "required"})
	}
	fieldCache.Store(t, fs)
	return fs
}

func decodeStruct(n *node, v reflect.Value) error {
	n.used = true
	for _, f := range fields(v.Type()) {
		c := n.children[f.name]
		if c == nil {
			if f.required {
				name := f.name
				if n.name != "" {
					name = n.name + "." + f.name
				}
				return ErrMissingParameter(name)
			}
			continue
		}
		if err := decodeValue(c, v.Field(f.index)); err != nil {
			return err
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

func decodeValue(n *node, v reflect.Value) error {
	n.used = true
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := decodeValue(n, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if t.Kind() == reflect.Struct && t != timeType {
		if n.value != nil && len(n.children) == 0 && *n.value != "" {
			return ErrInvalidParameterValue("Invalid value '%s' for %s", *n.value, n.name)
		}
		return decodeStruct(n, v)
	}
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		return decodeList(n, v)
	}
	if n.value == nil {
		// Only deeper names were given for a scalar: they are not parameters.
		for _, c := range n.children {
			return ErrUnknownParameter(c.name)
		}
		return nil
	}
	for _, c := range n.children {
		return ErrUnknownParameter(c.name)
	}
	s := *n.value
	bad := func() error {
		return ErrInvalidParameterValue("Value (%s) for parameter %s is invalid.", s, n.name)
	}
	switch {
	case t == timeType:
		tm, err := parseTime(s)
		if err != nil {
			return bad()
		}
		v.Set(reflect.ValueOf(tm))
	case t.Kind() == reflect.String:
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		switch strings.ToLower(s) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return bad()
		}
	case t.Kind() == reflect.Int32 || t.Kind() == reflect.Int64:
		i, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return bad()
		}
		v.SetInt(i)
	case t.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad()
		}
		v.SetFloat(f)
	case t.Kind() == reflect.Slice: // blob
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return bad()
		}
		v.SetBytes(b)
	default:
		return ErrInternal()
	}
	return nil
}

// maxListItems bounds the index of a list item, so that a request cannot make the server
// allocate for an index it never sent.
const maxListItems = 10000

func decodeList(n *node, v reflect.Value) error {
	if n.value != nil && len(n.children) == 0 {
		if *n.value == "" {
			return nil // "Name=" is how the query protocol sends an empty list
		}
		return ErrUnknownParameter(n.name)
	}
	type item struct {
		i int
		n *node
	}
	items := make([]item, 0, len(n.children))
	for k, c := range n.children {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 || i > maxListItems || strconv.Itoa(i) != k {
			return ErrUnknownParameter(c.name)
		}
		items = append(items, item{i, c})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	list := reflect.MakeSlice(v.Type(), len(items), len(items))
	for j, it := range items {
		if err := decodeValue(it.n, list.Index(j)); err != nil {
			return err
		}
	}
	v.Set(list)
	return nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(secs*1e9)).UTC(), nil
	}
	return time.Time{}, strconv.ErrSyntax
}
