package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"vpcd/internal/control"
	"vpcd/internal/iampolicy"
	"vpcd/internal/s3store"
)

// S3's access control, as far as vpcd has one: vpcd has no IAM policies, so a caller's
// own identity allows it everything and an Allow of a bucket policy adds nothing; what
// refuses a request is
//   - the policy of the gateway endpoint it came through (a VPC's S3 proxy says which,
//     internal/vpcsvc), which must allow it, as AWS requires of an endpoint policy;
//   - an explicit Deny of the bucket's policy, for every request whatever its path
//     (the bucket's owner, who is every caller here, may always read, set and delete
//     the policy itself, as the root user can on AWS);
//   - for an anonymous request (no signature), anything but an Allow of the bucket's
//     policy to "*": what a public bucket lets anyone do.
//
// Both see the condition keys aws:SourceVpce, aws:SourceVpc and aws:VpcSourceIp (through
// an endpoint) or aws:SourceIp (from the internet or the host), aws:SecureTransport and
// aws:PrincipalAccount.

// s3Source is where an S3 request came from, as vpcd's S3 proxies say on the data plane's
// socket (s3store.HeaderSourceIP, ...); from the host, the client's address alone.
type s3Source struct {
	ip, vpc, vpce, account, region string
}

// s3SourceOf reads the source of r and takes its headers out, believed only on the data
// plane's socket.
func s3SourceOf(r *http.Request) s3Source {
	var src s3Source
	if FromDataPlane(r) {
		src = s3Source{ip: r.Header.Get(s3store.HeaderSourceIP), vpc: r.Header.Get(s3store.HeaderSourceVPC),
			vpce: r.Header.Get(s3store.HeaderSourceVPCE), account: r.Header.Get(s3store.HeaderSourceAccount),
			region: r.Header.Get(s3store.HeaderSourceRegion)}
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		src.ip = host
	}
	for _, h := range []string{s3store.HeaderSourceIP, s3store.HeaderSourceVPC, s3store.HeaderSourceVPCE, s3store.HeaderSourceAccount, s3store.HeaderSourceRegion} {
		r.Header.Del(h)
	}
	return src
}

// context is the request's condition keys.
func (src s3Source) context(account string) map[string]string {
	ctx := map[string]string{"aws:securetransport": "false"}
	if account != "" {
		ctx["aws:principalaccount"] = account
	}
	if src.vpce != "" {
		ctx["aws:sourcevpce"], ctx["aws:sourcevpc"] = src.vpce, src.vpc
		if src.ip != "" {
			ctx["aws:vpcsourceip"] = src.ip
		}
	} else if src.ip != "" {
		ctx["aws:sourceip"] = src.ip
	}
	return ctx
}

// s3Authorized reports whether the endpoint's policy and the bucket's let the request
// through; err is a failure to read them.
func (s *Server) s3Authorized(ctx context.Context, caller control.Caller, anonymous bool, src s3Source, r *http.Request, bucket, key string) (bool, error) {
	action, resource := s3Action(r.Method, r.URL.Query(), bucket, key)
	req := iampolicy.Request{Action: action, Resource: resource, Account: caller.Account, Context: src.context(caller.Account)}
	if src.vpce != "" {
		if s.gatewayPolicy == nil {
			return false, nil
		}
		doc, vpc, ok, err := s.gatewayPolicy(ctx, control.Caller{Account: src.account, Region: src.region}, src.vpce)
		if err != nil {
			return false, err
		}
		if !ok || vpc != src.vpc {
			return false, nil // deleted while the proxy still carried it
		}
		p, err := iampolicy.Parse(doc)
		if err != nil || p.Evaluate(req) != iampolicy.Allowed {
			return false, nil
		}
	}
	if anonymous && bucket == "" {
		return false, nil
	}
	if bucket == "" || !anonymous && strings.HasSuffix(action, "BucketPolicy") {
		return true, nil
	}
	doc, err := s.cfg.S3.BucketPolicy(bucket)
	if err != nil || doc == "" {
		return err == nil && !anonymous, err
	}
	p, err := iampolicy.Parse(doc)
	if err != nil {
		return !anonymous, nil // checked when it was put
	}
	d := p.Evaluate(req)
	if anonymous {
		return d == iampolicy.Allowed, nil
	}
	return d != iampolicy.Denied, nil
}

// s3Action is the IAM action of an S3 request (path style: bucket and key from the path)
// and the ARN of what it acts on.
func s3Action(method string, q url.Values, bucket, key string) (action, resource string) {
	if bucket == "" {
		return "s3:ListAllMyBuckets", "arn:aws:s3:::*"
	}
	if key != "" {
		return "s3:" + objectAction(method, q), "arn:aws:s3:::" + bucket + "/" + key
	}
	return "s3:" + bucketAction(method, q), "arn:aws:s3:::" + bucket
}

// subresource is the first of the names that q has, "" for none.
func subresource(q url.Values, names ...string) string {
	for _, n := range names {
		if q.Has(n) {
			return n
		}
	}
	return ""
}

