package ec2

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EncodeResponse writes the answer to action: <ActionResponse xmlns=...> with the request
// ID first and then the members of out, or <return>true</return> for an action whose model
// has no output. As AWS does, nil scalars and structures are left out, and a list with no
// item is an empty element (<vpcSet/>) unless its tag says omitempty (see the generator's
// omittedWhenEmpty): nil and empty slices are the same answer.
func EncodeResponse(action, requestID string, out any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s"><requestId>`, action, XMLNamespace)
	xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</requestId>")
	if out == nil {
		b.WriteString("<return>true</return>")
	} else {
		encodeStruct(&b, reflect.ValueOf(out).Elem())
	}
	fmt.Fprintf(&b, "</%sResponse>", action)
	return b.Bytes()
}

type xmlField struct {
	index int
	name  string // element name
	item  string // for lists: the element of each item
	omit  bool   // for lists: left out when empty
}

var xmlFieldCache sync.Map // reflect.Type → []xmlField

func xmlFields(t reflect.Type) []xmlField {
	if f, ok := xmlFieldCache.Load(t); ok {
		return f.([]xmlField)
	}
	var fs []xmlField
	for i := 0; i < t.NumField(); i++ {
		tag, ok := t.Field(i).Tag.Lookup("xml")
		if !ok {
			continue
		}
		tag, opts, _ := strings.Cut(tag, ",")
		name, item, _ := strings.Cut(tag, ">")
		fs = append(fs, xmlField{index: i, name: name, item: item, omit: opts == "omitempty"})
	}
	xmlFieldCache.Store(t, fs)
	return fs
}

func encodeStruct(b *bytes.Buffer, v reflect.Value) {
	for _, f := range xmlFields(v.Type()) {
		fv := v.Field(f.index)
		switch {
		case fv.Kind() == reflect.Pointer && fv.IsNil():
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Uint8: // blob
			if fv.Len() > 0 {
				encodeElement(b, f.name, fv)
			}
		case fv.Kind() == reflect.Slice && fv.Len() == 0:
			if !f.omit {
				b.WriteByte('<')
				b.WriteString(f.name)
				b.WriteString("/>")
			}
		case fv.Kind() == reflect.Slice:
			open(b, f.name)
			for i := 0; i < fv.Len(); i++ {
				encodeElement(b, f.item, fv.Index(i))
			}
			closeTag(b, f.name)
		default:
			encodeElement(b, f.name, fv)
		}
	}
}

func encodeElement(b *bytes.Buffer, name string, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	open(b, name)
	switch v.Kind() {
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			b.WriteString(t.UTC().Format("2006-01-02T15:04:05.000Z"))
		} else {
			encodeStruct(b, v)
		}
	case reflect.String:
		xml.EscapeText(b, []byte(v.String()))
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'f', -1, 64))
	case reflect.Slice: // blob
		b.WriteString(base64.StdEncoding.EncodeToString(v.Bytes()))
	}
	closeTag(b, name)
}

func open(b *bytes.Buffer, name string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
}

func closeTag(b *bytes.Buffer, name string) {
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// EncodeError writes AWS's error envelope.
func EncodeError(e *Error, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Response><Errors><Error><Code>")
	xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message></Error></Errors><RequestID>")
	xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestID></Response>")
	return b.Bytes()
}
