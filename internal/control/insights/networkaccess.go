package insights

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"vpcd/internal/analyze"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// Network Access Scopes (kind "nis") and their analyses (kind "nisa"): Network Access
// Analyzer. A scope says which paths should not exist (match paths minus exclude paths);
// an analysis finds, with internal/analyze, every one that does in the network as it is
// when the analysis starts, and keeps each finding's components. The findings of an
// analysis are kept apart from it, in compressed pages of findingsPerPage under the kind
// "nisaf" (keys of five parts, which are not resources), so that an analysis of
// thousands of findings is not read by every Describe and weighs little in every
// snapshot of the store.

type accessScopeRecord struct {
	kit.Meta
	MatchPaths   []ec2.AccessScopePath `json:"matchPaths"`
	ExcludePaths []ec2.AccessScopePath `json:"excludePaths,omitempty"`
	CreatedDate  time.Time             `json:"createdDate"`
	ClientToken  string                `json:"clientToken,omitempty"`
}

type accessScopeAnalysisRecord struct {
	kit.Meta
	ScopeID       string    `json:"scopeId"`
	StartDate     time.Time `json:"startDate"`
	EndDate       time.Time `json:"endDate,omitzero"`
	Status        string    `json:"status"`
	StatusMessage string    `json:"statusMessage,omitempty"`
	AnalyzedEnis  int32     `json:"analyzedEnis"`
	Findings      int       `json:"findings"`
	ClientToken   string    `json:"clientToken,omitempty"`
}

// accessScopeFinding is one finding as kept: its number (1, 2, ...) and its components.
type accessScopeFinding struct {
	Seq        int                 `json:"seq"`
	Components []ec2.PathComponent `json:"components"`
}

const findingsPerPage = 100

// findingsPage is a page of findings as stored: their JSON, gzipped (the components of a
// finding are some 4 KB of JSON that compress many times over).
type findingsPage struct {
	Gzip []byte `json:"gzip"`
}

func packFindings(fs []accessScopeFinding) (findingsPage, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(fs); err != nil {
		return findingsPage{}, err
	}
	if err := zw.Close(); err != nil {
		return findingsPage{}, err
	}
	return findingsPage{Gzip: buf.Bytes()}, nil
}

func (p findingsPage) unpack() ([]accessScopeFinding, error) {
	zr, err := gzip.NewReader(bytes.NewReader(p.Gzip))
	if err != nil {
		return nil, fmt.Errorf("findings page: %w", err)
	}
	var fs []accessScopeFinding
	if err := json.NewDecoder(zr).Decode(&fs); err != nil {
		return nil, fmt.Errorf("findings page: %w", err)
	}
	return fs, nil
}

// findingsKey is where page i of an analysis's findings lives.
func findingsKey(c kit.Caller, analysis string, i int) string {
	return fmt.Sprintf("%s%s/%06d", c.Prefix("nisaf"), analysis, i)
}

// scopeARN is the ARN of a scope or an analysis.
func scopeARN(c kit.Caller, id string) string {
	return kit.ARN(c.Region, c.Account, id)
}

