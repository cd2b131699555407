// Package api is the protocol edge of vpcd: it serves the EC2 Query protocol over HTTP,
// works out who is calling (SigV4), dispatches each action to the method of the same name
// on the control plane, and writes the XML answer or AWS's error envelope. It is the top
// box of DESIGN.md's picture; it knows nothing about resources.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"

	"vpcd/internal/control"
	"vpcd/internal/ec2"
)

// Config is the protocol layer's configuration, set by main.
type Config struct {
	// DefaultAccount owns requests whose access key is not a 12-digit account ID.
	DefaultAccount string
	// Regions that requests may be signed for; the first is used for unsigned GETs.
	Regions []string
	// Credentials, when not nil, turns on strict authentication: every request must be
	// signed with one of these keys (see auth.go).
	Credentials map[string]Credential
	Logger      *slog.Logger
}

// maxBody bounds a request body; EC2 requests are small (user data is at most 16 KB).
const maxBody = 1 << 20

// Server is the HTTP handler of the EC2 API.
type Server struct {
	cfg     Config
	svc     *control.Service
	actions map[string]action
}

// action is one control-plane method, found by reflection: its name is the AWS action.
type action struct {
	method reflect.Value
	input  reflect.Type // the request shape, not a pointer
	output bool         // false for actions whose model has no output shape
}

var (
	ctxType    = reflect.TypeOf((*context.Context)(nil)).Elem()
	callerType = reflect.TypeOf(control.Caller{})
	errorType  = reflect.TypeOf((*error)(nil)).Elem()
)

// New returns the handler. Every exported method of svc whose name is an action of the
// EC2 model and whose signature is (ctx, Caller, *Request) (*Result, error) or
// (ctx, Caller, *Request) error is served.
func New(svc *control.Service, cfg Config) *Server {
	if cfg.DefaultAccount == "" {
		cfg.DefaultAccount = "000000000000"
	}
	if len(cfg.Regions) == 0 {
		cfg.Regions = control.DefaultRegions
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, svc: svc, actions: map[string]action{}}
	v := reflect.ValueOf(svc)
	t := v.Type()
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if !ec2.Operations[m.Name] {
			continue
		}
		ft := m.Type // includes the receiver
		if ft.NumIn() != 4 || ft.In(1) != ctxType || ft.In(2) != callerType || ft.In(3).Kind() != reflect.Pointer {
			panic("api: " + m.Name + " does not have an action's signature")
		}
		a := action{method: v.Method(i), input: ft.In(3).Elem()}
		switch {
		case ft.NumOut() == 1 && ft.Out(0) == errorType:
		case ft.NumOut() == 2 && ft.Out(0).Kind() == reflect.Pointer && ft.Out(1) == errorType:
			a.output = true
		default:
			panic("api: " + m.Name + " does not have an action's signature")
		}
		s.actions[m.Name] = a
	}
	return s
}

// Actions lists the served actions, sorted.
func (s *Server) Actions() []string {
	names := make([]string, 0, len(s.actions))
	for n := range s.actions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// newRequestID is a random (version 4) UUID, the form of AWS's request IDs.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	action := ""
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic in action", "action", action, "requestId", reqID, "panic", p, "stack", string(debug.Stack()))
			s.writeError(w, reqID, ec2.ErrInternal())
		}
	}()
	params, body, perr := readParams(r)
	if perr != nil {
		s.writeError(w, reqID, perr)
		return
	}
	action = params.Get("Action")
	caller, aerr := s.authenticate(r, params, body)
	if aerr != nil {
		s.writeError(w, reqID, aerr)
		return
	}
	if isCallerIdentity(params) {
		writeCallerIdentity(w, reqID, caller)
		return
	}
	out, err := s.call(r.Context(), caller, action, params)
	if err != nil {
		var e *ec2.Error
		if !errors.As(err, &e) {
			s.cfg.Logger.Error("action failed", "action", action, "requestId", reqID, "err", err)
			e = ec2.ErrInternal()
		}
		s.writeError(w, reqID, e)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Write(ec2.EncodeResponse(action, reqID, out))
}

// readParams gathers the query parameters and, for a form POST, the body's.
// The body is bounded by maxBody; a larger one is refused with 413, as AWS's front end
// refuses oversized requests.
func readParams(r *http.Request) (url.Values, []byte, *ec2.Error) {
	params := r.URL.Query()
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return nil, nil, ec2.Errorf("InvalidRequest", "The request body could not be read.")
		}
		if len(body) > maxBody {
			return nil, nil, &ec2.Error{Code: "RequestEntityTooLarge", Message: "The request is too large.", Status: http.StatusRequestEntityTooLarge}
		}
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, nil, ec2.Errorf("MalformedQueryString", "The query string is malformed.")
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	return params, body, nil
}

// call decodes the parameters into the action's request shape and runs it. DryRun is
// answered here for every action, after the request has been decoded and authorized.
func (s *Server) call(ctx context.Context, caller control.Caller, action string, params url.Values) (any, error) {
	// The protocol errors follow "Error codes for the Amazon EC2 API" (common client
	// errors), all HTTP 400:
	//   - no Action: MissingAction;
	//   - no Version: MissingParameter; a Version other than 2016-11-15: NoSuchVersion with
	//     the wording EC2 uses ("The requested version (V) of service AmazonEC2 does not
	//     exist"). Real EC2 still serves older versions; vpcd only has this one's shapes.
	//   - an action EC2 does not have: InvalidAction;
	//   - an action EC2 has but vpcd does not serve yet: UnsupportedOperation ("The
	//     specified request includes an unsupported operation"), so that a client can tell
	//     a typo from a gap in vpcd.
	if action == "" {
		return nil, ec2.Errorf("MissingAction", "The request must contain the parameter Action")
	}
	if v := params.Get("Version"); v == "" {
		return nil, ec2.ErrMissingParameter("Version")
	} else if v != ec2.APIVersion {
		return nil, ec2.Errorf("NoSuchVersion", "The requested version (%s) of service AmazonEC2 does not exist", v)
	}
	a, ok := s.actions[action]
	if !ok {
		if ec2.Operations[action] {
			return nil, ec2.Errorf("UnsupportedOperation", "The action %s is not supported by vpcd yet.", action)
		}
		return nil, ec2.ErrInvalidAction(action)
	}
	in := reflect.New(a.input)
	if err := ec2.Decode(params, in.Interface()); err != nil {
		return nil, err
	}
	if dry := in.Elem().FieldByName("DryRun"); dry.IsValid() && !dry.IsNil() && dry.Elem().Bool() {
		return nil, ec2.ErrDryRun()
	}
	if err := s.svc.EnsureDefaultVpc(ctx, caller); err != nil {
		return nil, err
	}
	res := a.method.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(caller), in})
	if errV := res[len(res)-1]; !errV.IsNil() {
		return nil, errV.Interface().(error)
	}
	if !a.output || res[0].IsNil() {
		return nil, nil
	}
	return res[0].Interface(), nil
}

func (s *Server) writeError(w http.ResponseWriter, reqID string, e *ec2.Error) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.Status)
	w.Write(ec2.EncodeError(e, reqID))
}

// regionAllowed reports whether the server serves the region.
func (s *Server) regionAllowed(region string) bool {
	return slices.Contains(s.cfg.Regions, strings.TrimSpace(region))
}
