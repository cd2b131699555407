package api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"vpcd/internal/aws"
	"vpcd/internal/ec2"
)

// restXMLProtocol is AWS's restXml protocol (Route 53, later S3): the method and path pick
// the operation (the model's http.requestUri, with {Label} segments), members travel in
// the path, the query string, headers or an XML body, and errors come in <ErrorResponse>.
type restXMLProtocol struct {
	desc   *aws.Service
	routes []restRoute
	// validation is the service's code for an input that breaks the model's constraints
	// (Route 53: InvalidInput).
	validation string
}

// restRoute is one operation's request line: its method and path pattern.
type restRoute struct {
	op       string
	method   string
	segments []string // "{Id}" for a label, "{Key+}" for a label that takes the rest
	query    []string // query keys the pattern requires (S3's "?acl")
	literals int      // literal segments: the more, the more specific
}

func newRestXMLProtocol(desc *aws.Service, validation string) restXMLProtocol {
	p := restXMLProtocol{desc: desc, validation: validation}
	for op, o := range desc.Operations {
		path, query, _ := strings.Cut(o.RequestURI, "?")
		r := restRoute{op: op, method: o.Method, segments: splitPath(path)}
		for _, kv := range strings.Split(query, "&") {
			if k, _, _ := strings.Cut(kv, "="); k != "" {
				r.query = append(r.query, k)
			}
		}
		for _, s := range r.segments {
			if !strings.HasPrefix(s, "{") {
				r.literals++
			}
		}
		p.routes = append(p.routes, r)
	}
	// The most specific pattern first, so that /hostedzonecount is not read as a label.
	sort.Slice(p.routes, func(i, j int) bool {
		a, b := p.routes[i], p.routes[j]
		if a.literals+len(a.query) != b.literals+len(b.query) {
			return a.literals+len(a.query) > b.literals+len(b.query)
		}
		return a.op < b.op
	})
	return p
}

// splitPath splits a path into its segments, ignoring a trailing slash (Route 53's
// ".../rrset/" is sent with and without one).
func splitPath(path string) []string {
	return strings.Split(strings.Trim(path, "/"), "/")
}

func (restXMLProtocol) params(r *http.Request, _ []byte) (url.Values, error) {
	return r.URL.Query(), nil
}

// operation finds the route the request line matches and keeps its labels.
func (p restXMLProtocol) operation(req *request) (string, error) {
	// Split before unescaping, so that an escaped "/" stays inside its label.
	segments := splitPath(req.http.URL.EscapedPath())
	for i, seg := range segments {
		if u, err := url.PathUnescape(seg); err == nil {
			segments[i] = u
		}
	}
	for _, r := range p.routes {
		if labels, ok := r.match(req.http.Method, segments, req.params); ok {
			req.labels = labels
			return r.op, nil
		}
	}
	return "", errNoRestOperation("No operation of %s matches %s %s.", p.desc.Name, req.http.Method, req.http.URL.Path)
}

func (r restRoute) match(method string, segments []string, query url.Values) (map[string]string, bool) {
	if method != r.method {
		return nil, false
	}
	for _, k := range r.query {
		if !query.Has(k) {
			return nil, false
		}
	}
	labels := map[string]string{}
	for i, pat := range r.segments {
		if i >= len(segments) {
			return nil, false
		}
		name, isLabel := strings.CutPrefix(pat, "{")
		name = strings.TrimSuffix(name, "}")
		switch {
		case !isLabel:
			if pat != segments[i] {
				return nil, false
			}
		case strings.HasSuffix(name, "+"): // a greedy label takes the rest of the path
			labels[strings.TrimSuffix(name, "+")] = strings.Join(segments[i:], "/")
			return labels, true
		case segments[i] == "":
			return nil, false
		default:
			labels[name] = segments[i]
		}
	}
	return labels, len(segments) == len(r.segments)
}

func (p restXMLProtocol) unknownOperation(req *request, op string, inModel bool) error {
	return errNoRestOperation("The operation %s is not supported by vpcd yet.", op)
}

// decode reads the XML body (its root element is the operation's input) and then the
// members that travel in the path, the query string and headers.
func (p restXMLProtocol) decode(req *request, _ string, in any) error {
	if len(bytes.TrimSpace(req.body)) > 0 {
		if err := xml.Unmarshal(req.body, in); err != nil {
			return ec2.Errorf(p.validation, "Could not parse the request body as XML: %v", err)
		}
	}
	v := reflect.ValueOf(in).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		var text []string
		if name, ok := awsOption(f, "uri"); ok {
			if s, ok := req.labels[name]; ok {
				text = []string{s}
			}
		} else if name, ok := awsOption(f, "querystring"); ok {
			text = req.params[name]
		} else if name, ok := awsOption(f, "header"); ok {
			text = req.http.Header.Values(name)
		}
		if len(text) == 0 {
			continue
		}
		if err := setText(v.Field(i), text, f.Name); err != nil {
			return err
		}
	}
	return checkRequired(v, "", p.validation)
}

// setText sets a member from the text of a label, query parameter or header: a scalar
// from the first, a list from each.
func setText(v reflect.Value, text []string, name string) error {
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 {
		list := reflect.MakeSlice(v.Type(), len(text), len(text))
		for i, s := range text {
			if err := setScalar(list.Index(i), s, name); err != nil {
				return err
			}
		}
		v.Set(list)
		return nil
	}
	p := reflect.New(v.Type().Elem())
	if err := setScalar(p.Elem(), text[0], name); err != nil {
		return err
	}
	v.Set(p)
	return nil
}

// writeResult writes the output's header members as headers and the rest as the body,
// rooted in the output shape's name, with the status of the operation's model.
func (p restXMLProtocol) writeResult(w http.ResponseWriter, req *request, out any) error {
	o := p.desc.Operations[req.op]
	var b bytes.Buffer
	if out != nil {
		b.WriteString(xml.Header)
		root := xml.StartElement{Name: xml.Name{Local: o.Output}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: p.desc.XMLNamespace}}}
		if err := xml.NewEncoder(&b).EncodeElement(out, root); err != nil {
			return fmt.Errorf("encode %s: %w", req.op, err)
		}
		v := reflect.ValueOf(out).Elem()
		for i := range v.NumField() {
			if name, ok := awsOption(v.Type().Field(i), "header"); ok && !v.Field(i).IsNil() {
				w.Header().Set(name, fmt.Sprint(v.Field(i).Elem().Interface()))
			}
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	if o.ResponseCode != 0 {
		w.WriteHeader(o.ResponseCode)
	}
	w.Write(b.Bytes())
	return nil
}

func (p restXMLProtocol) writeError(w http.ResponseWriter, req *request, e *ec2.Error) {
	writeXMLError(w, p.desc, req, e)
}

// errNoRestOperation: a path and method that no operation of the service has, or one vpcd
// does not serve, answered 404 as AWS's REST front ends do.
func errNoRestOperation(format string, args ...any) *ec2.Error {
	return &ec2.Error{Code: "UnknownOperationException", Message: fmt.Sprintf(format, args...), Status: http.StatusNotFound}
}
