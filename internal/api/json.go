package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"vpcd/internal/aws"
	"vpcd/internal/ec2"
)

// jsonProtocol is awsJson 1.0 and 1.1 (SSM, Service Quotas, CloudWatch Logs, ...): a POST
// whose X-Amz-Target header names the operation, the input as a JSON object, the output
// as one, and errors as {"__type": code, "message": ...} with the status the model gives
// the error.
type jsonProtocol struct {
	desc *aws.Service
	// errorType, when set, is the __type of an error's code (DynamoDB qualifies its
	// codes with a namespace); nil: the code itself.
	errorType func(code string) string
	// clientStatus, when set, is the status of every client (4xx) error: DynamoDB
	// answers 400 also to authentication failures, which other services answer 401/403.
	clientStatus int
}

func (jsonProtocol) params(r *http.Request, _ []byte) (url.Values, error) {
	return r.URL.Query(), nil
}

// operation reads X-Amz-Target. A target that is missing or names another service is an
// unknown operation, as AWS's JSON front end answers it (400 UnknownOperationException).
func (p jsonProtocol) operation(req *request) (string, error) {
	prefix, op, ok := strings.Cut(req.http.Header.Get("X-Amz-Target"), ".")
	if !ok || prefix != p.desc.TargetPrefix || op == "" {
		return "", errUnknownOperation("")
	}
	return op, nil
}

func (jsonProtocol) unknownOperation(_ *request, op string, inModel bool) error {
	if inModel {
		return errUnknownOperation("The operation %s is not supported by vpcd yet.", op)
	}
	return errUnknownOperation("")
}

// decode reads the body into in. An empty body is an empty input (the SDKs send "{}").
// A body that is not JSON, or a member of the wrong type, is a SerializationException;
// a required member left out a ValidationException.
func (jsonProtocol) decode(req *request, _ string, in any) error {
	if len(bytes.TrimSpace(req.body)) > 0 {
		if err := json.Unmarshal(req.body, in); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Field != "" {
				return errSerialization("Unexpected value for member %s.", typeErr.Field)
			}
			return errSerialization("The request body is not a valid JSON object of the operation's input.")
		}
	}
	return checkRequired(reflect.ValueOf(in).Elem(), "", "ValidationException")
}

func (p jsonProtocol) writeResult(w http.ResponseWriter, _ *request, out any) error {
	body := []byte("{}")
	if out != nil {
		var err error
		if body, err = json.Marshal(jsonValue(reflect.ValueOf(out))); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-"+p.desc.JSONVersion)
	w.Write(body)
	return nil
}

// writeError answers with the status the model gives the error (its httpStatusCode; 400
// for a client error without one, 500 for a fault), else the error's own.
func (p jsonProtocol) writeError(w http.ResponseWriter, _ *request, e *ec2.Error) {
	status := modelStatus(p.desc, e)
	if p.clientStatus != 0 && status >= 400 && status < 500 {
		status = p.clientStatus
	}
	typ := e.Code
	if p.errorType != nil {
		typ = p.errorType(e.Code)
	}
	body, _ := json.Marshal(jsonError{Type: typ, Message: e.Message})
	w.Header().Set("Content-Type", "application/x-amz-json-"+p.desc.JSONVersion)
	_, code, qualified := strings.Cut(typ, "#")
	if !qualified {
		code = typ
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	w.Write(body)
}

type jsonError struct {
	Type    string `json:"__type"`
	Message string `json:"message,omitempty"`
}

// The errors of AWS's JSON protocols that no service model lists: every awsJson service
// answers them.

func errUnknownOperation(format string, args ...any) error {
	return ec2.Errorf("UnknownOperationException", format, args...)
}

func errSerialization(format string, args ...any) error {
	return ec2.Errorf("SerializationException", format, args...)
}

// jsonValue is v as encoding/json should write it for AWS: a double always with a decimal
// point (5.0, not 5), as AWS's JSON services write them, so that the SDKs decode a
// float (boto3 would give an int for 5). The rest is left to encoding/json, with the
// shapes' json tags.
func jsonValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type().Implements(marshalerType) {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil
		}
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonValue(v.Elem())
	case reflect.Float32, reflect.Float64:
		s := strconv.FormatFloat(v.Float(), 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // integral, not NaN or Inf
			s += ".0"
		}
		return json.Number(s)
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonValue(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[fmt.Sprint(it.Key().Interface())] = jsonValue(it.Value())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := v.Field(i)
			// A list or map left nil is left out (IsZero); one set empty is written, [] or
			// {}, as AWS writes the empty lists of an answer, which boto3 callers index.
			if strings.Contains(opts, "omitempty") && fv.IsZero() {
				continue
			}
			out[name] = jsonValue(fv)
		}
		return out
	}
	return v.Interface()
}

var marshalerType = reflect.TypeFor[json.Marshaler]()
