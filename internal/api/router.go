package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"strings"
	"time"

	"vpcd/internal/aws"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
)

// Server is the HTTP handler of every service vpcd speaks, on one listener.
type Server struct {
	cfg      Config
	services map[string]*service // by the service of the SigV4 credential scope
	targets  map[string]*service // awsJson services by the prefix of X-Amz-Target
	// gatewayPolicy reads a gateway endpoint's policy for S3 (s3policy.go); nil: none
	// is known, and what comes through an endpoint is refused.
	gatewayPolicy func(ctx context.Context, c control.Caller, id string) (policy, vpc string, ok bool, err error)
}

// service is one AWS service as the router serves it.
type service struct {
	desc     aws.Service
	protocol protocol
	handlers map[string]handler // by operation name
	// before, when set, runs after the input is decoded and the caller known, and before
	// the handler: EC2's DryRun and default VPC.
	before func(ctx context.Context, c control.Caller, in any) error
}

// handler is one registered operation: its input type and the typed function, wrapped.
type handler struct {
	input reflect.Type // the request shape, not a pointer
	call  func(ctx context.Context, c control.Caller, in any) (any, error)
}

// protocol is one wire protocol: how a request names its operation and carries its
// input, and how an answer and an error are written.
type protocol interface {
	// params are the request's parameters: the query string, and the form body for
	// the protocols that send one.
	params(r *http.Request, body []byte) (url.Values, error)
	operation(req *request) (string, error)
	// unknownOperation is the error for an operation without a handler; inModel tells
	// a gap in vpcd from a name the service does not have.
	unknownOperation(req *request, op string, inModel bool) error
	decode(req *request, op string, in any) error
	// writeResult writes out, nil for an operation without output. It writes nothing
	// when it fails, so that the error can still be answered.
	writeResult(w http.ResponseWriter, req *request, out any) error
	writeError(w http.ResponseWriter, req *request, e *ec2.Error)
}

// request is one request as it goes through the router.
type request struct {
	http   *http.Request
	id     string
	body   []byte
	params url.Values
	op     string
	labels map[string]string // restXml: the path's {Label} values
}

func newServer(cfg Config) *Server {
	return &Server{cfg: cfg, services: map[string]*service{}, targets: map[string]*service{}}
}

// addService makes a service known to the router; its operations are then registered
// with Handle.
func (s *Server) addService(desc aws.Service, p protocol) *service {
	svc := &service{desc: desc, protocol: p, handlers: map[string]handler{}}
	s.services[desc.SigningName] = svc
	if desc.TargetPrefix != "" {
		s.targets[desc.TargetPrefix] = svc
	}
	return svc
}

// Handle registers fn as the operation op of service (the name of its credential scope,
// e.g. "ec2", "sts"). In and Out are the generated shapes of the operation's input and
// output; a mismatch with the model panics, at start. Register before the server serves:
// the tables are read without a lock.
func Handle[In, Out any](s *Server, service, op string, fn func(context.Context, control.Caller, *In) (*Out, error)) {
	s.register(service, op, reflect.TypeFor[In](), reflect.TypeFor[Out](), func(ctx context.Context, c control.Caller, in any) (any, error) {
		out, err := fn(ctx, c, in.(*In))
		if err != nil || out == nil {
			// A nil *Out in an interface would not be nil: the codecs want nil.
			return nil, err
		}
		return out, nil
	})
}

// HandleNoOutput registers fn as an operation whose model has no output (EC2 answers
// those with <return>true</return>).
func HandleNoOutput[In any](s *Server, service, op string, fn func(context.Context, control.Caller, *In) error) {
	s.register(service, op, reflect.TypeFor[In](), nil, func(ctx context.Context, c control.Caller, in any) (any, error) {
		return nil, fn(ctx, c, in.(*In))
	})
}