// CreateNetworkInsightsAccessScope stores a scope after checking every statement: the
// resources it names exist, each where AWS allows it. A repeated ClientToken returns
// the scope it created.
func (s *Insights) CreateNetworkInsightsAccessScope(ctx context.Context, c kit.Caller, in *ec2.CreateNetworkInsightsAccessScopeRequest) (*ec2.CreateNetworkInsightsAccessScopeResult, error) {
	if len(in.MatchPaths) == 0 {
		return nil, ec2.ErrMissingParameter("MatchPath")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "network-insights-access-scope")
	if err != nil {
		return nil, err
	}
	rec := &accessScopeRecord{Meta: kit.Meta{ID: kit.NewID("nis"), Owner: c.Account, Tags: tags}, CreatedDate: s.Now().UTC().Truncate(time.Second), ClientToken: kit.Deref(in.ClientToken)}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if rec.ClientToken != "" {
			all, err := kit.ListAll[accessScopeRecord](t, c.Prefix("nis"))
			if err != nil {
				return err
			}
			for _, r := range all {
				if r.ClientToken == rec.ClientToken {
					rec = r
					return nil
				}
			}
		}
		if rec.MatchPaths, err = checkScopePaths(t, c, "MatchPath", in.MatchPaths, true); err != nil {
			return err
		}
		if rec.ExcludePaths, err = checkScopePaths(t, c, "ExcludePath", in.ExcludePaths, false); err != nil {
			return err
		}
		return t.Put(c.Key(rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateNetworkInsightsAccessScopeResult{NetworkInsightsAccessScope: rec.ec2(c), NetworkInsightsAccessScopeContent: rec.content()}, nil
}

// checkScopePaths checks the paths of a request and returns them as a scope keeps them.
// A match path needs a source or a destination; an exclude path may name only the
// resources it passes through.
func checkScopePaths(t *kit.Txn, c kit.Caller, param string, in []ec2.AccessScopePathRequest, match bool) ([]ec2.AccessScopePath, error) {
	var out []ec2.AccessScopePath
	for i, p := range in {
		name := fmt.Sprintf("%s.%d", param, i+1)
		if p.Source == nil && p.Destination == nil && (match || len(p.ThroughResources) == 0) {
			return nil, ec2.ErrInvalidParameterValue("The %s must have a Source or a Destination.", name)
		}
		var path ec2.AccessScopePath
		var err error
		if path.Source, err = checkPathStatement(t, c, name+".Source", p.Source); err != nil {
			return nil, err
		}
		if path.Destination, err = checkPathStatement(t, c, name+".Destination", p.Destination); err != nil {
			return nil, err
		}
		for j, tr := range p.ThroughResources {
			trName := fmt.Sprintf("%s.ThroughResource.%d.ResourceStatement", name, j+1)
			if tr.ResourceStatement == nil {
				return nil, ec2.ErrMissingParameter(trName)
			}
			rs, err := checkResourceStatement(t, c, trName, tr.ResourceStatement, analyze.AtThrough)
			if err != nil {
				return nil, err
			}
			path.ThroughResources = append(path.ThroughResources, ec2.ThroughResourcesStatement{ResourceStatement: rs})
		}
		out = append(out, path)
	}
	return out, nil
}

func checkPathStatement(t *kit.Txn, c kit.Caller, name string, in *ec2.PathStatementRequest) (*ec2.PathStatement, error) {
	if in == nil {
		return nil, nil
	}
	if in.ResourceStatement == nil && in.PacketHeaderStatement == nil {
		return nil, ec2.ErrInvalidParameterValue("The %s must have a ResourceStatement or a PacketHeaderStatement.", name)
	}
	out := &ec2.PathStatement{}
	if in.ResourceStatement != nil {
		rs, err := checkResourceStatement(t, c, name+".ResourceStatement", in.ResourceStatement, analyze.AtEndpoint)
		if err != nil {
			return nil, err
		}
		out.ResourceStatement = rs
	}
	if h := in.PacketHeaderStatement; h != nil {
		ph, err := checkPacketHeader(t, c, name+".PacketHeaderStatement", h)
		if err != nil {
			return nil, err
		}
		out.PacketHeaderStatement = ph
	}
	return out, nil
}

// placementWords say where a resource may not be, for the errors.
var placementWords = map[analyze.Placement]string{analyze.AtEndpoint: "a source or a destination", analyze.AtThrough: "a resource a path passes through"}

// checkResourceStatement checks the resources (IDs or ARNs of resources that exist) or
// the resource types of a statement, each allowed where it is.
func checkResourceStatement(t *kit.Txn, c kit.Caller, name string, in *ec2.ResourceStatementRequest, at analyze.Placement) (*ec2.ResourceStatement, error) {
	switch {
	case len(in.Resources) > 0 && len(in.ResourceTypes) > 0:
		return nil, ec2.ErrInvalidParameterCombination("The %s cannot have both Resource and ResourceType.", name)
	case len(in.Resources) == 0 && len(in.ResourceTypes) == 0:
		return nil, ec2.ErrMissingParameter(name + ".Resource or " + name + ".ResourceType")
	}
	for _, r := range in.Resources {
		id := resourceID(r)
		kind := kit.KindOf(id)
		where, ok := analyze.ScopeResourceKinds[kind]
		if !ok || !strings.Contains(id, "-") {
			return nil, ec2.ErrInvalidParameterValue("The resource '%s' in %s is not a supported resource.", r, name)
		}
		if where&at == 0 {
			return nil, ec2.ErrInvalidParameterValue("The resource '%s' in %s cannot be %s.", r, name, placementWords[at])
		}
		if err := kit.CheckID(id, kind); err != nil {
			return nil, err
		}
		var rec struct{}
		ok, err := t.Get(c.Key(id), &rec)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, kit.NotFound(id)
		}
	}
	for _, rt := range in.ResourceTypes {
		where, ok := analyze.ScopeResourceTypes[rt]
		if !ok {
			return nil, ec2.ErrInvalidParameterValue("The resource type '%s' in %s is not a supported resource type.", rt, name)
		}
		if where&at == 0 {
			return nil, ec2.ErrInvalidParameterValue("The resource type '%s' in %s cannot be %s.", rt, name, placementWords[at])
		}
	}
	return &ec2.ResourceStatement{Resources: in.Resources, ResourceTypes: in.ResourceTypes}, nil
}

// checkPacketHeader checks a packet header statement: at least one field; addresses
// are IP addresses or CIDR blocks, not with prefix lists on the same side; prefix lists
// exist; ports are a port or a range "from-to"; protocols are tcp and udp.
func checkPacketHeader(t *kit.Txn, c kit.Caller, name string, in *ec2.PacketHeaderStatementRequest) (*ec2.PacketHeaderStatement, error) {
	out := &ec2.PacketHeaderStatement{
		SourceAddresses: in.SourceAddresses, DestinationAddresses: in.DestinationAddresses, SourcePrefixLists: in.SourcePrefixLists,
		DestinationPrefixLists: in.DestinationPrefixLists, SourcePorts: in.SourcePorts, DestinationPorts: in.DestinationPorts, Protocols: in.Protocols,
	}
	if len(in.SourceAddresses)+len(in.DestinationAddresses)+len(in.SourcePrefixLists)+len(in.DestinationPrefixLists)+
		len(in.SourcePorts)+len(in.DestinationPorts)+len(in.Protocols) == 0 {
		return nil, ec2.ErrInvalidParameterValue("The %s must have at least one field.", name)
	}
	for _, side := range []struct {
		field     string
		addresses []string
		lists     []string
		ports     []string
	}{{"Source", in.SourceAddresses, in.SourcePrefixLists, in.SourcePorts}, {"Destination", in.DestinationAddresses, in.DestinationPrefixLists, in.DestinationPorts}} {
		if len(side.addresses) > 0 && len(side.lists) > 0 {
			return nil, ec2.ErrInvalidParameterCombination("The %s cannot have both %sAddress and %sPrefixList.", name, side.field, side.field)
		}
		for _, a := range side.addresses {
			if _, err := parseScopeAddress(a); err != nil {
				return nil, ec2.ErrInvalidParameterValue("The %s.%sAddress '%s' is not a valid IP address or CIDR block.", name, side.field, a)
			}
		}
		for _, pl := range side.lists {
			if _, err := kit.GetPrefixList(t, c, resourceID(pl)); err != nil {
				return nil, err
			}
		}
		for _, p := range side.ports {
			if _, err := parseScopePorts(p); err != nil {
				return nil, ec2.ErrInvalidParameterValue("The %s.%sPort '%s' is not a valid port or port range.", name, side.field, p)
			}
		}
	}
	for _, p := range in.Protocols {
		if p != "tcp" && p != "udp" {
			return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter %s.Protocol is invalid. Expected: 'tcp', 'udp'.", p, name)
		}
	}
	return out, nil
}

// parseScopeAddress is an address ("10.0.0.5", a host) or a CIDR block.
func parseScopeAddress(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseScopePorts is a port ("443") or a range ("1024-65535") of 0-65535.
func parseScopePorts(s string) (analyze.PortRange, error) {
	from, to, isRange := strings.Cut(s, "-")
	if !isRange {
		to = from
	}
	lo, err1 := strconv.Atoi(from)
	hi, err2 := strconv.Atoi(to)
	if err1 != nil || err2 != nil || lo < 0 || hi > 65535 || lo > hi {
		return analyze.PortRange{}, fmt.Errorf("bad port range %q", s)
	}
	return analyze.PortRange{From: lo, To: hi}, nil
}

func (r *accessScopeRecord) ec2(c kit.Caller) *ec2.NetworkInsightsAccessScope {
	return &ec2.NetworkInsightsAccessScope{NetworkInsightsAccessScopeId: kit.Ptr(r.ID), NetworkInsightsAccessScopeArn: kit.Ptr(scopeARN(c, r.ID)),
		CreatedDate: kit.Ptr(r.CreatedDate), UpdatedDate: kit.Ptr(r.CreatedDate), Tags: r.EC2Tags()}
}

func (r *accessScopeRecord) content() *ec2.NetworkInsightsAccessScopeContent {
	return &ec2.NetworkInsightsAccessScopeContent{NetworkInsightsAccessScopeId: kit.Ptr(r.ID), MatchPaths: r.MatchPaths, ExcludePaths: r.ExcludePaths}
}

// DescribeNetworkInsightsAccessScopes lists the caller's scopes (no filters but tags, as
// AWS has it).
func (s *Insights) DescribeNetworkInsightsAccessScopes(ctx context.Context, c kit.Caller, in *ec2.DescribeNetworkInsightsAccessScopesRequest) (*ec2.DescribeNetworkInsightsAccessScopesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 1, 100); err != nil {
		return nil, err
	}
	rs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "nis", IDs: in.NetworkInsightsAccessScopeIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1},
		map[string]func(*accessScopeRecord) []string{})
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkInsightsAccessScopesResult{NextToken: next, NetworkInsightsAccessScopes: []ec2.NetworkInsightsAccessScope{}}
	for _, r := range rs {
		out.NetworkInsightsAccessScopes = append(out.NetworkInsightsAccessScopes, *r.ec2(c))
	}
	return out, nil
}

