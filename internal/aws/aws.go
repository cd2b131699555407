// Package aws describes the AWS services other than EC2 that vpcd speaks, in the terms the
// protocol edge (internal/api) needs to route and encode them: the wire protocol, the
// names a request is matched on, the operations and the errors of the model. One package
// per service under it (sts, servicequotas, route53, ...) is generated from botocore's
// model by ./gen and fills in a Service next to its request and response types.
//
// EC2 keeps its own package (internal/ec2): its protocol and codec predate this one.
package aws

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
	ResultWrapper string // query: the element around the output in the answer
}

// ErrorShape is what the model says of one error.
type ErrorShape struct {
	Status int  // the HTTP status it comes with
	Fault  bool // the server's fault (Type Receiver) rather than the caller's (Sender)
}
