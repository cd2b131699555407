package api

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/ec2"
)

// Credential is one access key of strict mode: its secret and the account it acts for.
type Credential struct {
	Secret  string
	Account string
}

// LoadCredentials reads a credentials file: one "ACCESS_KEY_ID SECRET_ACCESS_KEY
// ACCOUNT_ID" per line; blank lines and lines starting with '#' are ignored.
func LoadCredentials(path string) (map[string]Credential, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	creds := map[string]Credential{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 || !isAccountID(fields[2]) {
			return nil, fmt.Errorf("%s:%d: want ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID (12 digits)", path, n)
		}
		creds[fields[0]] = Credential{Secret: fields[1], Account: fields[2]}
	}
	return creds, sc.Err()
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// maxClockSkew is how far a request's X-Amz-Date may be from now, as AWS allows.
const maxClockSkew = 15 * time.Minute

// sigV4 is what a request's signature says about itself.
type sigV4 struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
	amzDate                          string
	presigned                        bool
}

func errAuthFailure(format string, args ...any) *ec2.Error {
	return &ec2.Error{Code: "AuthFailure", Message: fmt.Sprintf(format, args...), Status: http.StatusUnauthorized}
}

// parseSigV4 reads the signature from the Authorization header or, for a presigned
// request, from the query.
func parseSigV4(r *http.Request, params url.Values) (*sigV4, *ec2.Error) {
	var sig sigV4
	var credential, signed string
	if auth := r.Header.Get("Authorization"); auth != "" {
		rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
		if !ok {
			return nil, errAuthFailure("AWS was not able to validate the provided access credentials")
		}
		for _, part := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "Credential":
				credential = v
			case "SignedHeaders":
				signed = v
			case "Signature":
				sig.signature = v
			}
		}
		sig.amzDate = r.Header.Get("X-Amz-Date")
		if sig.amzDate == "" {
			sig.amzDate = r.Header.Get("Date")
		}
	} else if params.Get("X-Amz-Signature") != "" {
		credential, signed, sig.signature = params.Get("X-Amz-Credential"), params.Get("X-Amz-SignedHeaders"), params.Get("X-Amz-Signature")
		sig.amzDate = params.Get("X-Amz-Date")
		sig.presigned = true
	} else {
		// EC2 lists MissingAuthenticationToken among its common client errors; it comes
		// with 401 like EC2's other authentication failures (AuthFailure).
		return nil, errMissingAuthenticationToken(http.StatusUnauthorized, "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.")
	}
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" || signed == "" || sig.signature == "" {
		return nil, errAuthFailure("AWS was not able to validate the provided access credentials")
	}
	sig.accessKey, sig.date, sig.region, sig.service = parts[0], parts[1], parts[2], parts[3]
	sig.signedHeaders = strings.Split(signed, ";")
	return &sig, nil
}

// scopeService is the service of the request's SigV4 credential scope, "" when it has
// none that parses; the router picks the service with it before anything is read.
func scopeService(r *http.Request) string {
	credential := r.URL.Query().Get("X-Amz-Credential")
	if rest, ok := strings.CutPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 "); ok {
		for _, part := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential="); ok {
				credential = v
			}
		}
	}
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