// GetNetworkInsightsAccessScopeContent returns a scope's paths as they were given.
func (s *Insights) GetNetworkInsightsAccessScopeContent(ctx context.Context, c kit.Caller, in *ec2.GetNetworkInsightsAccessScopeContentRequest) (*ec2.GetNetworkInsightsAccessScopeContentResult, error) {
	id := kit.Deref(in.NetworkInsightsAccessScopeId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsAccessScopeId")
	}
	var rec *accessScopeRecord
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		rec, err = kit.Get[accessScopeRecord](t, c, "nis", id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2.GetNetworkInsightsAccessScopeContentResult{NetworkInsightsAccessScopeContent: rec.content()}, nil
}

// DeleteNetworkInsightsAccessScope deletes a scope, its analyses and their findings.
func (s *Insights) DeleteNetworkInsightsAccessScope(ctx context.Context, c kit.Caller, in *ec2.DeleteNetworkInsightsAccessScopeRequest) (*ec2.DeleteNetworkInsightsAccessScopeResult, error) {
	id := kit.Deref(in.NetworkInsightsAccessScopeId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsAccessScopeId")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		if _, err := kit.Get[accessScopeRecord](t, c, "nis", id); err != nil {
			return err
		}
		all, err := kit.ListAll[accessScopeAnalysisRecord](t, c.Prefix("nisa"))
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.ScopeID == id {
				a.del(t, c)
			}
		}
		t.Del(c.Key(id))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteNetworkInsightsAccessScopeResult{NetworkInsightsAccessScopeId: kit.Ptr(id)}, nil
}

