package images

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/aws"
	"vpcd/internal/aws/ssm"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// The Systems Manager public parameters that name the latest public images
// (/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64, ...). Their
// values are the catalog's image IDs in the request's region; they belong to no account
// (their ARN has none). vpcd keeps no parameters of its own: PutParameter and the rest
// answer as unsupported operations.

// publicParameter is one public parameter in a region.
type publicParameter struct {
	name string
	img  *kit.ImageRecord
}

// publicParameters are the region's public parameters, sorted by name.
func publicParameters(region string) []publicParameter {
	var out []publicParameter
	for _, img := range kit.PublicImages(region) {
		for _, name := range img.Parameters {
			out = append(out, publicParameter{name, img})
		}
	}
	slices.SortFunc(out, func(a, b publicParameter) int { return strings.Compare(a.name, b.name) })
	return out
}

// parameterVersion is the version every public parameter is at: vpcd's catalog has one
// release of each image.
const parameterVersion = 1

func (p publicParameter) ssm(region, selector string) ssm.Parameter {
	out := ssm.Parameter{
		Name: kit.Ptr(p.name), Type: kit.Ptr("String"), Value: kit.Ptr(p.img.ID), Version: kit.Ptr(int64(parameterVersion)),
		LastModifiedDate: &aws.Time{Time: p.img.Created}, ARN: kit.Ptr("arn:aws:ssm:" + region + "::parameter" + p.name), DataType: kit.Ptr("aws:ec2:image"),
	}
	if selector != "" {
		out.Selector = kit.Ptr(selector)
	}
	return out
}

// lookupParameter finds the parameter a GetParameter name asks for: a name, or the
// parameter's ARN, optionally followed by ":VERSION".
func lookupParameter(region, name string) (*ssm.Parameter, error) {
	name = strings.TrimPrefix(name, "arn:aws:ssm:"+region+"::parameter")
	name, selector := name, ""
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		name, selector = name[:i], name[i:]
	}
	for _, p := range publicParameters(region) {
		if p.name != name {
			continue
		}
		if selector != "" {
			v, err := strconv.Atoi(selector[1:])
			if err != nil {
				return nil, errParameterNotFound() // a label: public parameters have none
			}
			if v != parameterVersion {
				return nil, errParameterVersionNotFound("Systems Manager could not find version %d of %s. Verify the version and try again.", v, name)
			}
		}
		out := p.ssm(region, selector)
		return &out, nil
	}
	return nil, errParameterNotFound()
}

// GetParameter answers one public parameter; any other name is ParameterNotFound, with
// the empty message AWS gives it.
func (s *Images) GetParameter(_ context.Context, c kit.Caller, in *ssm.GetParameterRequest) (*ssm.GetParameterResult, error) {
	p, err := lookupParameter(c.Region, kit.Deref(in.Name))
	if err != nil {
		return nil, err
	}
	return &ssm.GetParameterResult{Parameter: p}, nil
}

// GetParameters answers up to 10 parameters; the names that name none are listed in
// InvalidParameters, as given.
func (s *Images) GetParameters(_ context.Context, c kit.Caller, in *ssm.GetParametersRequest) (*ssm.GetParametersResult, error) {
	if len(in.Names) < 1 || len(in.Names) > 10 {
		return nil, errValidation("1 validation error detected: Value '%v' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10, Member must have length greater than or equal to 1", in.Names)
	}
	out := &ssm.GetParametersResult{Parameters: []ssm.Parameter{}, InvalidParameters: []string{}}
	for _, name := range in.Names {
		p, err := lookupParameter(c.Region, name)
		switch {
		case err == nil:
			out.Parameters = append(out.Parameters, *p)
		case isCode(err, "ParameterNotFound"), isCode(err, "ParameterVersionNotFound"):
			out.InvalidParameters = append(out.InvalidParameters, name)
		default:
			return nil, err
		}
	}
	return out, nil
}

func isCode(err error, code string) bool {
	e, ok := err.(*ec2.Error)
	return ok && e.Code == code
}

// GetParametersByPath lists the public parameters under a path: its direct children, or
// every descendant with Recursive, 10 a page at most, in name order.
func (s *Images) GetParametersByPath(_ context.Context, c kit.Caller, in *ssm.GetParametersByPathRequest) (*ssm.GetParametersByPathResult, error) {
	path := kit.Deref(in.Path)
	if !strings.HasPrefix(path, "/") {
		return nil, errValidation("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	max := int32(10)
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10 {
			return nil, errValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10, Member must have value greater than or equal to 1", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	keep, err := parameterFilter(in.ParameterFilters)
	if err != nil {
		return nil, err
	}
	prefix := strings.TrimSuffix(path, "/") + "/"
	var found []publicParameter
	for _, p := range publicParameters(c.Region) {
		rest, under := strings.CutPrefix(p.name, prefix)
		if under && (kit.Deref(in.Recursive) || !strings.Contains(rest, "/")) && keep(p) {
			found = append(found, p)
		}
	}
	page, next, err := kit.Paginate(found, &max, in.NextToken, func(p publicParameter) string { return p.name })
	if err != nil {
		return nil, errInvalidNextToken("The specified token isn't valid.")
	}
	out := &ssm.GetParametersByPathResult{Parameters: []ssm.Parameter{}, NextToken: next}
	for _, p := range page {
		out.Parameters = append(out.Parameters, p.ssm(c.Region, ""))
	}
	return out, nil
}

// parameterFilter reads GetParametersByPath's ParameterFilters: Type (String for every
// public parameter), and KeyId, Label and tag:KEY, which no public parameter has. Other
// keys are not allowed with a path (InvalidFilterKey).
func parameterFilter(filters []ssm.ParameterStringFilter) (func(publicParameter) bool, error) {
	for _, f := range filters {
		key := kit.Deref(f.Key)
		switch {
		case key == "Type" || key == "KeyId" || key == "Label" || strings.HasPrefix(key, "tag:"):
		default:
			return nil, errInvalidFilterKey("The following filter key is not valid: %s. Valid filter keys include: [Type, KeyId, Label].", key)
		}
		if opt := kit.Deref(f.Option); opt != "" && opt != "Equals" && !(key == "Label" || strings.HasPrefix(key, "tag:")) {
			return nil, errInvalidFilterOption("The filter option \"%s\" isn't valid. Valid options include: [Equals].", opt)
		}
	}
	return func(publicParameter) bool {
		for _, f := range filters {
			if kit.Deref(f.Key) != "Type" || !slices.Contains(f.Values, "String") {
				return false
			}
		}
		return true
	}, nil
}

// The SSM errors vpcd answers, each an error shape of the SSM model.

func errParameterNotFound() error { return ec2.Errorf("ParameterNotFound", "") }

func errParameterVersionNotFound(format string, args ...any) error {
	return ec2.Errorf("ParameterVersionNotFound", format, args...)
}

func errValidation(format string, args ...any) error {
	return ec2.Errorf("ValidationException", format, args...)
}

func errInvalidNextToken(format string, args ...any) error {
	return ec2.Errorf("InvalidNextToken", format, args...)
}

func errInvalidFilterKey(format string, args ...any) error {
	return ec2.Errorf("InvalidFilterKey", format, args...)
}

func errInvalidFilterOption(format string, args ...any) error {
	return ec2.Errorf("InvalidFilterOption", format, args...)
}
