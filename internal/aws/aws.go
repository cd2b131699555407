// Package aws describes the AWS services other than EC2 that vpcd speaks, in the terms the
// protocol edge (internal/api) needs to route and encode them: the wire protocol, the
// names a request is matched on, the operations and the errors of the model. One package
// per service under it (sts, servicequotas, route53, ...) is generated from botocore's
// model by ./gen and fills in a Service next to its request and response types.
//
// EC2 keeps its own package (internal/ec2): its protocol and codec predate this one.
package aws

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"
)

//go:generate go run ./gen

// Protocol is a service's wire protocol, in botocore's words.
type Protocol string

const (
	Query   Protocol = "query"    // form parameters in, <OpResponse><OpResult> out
	JSON    Protocol = "json"     // awsJson 1.0/1.1: X-Amz-Target picks the operation
	RestXML Protocol = "rest-xml" // method and path pick the operation
)

// Service is one service's model as the router reads it.
type Service struct {
	Name         string // botocore's name, e.g. "service-quotas"
	SigningName  string // the service of the SigV4 credential scope, e.g. "servicequotas"
	Protocol     Protocol
	APIVersion   string
	JSONVersion  string // awsJson: "1.0" or "1.1"
	TargetPrefix string // awsJson: X-Amz-Target is TargetPrefix.Operation
	XMLNamespace string // query and restXml answers
	Operations   map[string]Operation
	Errors       map[string]ErrorShape // by the code on the wire
}

// Operation is one operation of the model.
type Operation struct {
	Input, Output string // shape names; "" when the model has none
	InputElement  string // restXml: the root element of a request body
	Method        string // restXml: the HTTP method
	RequestURI    string // restXml: the path pattern, e.g. /2013-04-01/hostedzone/{Id}
	ResponseCode  int    // restXml: the status of a success when it is not 200
	ResultWrapper string // query: the element around the output in the answer
}

// ErrorShape is what the model says of one error.
type ErrorShape struct {
	Status int  // the HTTP status it comes with
	Fault  bool // the server's fault (Type Receiver) rather than the caller's (Sender)
}

// Time is a timestamp of an awsJson shape. On the wire it is epoch seconds (the Smithy
// default for the JSON protocols; the SDKs refuse anything else), where encoding/json
// would write RFC 3339.
type Time struct{ time.Time }

func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads epoch seconds, and RFC 3339 text as botocore also accepts it.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(b, []byte(`"`)) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		t.Time = v
		return err
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: timeType}
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

var timeType = reflect.TypeOf(time.Time{})