// authenticate works out the caller of service. Without credentials (the default on
// loopback) any well-formed signature is accepted and the access key picks the account;
// with them, the signature is verified.
func (s *Server) authenticate(r *http.Request, params url.Values, body []byte, service string) (control.Caller, error) {
	sig, err := parseSigV4(r, params)
	if err != nil {
		return control.Caller{}, err
	}
	if sig.service != service {
		return control.Caller{}, errAuthFailure("Credential should be scoped to correct service: '%s'.", service)
	}
	if !s.regionAllowed(sig.region) {
		return control.Caller{}, errAuthFailure("Credential should be scoped to a valid region, not '%s'.", sig.region)
	}
	caller := control.Caller{Account: s.cfg.DefaultAccount, Region: sig.region}
	if s.cfg.Credentials == nil {
		if isAccountID(sig.accessKey) {
			caller.Account = sig.accessKey
		}
		return caller, nil
	}
	cred, ok := s.cfg.Credentials[sig.accessKey]
	if !ok {
		return control.Caller{}, errAuthFailure("AWS was not able to validate the provided access credentials")
	}
	when, perr := time.Parse("20060102T150405Z", sig.amzDate)
	if perr != nil {
		return control.Caller{}, errAuthFailure("AWS was not able to validate the provided access credentials")
	}
	// A signed request may be 15 minutes off either way; a presigned URL lives for its
	// X-Amz-Expires seconds instead.
	limit := maxClockSkew
	if sig.presigned {
		exp, err := strconv.Atoi(params.Get("X-Amz-Expires"))
		if err != nil || exp < 0 {
			return control.Caller{}, errAuthFailure("AWS was not able to validate the provided access credentials")
		}
		limit = time.Duration(exp) * time.Second
	}
	if age := time.Since(when); age > limit || age < -maxClockSkew {
		return control.Caller{}, ec2.ErrRequestExpired("Request has expired.")
	}
	if !signatureMatches(cred.Secret, sig, r, body) {
		return control.Caller{}, errSignatureDoesNotMatch("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	caller.Account = cred.Account
	return caller, nil
}

// signatureMatches computes the signature the request should carry. The payload hash is
// X-Amz-Content-Sha256 when the client sent it, else the body's; a presigned URL may also
// leave the payload unsigned (the SDKs differ on which they use).
func signatureMatches(secret string, sig *sigV4, r *http.Request, body []byte) bool {
	var hashes []string
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		hashes = append(hashes, h)
	} else {
		sum := sha256.Sum256(body)
		hashes = append(hashes, hex.EncodeToString(sum[:]))
		if sig.presigned {
			hashes = append(hashes, "UNSIGNED-PAYLOAD")
		}
	}
	ok := false
	for _, h := range hashes {
		want := signature(secret, sig, canonicalRequest(r, sig, h))
		if subtle.ConstantTimeCompare([]byte(want), []byte(sig.signature)) == 1 {
			ok = true
		}
	}
	return ok
}

// canonicalRequest is SigV4's canonical form of the request.
func canonicalRequest(r *http.Request, sig *sigV4, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	b.WriteByte('\n')
	query := r.URL.Query()
	if sig.presigned {
		query.Del("X-Amz-Signature")
	}
	b.WriteString(canonicalQuery(query))
	b.WriteByte('\n')
	for _, h := range sig.signedHeaders {
		var vals []string
		switch h {
		case "host":
			vals = []string{r.Host}
		case "content-length":
			// net/http moves Content-Length out of the header map.
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		default:
			vals = r.Header.Values(h)
		}
		b.WriteString(h)
		b.WriteByte(':')
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Join(strings.Fields(v), " "))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sig.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, uriEncode(k)+"="+uriEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

// uriEncode is SigV4's encoding: every byte but unreserved characters as %XX.
func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func signature(secret string, sig *sigV4, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	scope := sig.date + "/" + sig.region + "/" + sig.service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + sig.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+secret), sig.date)
	key = hmacSHA256(key, sig.region)
	key = hmacSHA256(key, sig.service)
	key = hmacSHA256(key, "aws4_request")
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

// commonAuthError is an authentication failure as the services other than EC2 answer it,
// in the codes of AWS's common errors (all 403): EC2's AuthFailure is
// InvalidClientTokenId for a key that does not check out, and SignatureDoesNotMatch for
// a scope that does not fit; MissingAuthenticationToken keeps its code with 403.
func commonAuthError(err error) error {
	e, ok := err.(*ec2.Error)
	if !ok {
		return err
	}
	switch {
	case e.Code == "MissingAuthenticationToken":
		return errMissingAuthenticationToken(http.StatusForbidden, e.Message)
	case e.Code == "AuthFailure" && strings.HasPrefix(e.Message, "Credential should be scoped"):
		return errSignatureDoesNotMatch(e.Message)
	case e.Code == "AuthFailure":
		return errInvalidClientTokenID()
	}
	return e
}

func errMissingAuthenticationToken(status int, msg string) *ec2.Error {
	return &ec2.Error{Code: "MissingAuthenticationToken", Message: msg, Status: status}
}

func errSignatureDoesNotMatch(msg string) *ec2.Error {
	return &ec2.Error{Code: "SignatureDoesNotMatch", Message: msg, Status: http.StatusForbidden}
}

func errInvalidClientTokenID() *ec2.Error {
	return &ec2.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: http.StatusForbidden}
}
