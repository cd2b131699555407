package api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"

	"vpcd/internal/aws"
	"vpcd/internal/ec2"
)

// queryProtocol is AWS's query protocol (STS, ELBv2, ...): form parameters in, as
// botocore's query serializer writes them; <OpResponse><OpResult> out, errors in
// <ErrorResponse>.
type queryProtocol struct{ desc *aws.Service }

func (queryProtocol) params(r *http.Request, body []byte) (url.Values, error) {
	return formParams(r, body)
}

// operation reads Action and checks Version. A version the service does not have finds
// no operation, in the words of AWS's query services: "Could not find operation X for
// version V" (InvalidAction), with NO_VERSION_SPECIFIED for a request without one.
func (p queryProtocol) operation(req *request) (string, error) {
	action := req.params.Get("Action")
	if action == "" {
		return "", ec2.ErrMissingAction("The request must contain the parameter Action")
	}
	if v := req.params.Get("Version"); v != p.desc.APIVersion {
		if v == "" {
			v = "NO_VERSION_SPECIFIED"
		}
		return "", ec2.ErrInvalidActionMessage("Could not find operation %s for version %s", action, v)
	}
	return action, nil
}

func (p queryProtocol) unknownOperation(req *request, op string, inModel bool) error {
	if inModel {
		return ec2.ErrInvalidActionMessage("The action %s is not supported by vpcd yet.", op)
	}
	return ec2.ErrInvalidActionMessage("Could not find operation %s for version %s", op, p.desc.APIVersion)
}

func (queryProtocol) decode(req *request, _ string, in any) error {
	d := newQueryDecoder(req.params)
	if err := d.structure("", reflect.ValueOf(in).Elem()); err != nil {
		return err
	}
	return checkRequired(reflect.ValueOf(in).Elem(), "", "ValidationError")
}

func (p queryProtocol) writeResult(w http.ResponseWriter, req *request, out any) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, req.op, p.desc.XMLNamespace)
	if out != nil {
		wrapper := p.desc.Operations[req.op].ResultWrapper
		if wrapper == "" {
			wrapper = req.op + "Result"
		}
		if err := writeQueryXML(&b, wrapper, reflect.ValueOf(out)); err != nil {
			return fmt.Errorf("encode %s: %w", req.op, err)
		}
	}
	b.WriteString("<ResponseMetadata><RequestId>")
	xml.EscapeText(&b, []byte(req.id))
	fmt.Fprintf(&b, "</RequestId></ResponseMetadata></%sResponse>", req.op)
	w.Header().Set("Content-Type", "text/xml")
	w.Write(b.Bytes())
	return nil
}

func (p queryProtocol) writeError(w http.ResponseWriter, req *request, e *ec2.Error) {
	writeXMLError(w, p.desc, req, e)
}

// writeXMLError writes the error envelope of the query and restXml protocols, with the
// status the model gives the error. Type says whose fault it is: Receiver for the
// server's (5xx), Sender for the caller's.
func writeXMLError(w http.ResponseWriter, desc *aws.Service, req *request, e *ec2.Error) {
	status := modelStatus(desc, e)
	env := xmlError{Namespace: desc.XMLNamespace, Type: "Sender", Code: e.Code, Message: e.Message, RequestID: req.id}
	if status >= 500 {
		env.Type = "Receiver"
	}
	b, _ := xml.Marshal(env) // strings only: it cannot fail
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	w.Write(b)
}

// modelStatus is the HTTP status of an error: the one the service's model gives its code,
// else the error's own.
func modelStatus(desc *aws.Service, e *ec2.Error) int {
	if shape, ok := desc.Errors[e.Code]; ok {
		return shape.Status
	}
	return e.Status
}

type xmlError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// queryDecoder reads a generated shape from query parameters named as botocore writes
// them: Member, Member.Sub for a structure, Member.member.N for list items (Item.N when
// the list is flattened), Member.entry.N.key and .value for maps. Parameters that name
// no member are ignored.
type queryDecoder struct {
	params url.Values
	// present holds every parameter name and each of its dotted prefixes, so that
	// finding whether a structure or list item was sent costs one lookup.
	present map[string]bool
}

func newQueryDecoder(params url.Values) *queryDecoder {
	d := &queryDecoder{params: params, present: map[string]bool{}}
	for k := range params {
		for i := range len(k) {
			if k[i] == '.' {
				d.present[k[:i]] = true
			}
		}
		d.present[k] = true
	}
	return d
}

func (d *queryDecoder) structure(prefix string, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f, ok := xmlMember(t.Field(i))
		if !ok {
			continue
		}
		name := f.name
		if prefix != "" {
			name = prefix + "." + f.name
		}
		if !d.present[name] {
			continue
		}
		if err := d.member(name, f, v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func (d *queryDecoder) member(name string, f xmlField, v reflect.Value) error {
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		items := name + "." + f.item
		if f.flat {
			items = name
		}
		n := d.count(items)
		list := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			if err := d.value(items+"."+strconv.Itoa(i+1), list.Index(i)); err != nil {
				return err
			}
		}
		v.Set(list)
	case v.Kind() == reflect.Map:
		n := d.count(name + ".entry")
		m := reflect.MakeMapWithSize(v.Type(), n)
		for i := range n {
			entry := name + ".entry." + strconv.Itoa(i+1)
			val := reflect.New(v.Type().Elem()).Elem()
			if err := d.value(entry+".value", val); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(d.params.Get(entry+".key")), val)
		}
		v.Set(m)
	default:
		return d.value(name, v)
	}
	return nil
}

// count is how many items prefix.1, prefix.2, ... were sent, bounded so that a request
// cannot make the server allocate for an index it never sent.
func (d *queryDecoder) count(prefix string) int {
	n := 0
	for n < maxListItems && d.present[prefix+"."+strconv.Itoa(n+1)] {
		n++
	}
	return n
}

const maxListItems = 10000

func (d *queryDecoder) value(name string, v reflect.Value) error {
	switch {
	case v.Kind() == reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := d.value(name, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case v.Kind() == reflect.Struct && v.Type() != timeType:
		return d.structure(name, v)
	case v.Kind() == reflect.Map || v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		return d.member(name, xmlField{name: name, item: "member"}, v)
	}
	return setScalar(v, d.params.Get(name), name)
}
