// Package api is the protocol edge of vpcd: one HTTP handler for every AWS service vpcd
// speaks. It picks the service from the SigV4 credential scope (router.go), works out who
// is calling (auth.go), reads the operation and its input as the service's protocol
// carries them (ec2.go, query.go, json.go), calls the handler registered for it with its
// generated types, and writes the answer or that service's error envelope. It is the top
// box of DESIGN.md's picture; it knows nothing about resources.
//
// Adding a service: list it in internal/aws/gen and `go generate ./internal/aws`; make it
// known in New with addService and its protocol (queryProtocol, jsonProtocol or
// newRestXMLProtocol); register each operation it serves with Handle. Its errors are
// *ec2.Error values with the model's codes; the codec gives them the model's status.
package api

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"vpcd/internal/metrics"

	"vpcd/internal/control"
	"vpcd/internal/dynamostore"
	"vpcd/internal/ec2"
	"vpcd/internal/s3store"
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
	// Metrics counts requests by service, action and error code; nil counts nothing.
	Metrics *metrics.Metrics
	// S3, when not nil, serves the requests signed for Amazon S3 (s3.go).
	S3 *s3store.Store
	// DynamoDB, when not nil, serves the requests signed for Amazon DynamoDB
	// (dynamodb.go).
	DynamoDB *dynamostore.Store
}

// maxBody bounds a request body; EC2 requests are small (user data is at most 16 KB).
const maxBody = 1 << 20

// New returns the handler, serving the EC2 actions of svc (ec2.go), STS's
// GetCallerIdentity (sts.go), Service Quotas (servicequotas.go), SSM's public parameters (ssm.go), CloudWatch
// Logs (logs.go), Route 53's hosted zones (route53.go), Route 53 Resolver (route53resolver.go), Direct Connect (directconnect.go), Elastic Load Balancing (elbv2.go) and, with a store, DynamoDB (dynamodb.go). More operations, of these services or others, are added
// with Handle before the server starts.
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
	s := newServer(cfg)
	s.gatewayPolicy = svc.GatewayPolicy
	registerEC2(s, svc)
	registerSTS(s)
	registerServiceQuotas(s, svc)
	registerSSM(s, svc)
	registerLogs(s, svc)
	registerRoute53(s, svc)
	registerRoute53Resolver(s, svc)
	registerDirectConnect(s, svc)
	registerELBv2(s, svc)
	registerDynamoDB(s)
	return s
}

// Actions lists the EC2 actions served, sorted.
func (s *Server) Actions() []string { return s.ActionsOf("ec2") }

// ActionsOf lists the actions (operations) served of a service, by the name of its
// credential scope ("ec2", "elasticloadbalancing", "directconnect"), sorted: what an SDK
// walk-through of the service must round-trip.
func (s *Server) ActionsOf(service string) []string {
	svc := s.services[service]
	if svc == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(svc.handlers))
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

// readBody reads the request body, bounded by maxBody; a larger one is refused with 413,
// as AWS's front end refuses oversized requests.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, ec2.ErrInvalidRequest("The request body could not be read.")
	}
	if len(body) > maxBody {
		return nil, errRequestTooLarge()
	}
	return body, nil
}

// formParams gathers the query parameters and, for a form POST, the body's: the
// parameters of the EC2 and query protocols.
func formParams(r *http.Request, body []byte) (url.Values, error) {
	params := r.URL.Query()
	if r.Method == http.MethodPost && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, ec2.ErrMalformedQueryString("The query string is malformed.")
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	return params, nil
}

// regionAllowed reports whether the server serves the region.
func (s *Server) regionAllowed(region string) bool {
	return slices.Contains(s.cfg.Regions, strings.TrimSpace(region))
}

func errRequestTooLarge() error {
	return &ec2.Error{Code: "RequestEntityTooLarge", Message: "The request is too large.", Status: http.StatusRequestEntityTooLarge}
}