// register checks the types against the model (the shapes' names; EC2's description
// names only the inputs) and keeps the handler.
func (s *Server) register(service, op string, in, out reflect.Type, call func(context.Context, control.Caller, any) (any, error)) {
	svc := s.services[service]
	if svc == nil {
		panic("api: register " + op + ": no service " + service)
	}
	o, ok := svc.desc.Operations[op]
	if !ok {
		panic("api: " + service + " has no operation " + op)
	}
	if o.Input != "" && in.Name() != o.Input {
		panic(fmt.Sprintf("api: %s %s takes %s, not %s", service, op, o.Input, in.Name()))
	}
	if o.Output != "" && (out == nil || out.Name() != o.Output) {
		panic(fmt.Sprintf("api: %s %s gives %s", service, op, o.Output))
	}
	svc.handlers[op] = handler{input: in, call: call}
}

// route picks the service from the credential scope, or for an unsigned request from
// X-Amz-Target. A request for a service vpcd does not serve goes to EC2, which refuses
// its scope as EC2's own front end does (AuthFailure, 401, "Credential should be scoped
// to correct service: 'ec2'."): one listener is, to such a client, EC2's endpoint.
func (s *Server) route(r *http.Request) *service {
	if name := scopeService(r); name != "" {
		if svc := s.services[name]; svc != nil {
			return svc
		}
		return s.services["ec2"]
	}
	prefix, _, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if svc := s.targets[prefix]; svc != nil && prefix != "" {
		return svc
	}
	return s.services["ec2"]
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.S3 != nil && isS3(r) {
		s.serveS3(w, r)
		return
	}
	r = withSource(r)
	req := &request{http: r, id: newRequestID()}
	w.Header().Set("x-amzn-RequestId", req.id)
	svc := s.route(r)
	start := time.Now()
	code := ""
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic in action", "service", svc.desc.SigningName, "action", req.op, "requestId", req.id, "panic", p, "stack", string(debug.Stack()))
			code = ec2.ErrInternal().Code
			svc.protocol.writeError(w, req, ec2.ErrInternal())
		}
		action := req.op
		if _, served := svc.handlers[action]; !served {
			action = "" // a name the client made up is no label
		}
		s.cfg.Metrics.ObserveRequest(svc.desc.SigningName, action, code, time.Since(start))
	}()
	out, err := s.serve(svc, req)
	if err != nil {
		var e *ec2.Error
		if !errors.As(err, &e) {
			s.cfg.Logger.Error("action failed", "service", svc.desc.SigningName, "action", req.op, "requestId", req.id, "err", err)
			e = ec2.ErrInternal()
		}
		code = e.Code
		svc.protocol.writeError(w, req, e)
		return
	}
	if err := svc.protocol.writeResult(w, req, out); err != nil {
		s.cfg.Logger.Error("encode failed", "service", svc.desc.SigningName, "action", req.op, "requestId", req.id, "err", err)
		code = ec2.ErrInternal().Code
		svc.protocol.writeError(w, req, ec2.ErrInternal())
	}
}

// serve runs one request, in the order EC2 answers its errors: the body, the caller,
// the operation, its input, and then the handler.
func (s *Server) serve(svc *service, req *request) (any, error) {
	var err error
	if req.body, err = readBody(req.http); err != nil {
		return nil, err
	}
	if req.params, err = svc.protocol.params(req.http, req.body); err != nil {
		return nil, err
	}
	caller, err := s.authenticate(req.http, req.params, req.body, svc.desc.SigningName)
	if _, isEC2 := svc.protocol.(ec2Protocol); err != nil && !isEC2 {
		return nil, commonAuthError(err)
	} else if err != nil {
		return nil, err
	}
	if req.op, err = svc.protocol.operation(req); err != nil {
		return nil, err
	}
	h, ok := svc.handlers[req.op]
	if !ok {
		_, inModel := svc.desc.Operations[req.op]
		return nil, svc.protocol.unknownOperation(req, req.op, inModel)
	}
	in := reflect.New(h.input).Interface()
	if err := svc.protocol.decode(req, req.op, in); err != nil {
		return nil, err
	}
	ctx := req.http.Context()
	if svc.before != nil {
		if err := svc.before(ctx, caller, in); err != nil {
			return nil, err
		}
	}
	return h.call(ctx, caller, in)
}
