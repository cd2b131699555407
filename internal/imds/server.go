package imds

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	tokenPath      = "/latest/api/token"
	tokenHeader    = "X-aws-ec2-metadata-token"
	tokenTTLHeader = "X-aws-ec2-metadata-token-ttl-seconds"
	maxTokenTTL    = 21600 // six hours
)

// Server serves the instance metadata of a VPC's instances over HTTP. Its tokens live
// in memory and outlive Updates; a restart loses them, as a token is meant to be asked
// for again (the SDKs ask again on 401).
type Server struct {
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	byAddr map[netip.Addr]*served
	tokens map[string]token
}

// served is an instance with its tree, built once per Update.
type served struct {
	in   *Instance
	tree *node
}

type token struct {
	instance string
	expires  time.Time
}

// New returns a Server that serves no instance until Update gives it some.
func New(log *slog.Logger) *Server {
	return &Server{log: log, now: time.Now, byAddr: map[netip.Addr]*served{}, tokens: map[string]token{}}
}

// Update makes the server serve cfg (nil: nothing). Tokens stay valid for the instances
// that are still there.
func (s *Server) Update(cfg *Config) {
	byAddr := map[netip.Addr]*served{}
	if cfg != nil {
		for _, in := range cfg.Instances {
			sv := &served{in: in, tree: in.tree()}
			for _, a := range in.Addresses {
				byAddr[a] = sv
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byAddr = byAddr
	for t, tok := range s.tokens {
		if cfg == nil || cfg.Instances[tok.instance] == nil {
			delete(s.tokens, t)
		}
	}
}

// ServeHTTP answers an instance's request, as AWS's service does: 401 for a missing token
// when tokens are required or for a bad one, 403 when the instance's endpoint is
// disabled, 404 for what the tree does not hold.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	src, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		fail(w, http.StatusForbidden)
		return
	}
	addr := src.Addr().Unmap()
	s.mu.Lock()
	sv := s.byAddr[addr]
	s.mu.Unlock()
	// Nobody else can reach the service; a source that is no instance's (yet) is refused.
	if sv == nil || !sv.in.Options.Endpoint || addr.Is6() && !sv.in.Options.IPv6 {
		fail(w, http.StatusForbidden)
		return
	}
	if r.URL.Path == tokenPath {
		s.putToken(w, r, sv.in)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fail(w, http.StatusMethodNotAllowed)
		return
	}
	if t := r.Header.Get(tokenHeader); t != "" || sv.in.Options.TokensRequired {
		left, ok := s.checkToken(t, sv.in.ID)
		if !ok {
			fail(w, http.StatusUnauthorized)
			return
		}
		w.Header().Set(tokenTTLHeader, strconv.Itoa(left))
	}
	body, ok := read(sv.tree, r.URL.Path)
	if !ok {
		fail(w, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write([]byte(body))
	}
}

// read is what a GET of path answers: / lists the versions; a version's path reads the
// instance's tree.
func read(tree *node, path string) (string, bool) {
	if strings.Trim(path, "/") == "" {
		return strings.Join(versions, "\n"), true
	}
	version, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !slices.Contains(versions, version) {
		return "", false
	}
	n := tree.lookup(rest)
	switch {
	case n == nil:
		return "", false
	case n.isDir():
		return n.listing(), true
	}
	return n.value, true
}

// putToken answers PUT /latest/api/token: a token of the instance valid for the TTL the
// header asks (1-21,600 s). Its answer leaves with the instance's hop limit as IP TTL, so
// that it dies beyond as many hops (a container behind the instance with a hop limit of
// 1); the connection closes after it, so that no later answer keeps that TTL.
func (s *Server) putToken(w http.ResponseWriter, r *http.Request, in *Instance) {
	if r.Method != http.MethodPut {
		fail(w, http.StatusMethodNotAllowed)
		return
	}
	// A request relayed by a proxy does not get a token (AWS refuses X-Forwarded-For).
	if _, ok := r.Header["X-Forwarded-For"]; ok {
		fail(w, http.StatusForbidden)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get(tokenTTLHeader))
	if err != nil || ttl < 1 || ttl > maxTokenTTL {
		fail(w, http.StatusBadRequest)
		return
	}
	var b [40]byte
	rand.Read(b[:])
	t := "AQAEA" + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	s.mu.Lock()
	for k, tok := range s.tokens {
		if !now.Before(tok.expires) {
			delete(s.tokens, k)
		}
	}
	s.tokens[t] = token{instance: in.ID, expires: now.Add(time.Duration(ttl) * time.Second)}
	s.mu.Unlock()
	if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
		if err := setHopLimit(c, max(in.Options.HopLimit, 1)); err != nil {
			s.log.Warn("imds: hop limit of a token's answer", "instance", in.ID, "err", err)
		}
	}
	w.Header().Set("Connection", "close")
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set(tokenTTLHeader, strconv.Itoa(ttl))
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(t))
}

// checkToken says whether t is a live token of the instance, and its seconds left.
func (s *Server) checkToken(t, instance string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens[t]
	if !ok || tok.instance != instance {
		return 0, false
	}
	left := tok.expires.Sub(s.now())
	if left <= 0 {
		delete(s.tokens, t)
		return 0, false
	}
	return int((left + time.Second - 1) / time.Second), true
}

type connKey struct{}

// ConnContext is the http.Server's ConnContext that the service needs: it keeps each
// request's connection, whose IP TTL the answer to a token request sets.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// fail answers an error as AWS's service does: the status in a small XHTML page.
func fail(w http.ResponseWriter, status int) {
	title := fmt.Sprintf("%d - %s", status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
		 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>%s</title>
 </head>
 <body>
  <h1>%s</h1>
 </body>
</html>`, title, title)
}
