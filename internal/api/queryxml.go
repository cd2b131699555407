package api

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// writeQueryXML writes v, a generated output shape, as the query protocol's answers carry
// it: a member per element, a list as Name>member items. Unlike encoding/xml, a list that
// is empty but not nil is written as an empty element, as AWS writes it (<LoadBalancers/>),
// so that botocore gives the caller an empty list rather than no key at all; nil members
// are left out.
func writeQueryXML(b *bytes.Buffer, name string, v reflect.Value) error {
	switch {
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return writeQueryXML(b, name, v.Elem())
	case v.Type() == timeType:
		writeElement(b, name, v.Interface().(time.Time).UTC().Format("2006-01-02T15:04:05.000Z"))
	case v.Kind() == reflect.Struct:
		fmt.Fprintf(b, "<%s>", name)
		t := v.Type()
		for i := range t.NumField() {
			f, ok := xmlMember(t.Field(i))
			if !ok {
				continue
			}
			if err := writeQueryMember(b, f, v.Field(i)); err != nil {
				return err
			}
		}
		fmt.Fprintf(b, "</%s>", name)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		writeElement(b, name, base64.StdEncoding.EncodeToString(v.Bytes()))
	case v.Kind() == reflect.String:
		writeElement(b, name, v.String())
	case v.Kind() == reflect.Bool:
		writeElement(b, name, strconv.FormatBool(v.Bool()))
	case v.Kind() == reflect.Int32 || v.Kind() == reflect.Int64:
		writeElement(b, name, strconv.FormatInt(v.Int(), 10))
	case v.Kind() == reflect.Float64:
		writeElement(b, name, strconv.FormatFloat(v.Float(), 'g', -1, 64))
	default:
		return fmt.Errorf("api: %s: cannot write %s in a query answer", name, v.Type())
	}
	return nil
}

// writeQueryMember writes one member of a structure: lists and maps by their own rules,
// anything else as one element.
func writeQueryMember(b *bytes.Buffer, f xmlField, v reflect.Value) error {
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		if v.IsNil() {
			return nil
		}
		if !f.flat {
			fmt.Fprintf(b, "<%s>", f.name)
		}
		item := f.item
		if f.flat {
			item = f.name
		}
		for i := range v.Len() {
			if err := writeQueryXML(b, item, v.Index(i)); err != nil {
				return err
			}
		}
		if !f.flat {
			fmt.Fprintf(b, "</%s>", f.name)
		}
		return nil
	case v.Kind() == reflect.Map:
		if v.IsNil() {
			return nil
		}
		fmt.Fprintf(b, "<%s>", f.name)
		iter := v.MapRange()
		for iter.Next() {
			b.WriteString("<entry>")
			writeElement(b, "key", iter.Key().String())
			if err := writeQueryXML(b, "value", iter.Value()); err != nil {
				return err
			}
			b.WriteString("</entry>")
		}
		fmt.Fprintf(b, "</%s>", f.name)
		return nil
	}
	return writeQueryXML(b, f.name, v)
}

func writeElement(b *bytes.Buffer, name, text string) {
	fmt.Fprintf(b, "<%s>", name)
	xml.EscapeText(b, []byte(text))
	fmt.Fprintf(b, "</%s>", name)
}
