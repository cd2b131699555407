package api

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"vpcd/internal/ec2"
)

// What the codecs of the non-EC2 protocols read from the tags of the generated shapes
// (internal/aws/gen says how they are written).

var timeType = reflect.TypeFor[time.Time]()

// xmlField is a member's name in the query and XML protocols.
type xmlField struct {
	name string // the member's element or parameter name
	item string // a list's item element, "member" by default
	flat bool   // a flattened list: its items are repeated under name
}

func xmlMember(f reflect.StructField) (xmlField, bool) {
	tag, ok := f.Tag.Lookup("xml")
	if !ok || tag == "-" {
		return xmlField{}, false
	}
	tag, opts, _ := strings.Cut(tag, ",")
	name, item, _ := strings.Cut(tag, ">")
	if item == "" {
		item = "member"
	}
	return xmlField{name: name, item: item, flat: strings.Contains(opts, "flat")}, true
}

// wireName is a member's name on the wire, from its json or xml tag.
func wireName(f reflect.StructField) string {
	for _, key := range []string{"json", "xml"} {
		if tag, ok := f.Tag.Lookup(key); ok && tag != "-" {
			name, _, _ := strings.Cut(tag, ",")
			name, _, _ = strings.Cut(name, ">")
			return name
		}
	}
	return f.Name
}

// awsOption is the value of an aws:"..." tag option: "uri" in aws:"required,uri=Id"
// gives "Id"; a flag without a value gives "".
func awsOption(f reflect.StructField, key string) (string, bool) {
	for _, opt := range strings.Split(f.Tag.Get("aws"), ",") {
		k, v, _ := strings.Cut(opt, "=")
		if k == key {
			return v, true
		}
	}
	return "", false
}

// checkRequired finds the first required member left out, in the words of AWS's
// validation ("1 validation error detected: Value null at 'roleArn' failed to satisfy
// constraint: Member must not be null"), with the service's code for it.
func checkRequired(v reflect.Value, path, code string) error {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		name := lowerFirst(wireName(f))
		if path != "" {
			name = path + "." + name
		}
		if _, required := awsOption(f, "required"); required && fv.IsNil() {
			return ec2.Errorf(code, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)
		}
		if err := checkRequiredIn(fv, name, code); err != nil {
			return err
		}
	}
	return nil
}

// checkRequiredIn checks the structures a member holds, itself or as list items.
func checkRequiredIn(v reflect.Value, path, code string) error {
	switch {
	case v.Kind() == reflect.Pointer && !v.IsNil():
		return checkRequiredIn(v.Elem(), path, code)
	case v.Kind() == reflect.Struct && v.Type() != timeType:
		return checkRequired(v, path, code)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		for i := range v.Len() {
			if err := checkRequiredIn(v.Index(i), fmt.Sprintf("%s.%d.member", path, i+1), code); err != nil {
				return err
			}
		}
	}
	return nil
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// setScalar sets v, a scalar of a generated shape, from its text form in a query
// parameter, a URI label or a header.
func setScalar(v reflect.Value, s, name string) error {
	bad := func() error {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid.", s, name)
	}
	switch {
	case v.Type() == timeType:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad()
		}
		v.Set(reflect.ValueOf(t))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil || (s != "true" && s != "false") {
			return bad()
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int32 || v.Kind() == reflect.Int64:
		i, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return bad()
		}
		v.SetInt(i)
	case v.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad()
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return bad()
		}
		v.SetBytes(b)
	default:
		return fmt.Errorf("api: %s: no scalar of type %s", name, v.Type())
	}
	return nil
}