func objectAction(method string, q url.Values) string {
	sub := subresource(q, "uploadId", "uploads", "tagging", "acl", "retention", "legal-hold")
	switch {
	case sub == "uploadId" && method == http.MethodDelete:
		return "AbortMultipartUpload"
	case sub == "uploadId" && method == http.MethodGet:
		return "ListMultipartUploadParts"
	case sub == "uploadId" || sub == "uploads":
		return "PutObject" // parts and their completion are PutObject
	case sub == "tagging":
		return map[string]string{http.MethodGet: "GetObjectTagging", http.MethodPut: "PutObjectTagging", http.MethodDelete: "DeleteObjectTagging"}[method]
	case sub == "acl":
		return map[string]string{http.MethodGet: "GetObjectAcl", http.MethodPut: "PutObjectAcl"}[method]
	case sub == "retention":
		return map[string]string{http.MethodGet: "GetObjectRetention", http.MethodPut: "PutObjectRetention"}[method]
	case sub == "legal-hold":
		return map[string]string{http.MethodGet: "GetObjectLegalHold", http.MethodPut: "PutObjectLegalHold"}[method]
	}
	switch method {
	case http.MethodPut, http.MethodPost:
		return "PutObject"
	case http.MethodDelete:
		return "DeleteObject"
	}
	return "GetObject" // GET and HEAD
}

func bucketAction(method string, q url.Values) string {
	sub := subresource(q, "policy", "location", "versioning", "versions", "uploads", "tagging", "acl", "cors", "lifecycle", "delete", "encryption", "website", "logging", "notification", "ownershipControls", "publicAccessBlock")
	verb := map[string]string{http.MethodGet: "Get", http.MethodHead: "Get", http.MethodPut: "Put", http.MethodDelete: "Delete", http.MethodPost: "Put"}[method]
	if method == http.MethodDelete && sub != "policy" && sub != "website" {
		verb = "Put" // S3 deletes the others (tags, CORS, lifecycle, ...) with their Put action
	}
	switch sub {
	case "":
		switch method {
		case http.MethodPut:
			return "CreateBucket"
		case http.MethodDelete:
			return "DeleteBucket"
		}
		return "ListBucket" // GET (a listing) and HEAD
	case "location":
		return "GetBucketLocation"
	case "versions":
		return "ListBucketVersions"
	case "uploads":
		return "ListBucketMultipartUploads"
	case "delete":
		return "DeleteObject" // DeleteObjects: each key is a DeleteObject
	case "cors":
		return verb + "BucketCORS"
	case "lifecycle":
		return verb + "LifecycleConfiguration"
	case "encryption":
		return verb + "EncryptionConfiguration"
	case "ownershipControls":
		return verb + "BucketOwnershipControls"
	case "publicAccessBlock":
		return verb + "BucketPublicAccessBlock"
	case "notification":
		return verb + "BucketNotification"
	}
	return verb + "Bucket" + strings.ToUpper(sub[:1]) + sub[1:]
}

// maxBucketPolicy is S3's limit on a bucket policy's size, 20 KB.
const maxBucketPolicy = 20 << 10

// serveBucketPolicy answers GetBucketPolicy, PutBucketPolicy and DeleteBucketPolicy,
// which gofakes3 does not have.
func (s *Server) serveBucketPolicy(w http.ResponseWriter, r *http.Request, bucket string) (code string) {
	st := s.cfg.S3
	fail := func(status int, c, msg string) string {
		writeS3Error(w, status, c, msg)
		return c
	}
	if ok, err := st.HasBucket(bucket); err != nil {
		s.cfg.Logger.Error("S3 bucket policy", "bucket", bucket, "err", err)
		return fail(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
	} else if !ok {
		return fail(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	}
	switch r.Method {
	case http.MethodGet:
		doc, err := st.BucketPolicy(bucket)
		switch {
		case err != nil:
			s.cfg.Logger.Error("S3 bucket policy", "bucket", bucket, "err", err)
			return fail(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		case doc == "":
			return fail(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, doc)
	case http.MethodPut:
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBucketPolicy+1))
		if err != nil {
			return fail(http.StatusBadRequest, "IncompleteBody", "The request body terminated unexpectedly")
		}
		if len(b) > maxBucketPolicy {
			return fail(http.StatusBadRequest, "PolicyTooLarge", "Policy exceeds the maximum allowed document size.")
		}
		if msg := checkBucketPolicy(string(b)); msg != "" {
			return fail(http.StatusBadRequest, "MalformedPolicy", msg)
		}
		if err := st.SetBucketPolicy(bucket, string(b)); err != nil {
			s.cfg.Logger.Error("S3 bucket policy", "bucket", bucket, "err", err)
			return fail(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		if err := st.SetBucketPolicy(bucket, ""); err != nil {
			s.cfg.Logger.Error("S3 bucket policy", "bucket", bucket, "err", err)
			return fail(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
	return ""
}

// checkBucketPolicy is S3's MalformedPolicy message for a document it refuses, "" when
// it takes it: a policy whose every statement names its principal.
func checkBucketPolicy(doc string) string {
	if !strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return "Policies must be valid JSON and the first byte must be '{'"
	}
	p, err := iampolicy.Parse(doc)
	if err != nil {
		return "This policy contains invalid Json"
	}
	for _, st := range p.Statements {
		if st.AnyPrincipal {
			return "Missing required field Principal"
		}
	}
	return ""
}
