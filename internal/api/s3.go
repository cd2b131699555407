package api

import (
	"bytes"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/ec2"
)

// Amazon S3: a request signed for the service "s3" is authenticated as every other
// request (auth.go; S3's own codes for its failures) and then served by the S3 store's
// handler (s3store, gofakes3 on a bbolt file in the data directory). Path style
// (/bucket/key) is what clients use against an address; virtual-host style
// (bucket.s3.amazonaws.com, bucket.s3.REGION.amazonaws.com, bucket.localhost) is
// rewritten to it.

// maxS3SignedBody bounds the body vpcd reads to check a signature that covers it: only
// a client that sends no X-Amz-Content-Sha256 under strict authentication needs it.
const maxS3SignedBody = 64 << 20

// isS3 reports whether a request is for S3: signed for it, or unsigned (anonymous) and
// naming a bucket in its path, which none of the other services' unsigned requests do
// (they name their action in the query or in X-Amz-Target; Route 53 paths start with its
// API version).
func isS3(r *http.Request) bool {
	if name := scopeService(r); name != "" {
		return name == "s3"
	}
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-Amz-Target") != "" || r.URL.Query().Has("Action") {
		return false
	}
	return r.URL.Path != "/" && r.URL.Path != "" && !strings.HasPrefix(r.URL.Path, "/2013-04-01/")
}

func (s *Server) serveS3(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	code := ""
	defer func() {
		if rec.status >= 400 && code == "" {
			code = strconv.Itoa(rec.status)
		}
		s.cfg.Metrics.ObserveRequest("s3", "", code, time.Since(start))
	}()
	var body []byte
	if s.cfg.Credentials != nil && r.Header.Get("X-Amz-Content-Sha256") == "" && r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxS3SignedBody+1))
		if err != nil || len(b) > maxS3SignedBody {
			code = "MaxMessageLengthExceeded"
			writeS3Error(rec, http.StatusBadRequest, code, "Your request was too big.")
			return
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	src := s3SourceOf(r)
	caller, err := s.authenticate(r, r.URL.Query(), body, "s3")
	anonymous := false
	if e, ok := err.(*ec2.Error); ok && e.Code == "MissingAuthenticationToken" {
		// No signature at all: what the bucket's policy allows to anyone ("*") alone.
		caller, err, anonymous = control.Caller{Region: s.cfg.Regions[0]}, nil, true
	}
	if err != nil {
		status, c, msg := s3AuthError(err, r.URL.Query().Get("X-Amz-Signature") != "")
		code = c
		writeS3Error(rec, status, code, msg)
		return
	}
	if bucket := s.hostBucket(r.Host); bucket != "" {
		r.URL.Path = "/" + bucket + r.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = "/" + bucket + r.URL.RawPath
		}
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	ok, err := s.s3Authorized(r.Context(), caller, anonymous, src, r, bucket, key)
	switch {
	case err != nil:
		s.cfg.Logger.Error("S3 policies", "bucket", bucket, "err", err)
		code = "InternalError"
		writeS3Error(rec, http.StatusInternalServerError, code, "We encountered an internal error. Please try again.")
		return
	case !ok:
		code = "AccessDenied"
		writeS3Error(rec, http.StatusForbidden, code, "Access Denied")
		return
	case bucket != "" && key == "" && r.URL.Query().Has("policy"):
		code = s.serveBucketPolicy(rec, r, bucket)
		return
	}
	s.cfg.S3.Handler().ServeHTTP(rec, r)
	if r.Method == http.MethodDelete && bucket != "" && key == "" && len(r.URL.Query()) == 0 && rec.status == http.StatusNoContent {
		// A bucket made again later under the name starts without a policy.
		if err := s.cfg.S3.SetBucketPolicy(bucket, ""); err != nil {
			s.cfg.Logger.Error("S3 bucket policy", "bucket", bucket, "err", err)
		}
	}
}

// hostBucket is the bucket a virtual-host style request names in its Host, "" for a
// path-style one.
func (s *Server) hostBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	bases := []string{".s3.amazonaws.com", ".localhost"}
	for _, region := range s.cfg.Regions {
		bases = append(bases, ".s3."+region+".amazonaws.com")
	}
	for _, base := range bases {
		if bucket, ok := strings.CutSuffix(host, base); ok && bucket != "" {
			return bucket
		}
	}
	return ""
}

// s3AuthError is an authentication failure in S3's codes.
func s3AuthError(err error, presigned bool) (int, string, string) {
	e, ok := err.(*ec2.Error)
	if !ok {
		return http.StatusForbidden, "AccessDenied", "Access Denied"
	}
	switch {
	case e.Code == "MissingAuthenticationToken":
		// An anonymous request: S3 serves those to public buckets only, and vpcd has none.
		return http.StatusForbidden, "AccessDenied", "Access Denied"
	case e.Code == "AuthFailure" && strings.HasPrefix(e.Message, "Credential should be scoped"):
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; " + e.Message
	case e.Code == "AuthFailure" && strings.Contains(e.Message, "access credentials"):
		return http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	case e.Code == "RequestExpired" && presigned:
		return http.StatusForbidden, "AccessDenied", "Request has expired"
	case e.Code == "RequestExpired":
		return http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
	case e.Code == "SignatureDoesNotMatch":
		return http.StatusForbidden, e.Code, e.Message
	}
	return http.StatusForbidden, "AccessDenied", "Access Denied"
}

// writeS3Error writes S3's error document.
func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	doc := struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}{Code: code, Message: msg, RequestID: newRequestID()}
	b, _ := xml.Marshal(doc)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(b)
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