// del deletes an analysis and its findings.
func (a *accessScopeAnalysisRecord) del(t *kit.Txn, c kit.Caller) {
	for i := range pages(a.Findings) {
		t.Del(findingsKey(c, a.ID, i))
	}
	t.Del(c.Key(a.ID))
}

func pages(n int) int { return (n + findingsPerPage - 1) / findingsPerPage }

// StartNetworkInsightsAccessScopeAnalysis analyzes a scope against the network as it is
// now. The analysis is done before the call returns (a second for a thousand
// interfaces); the answer says running, as AWS's does, and Describe shows it succeeded.
func (s *Insights) StartNetworkInsightsAccessScopeAnalysis(ctx context.Context, c kit.Caller, in *ec2.StartNetworkInsightsAccessScopeAnalysisRequest) (*ec2.StartNetworkInsightsAccessScopeAnalysisResult, error) {
	id := kit.Deref(in.NetworkInsightsAccessScopeId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsAccessScopeId")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "network-insights-access-scope-analysis")
	if err != nil {
		return nil, err
	}
	token := kit.Deref(in.ClientToken)
	var scope *accessScopeRecord
	var again *accessScopeAnalysisRecord // the analysis the token started before
	byToken := func(t *kit.Txn) error {
		again = nil
		if token == "" {
			return nil
		}
		all, err := kit.ListAll[accessScopeAnalysisRecord](t, c.Prefix("nisa"))
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.ClientToken == token {
				again = a
			}
		}
		return nil
	}
	if err := s.View(ctx, func(t *kit.Txn) (err error) {
		if scope, err = kit.Get[accessScopeRecord](t, c, "nis", id); err != nil {
			return err
		}
		return byToken(t)
	}); err != nil {
		return nil, err
	}
	if again != nil {
		return &ec2.StartNetworkInsightsAccessScopeAnalysisResult{NetworkInsightsAccessScopeAnalysis: again.started(c)}, nil
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		return nil, err
	}
	rec := &accessScopeAnalysisRecord{Meta: kit.Meta{ID: kit.NewID("nisa"), Owner: c.Account, Tags: tags}, ScopeID: id,
		StartDate: s.Now().UTC().Truncate(time.Second), Status: "succeeded", ClientToken: token}
	res := analyzeScope(n, c, scope)
	findings := make([]accessScopeFinding, len(res.Findings))
	for i, f := range res.Findings {
		comps := make([]ec2.PathComponent, len(f.Forward))
		for k, h := range f.Forward {
			comps[k] = pathComponent(c, k+1, h)
		}
		findings[i] = accessScopeFinding{Seq: i + 1, Components: comps}
	}
	rec.Findings, rec.AnalyzedEnis, rec.EndDate = len(findings), int32(res.AnalyzedInterfaces), s.Now().UTC()
	var packed []findingsPage
	for i := range pages(len(findings)) {
		p, err := packFindings(findings[i*findingsPerPage : min(len(findings), (i+1)*findingsPerPage)])
		if err != nil {
			return nil, err
		}
		packed = append(packed, p)
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if err := byToken(t); err != nil || again != nil {
			return err
		}
		if _, err := kit.Get[accessScopeRecord](t, c, "nis", id); err != nil {
			return err
		}
		for i, p := range packed {
			if err := t.Put(findingsKey(c, rec.ID, i), p); err != nil {
				return err
			}
		}
		return t.Put(c.Key(rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	if again != nil {
		rec = again
	}
	return &ec2.StartNetworkInsightsAccessScopeAnalysisResult{NetworkInsightsAccessScopeAnalysis: rec.started(c)}, nil
}

// analyzeScope analyzes a scope over the caller's resources.
func analyzeScope(n *model.Network, c kit.Caller, r *accessScopeRecord) *analyze.ScopeResult {
	s := analyze.Scope{Account: c.Account, Region: c.Region}
	for _, p := range r.MatchPaths {
		s.Match = append(s.Match, scopePath(p))
	}
	for _, p := range r.ExcludePaths {
		s.Exclude = append(s.Exclude, scopePath(p))
	}
	return analyze.AnalyzeScope(n, s)
}

// scopePath turns a path as a scope keeps it (checked when it was created) into the
// analyzer's.
func scopePath(p ec2.AccessScopePath) analyze.ScopePath {
	out := analyze.ScopePath{Source: pathStatement(p.Source), Destination: pathStatement(p.Destination)}
	for _, tr := range p.ThroughResources {
		if rs := resourceStatement(tr.ResourceStatement); rs != nil {
			out.Through = append(out.Through, *rs)
		}
	}
	return out
}

func pathStatement(p *ec2.PathStatement) analyze.PathStatement {
	if p == nil {
		return analyze.PathStatement{}
	}
	out := analyze.PathStatement{Resources: resourceStatement(p.ResourceStatement)}
	if h := p.PacketHeaderStatement; h != nil {
		ph := &analyze.PacketHeaderStatement{}
		for _, a := range h.SourceAddresses {
			if p, err := parseScopeAddress(a); err == nil {
				ph.SourceAddresses = append(ph.SourceAddresses, p)
			}
		}
		for _, a := range h.DestinationAddresses {
			if p, err := parseScopeAddress(a); err == nil {
				ph.DestinationAddresses = append(ph.DestinationAddresses, p)
			}
		}
		for _, pl := range h.SourcePrefixLists {
			ph.SourcePrefixLists = append(ph.SourcePrefixLists, resourceID(pl))
		}
		for _, pl := range h.DestinationPrefixLists {
			ph.DestinationPrefixLists = append(ph.DestinationPrefixLists, resourceID(pl))
		}
		for _, s := range h.SourcePorts {
			if r, err := parseScopePorts(s); err == nil {
				ph.SourcePorts = append(ph.SourcePorts, r)
			}
		}
		for _, s := range h.DestinationPorts {
			if r, err := parseScopePorts(s); err == nil {
				ph.DestinationPorts = append(ph.DestinationPorts, r)
			}
		}
		for _, proto := range h.Protocols {
			ph.Protocols = append(ph.Protocols, map[string]int{"tcp": 6, "udp": 17}[proto])
		}
		out.Header = ph
	}
	return out
}

func resourceStatement(rs *ec2.ResourceStatement) *analyze.ResourceStatement {
	if rs == nil {
		return nil
	}
	out := &analyze.ResourceStatement{ResourceTypes: rs.ResourceTypes}
	for _, r := range rs.Resources {
		out.Resources = append(out.Resources, resourceID(r))
	}
	return out
}

func (a *accessScopeAnalysisRecord) ec2(c kit.Caller) *ec2.NetworkInsightsAccessScopeAnalysis {
	out := &ec2.NetworkInsightsAccessScopeAnalysis{
		NetworkInsightsAccessScopeAnalysisId: kit.Ptr(a.ID), NetworkInsightsAccessScopeAnalysisArn: kit.Ptr(scopeARN(c, a.ID)),
		NetworkInsightsAccessScopeId: kit.Ptr(a.ScopeID), StartDate: kit.Ptr(a.StartDate), Status: kit.Ptr(a.Status), Tags: a.EC2Tags(),
		FindingsFound: kit.Ptr(a.findingsFound()),
	}
	if a.StatusMessage != "" {
		out.StatusMessage = kit.Ptr(a.StatusMessage)
	}
	if !a.EndDate.IsZero() {
		out.EndDate = kit.Ptr(a.EndDate)
	}
	if a.Status == "succeeded" {
		out.AnalyzedEniCount = kit.Ptr(a.AnalyzedEnis)
	}
	return out
}

// started is the analysis as StartNetworkInsightsAccessScopeAnalysis answers it: running,
// nothing known yet.
func (a *accessScopeAnalysisRecord) started(c kit.Caller) *ec2.NetworkInsightsAccessScopeAnalysis {
	out := a.ec2(c)
	out.Status, out.FindingsFound, out.EndDate, out.AnalyzedEniCount, out.StatusMessage = kit.Ptr("running"), kit.Ptr("unknown"), nil, nil, nil
	return out
}

func (a *accessScopeAnalysisRecord) findingsFound() string {
	if a.Status != "succeeded" {
		return "unknown"
	}
	return kit.BoolString(a.Findings > 0)
}

// DescribeNetworkInsightsAccessScopeAnalyses lists the caller's analyses, of one scope or
// all, started in a time window.
func (s *Insights) DescribeNetworkInsightsAccessScopeAnalyses(ctx context.Context, c kit.Caller, in *ec2.DescribeNetworkInsightsAccessScopeAnalysesRequest) (*ec2.DescribeNetworkInsightsAccessScopeAnalysesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 1, 100); err != nil {
		return nil, err
	}
	as, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "nisa", IDs: in.NetworkInsightsAccessScopeAnalysisIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1},
		map[string]func(*accessScopeAnalysisRecord) []string{})
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkInsightsAccessScopeAnalysesResult{NextToken: next, NetworkInsightsAccessScopeAnalyses: []ec2.NetworkInsightsAccessScopeAnalysis{}}
	for _, a := range as {
		switch {
		case in.NetworkInsightsAccessScopeId != nil && a.ScopeID != *in.NetworkInsightsAccessScopeId:
		case in.AnalysisStartTimeBegin != nil && a.StartDate.Before(*in.AnalysisStartTimeBegin):
		case in.AnalysisStartTimeEnd != nil && a.StartDate.After(*in.AnalysisStartTimeEnd):
		default:
			out.NetworkInsightsAccessScopeAnalyses = append(out.NetworkInsightsAccessScopeAnalyses, *a.ec2(c))
		}
	}
	return out, nil
}

// GetNetworkInsightsAccessScopeAnalysisFindings returns a page of an analysis's findings,
// in the order the analysis found them.
func (s *Insights) GetNetworkInsightsAccessScopeAnalysisFindings(ctx context.Context, c kit.Caller, in *ec2.GetNetworkInsightsAccessScopeAnalysisFindingsRequest) (*ec2.GetNetworkInsightsAccessScopeAnalysisFindingsResult, error) {
	id := kit.Deref(in.NetworkInsightsAccessScopeAnalysisId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsAccessScopeAnalysisId")
	}
	if err := kit.CheckMaxResults(in.MaxResults, 1, 1000); err != nil {
		return nil, err
	}
	var rec *accessScopeAnalysisRecord
	var all []accessScopeFinding
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		if rec, err = kit.Get[accessScopeAnalysisRecord](t, c, "nisa", id); err != nil {
			return err
		}
		for i := range pages(rec.Findings) {
			var p findingsPage
			if _, err := t.Get(findingsKey(c, id, i), &p); err != nil {
				return err
			}
			fs, err := p.unpack()
			if err != nil {
				return err
			}
			all = append(all, fs...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := kit.Paginate(all, in.MaxResults, in.NextToken, func(f accessScopeFinding) string { return fmt.Sprintf("%08d", f.Seq) })
	if err != nil {
		return nil, err
	}
	out := &ec2.GetNetworkInsightsAccessScopeAnalysisFindingsResult{NetworkInsightsAccessScopeAnalysisId: kit.Ptr(id), AnalysisStatus: kit.Ptr(rec.Status), NextToken: next,
		AnalysisFindings: []ec2.AccessScopeAnalysisFinding{}}
	for _, f := range page {
		out.AnalysisFindings = append(out.AnalysisFindings, ec2.AccessScopeAnalysisFinding{NetworkInsightsAccessScopeAnalysisId: kit.Ptr(id),
			NetworkInsightsAccessScopeId: kit.Ptr(rec.ScopeID), FindingId: kit.Ptr(fmt.Sprintf("AnalysisFinding-%d", f.Seq)), FindingComponents: f.Components})
	}
	return out, nil
}

// DeleteNetworkInsightsAccessScopeAnalysis deletes an analysis and its findings.
func (s *Insights) DeleteNetworkInsightsAccessScopeAnalysis(ctx context.Context, c kit.Caller, in *ec2.DeleteNetworkInsightsAccessScopeAnalysisRequest) (*ec2.DeleteNetworkInsightsAccessScopeAnalysisResult, error) {
	id := kit.Deref(in.NetworkInsightsAccessScopeAnalysisId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsAccessScopeAnalysisId")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		a, err := kit.Get[accessScopeAnalysisRecord](t, c, "nisa", id)
		if err != nil {
			return err
		}
		a.del(t, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteNetworkInsightsAccessScopeAnalysisResult{NetworkInsightsAccessScopeAnalysisId: kit.Ptr(id)}, nil
}
