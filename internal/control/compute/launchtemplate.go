package compute

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// launchTemplateRecord is a launch template (kind "lt"); its versions are records of
// their own (launchTemplateVersion), under versionsPrefix.
type launchTemplateRecord struct {
	kit.Meta
	Name           string    `json:"name"`
	CreateTime     time.Time `json:"createTime"`
	DefaultVersion int64     `json:"defaultVersion"`
	LatestVersion  int64     `json:"latestVersion"`
	ClientToken    string    `json:"clientToken,omitempty"`
}

// launchTemplateVersion is one version of a template: the launch parameters as they were
// given (RunInstances reads them as its own request's defaults).
type launchTemplateVersion struct {
	TemplateID  string                         `json:"templateId"`
	Number      int64                          `json:"number"`
	Description string                         `json:"description,omitempty"`
	CreateTime  time.Time                      `json:"createTime"`
	Data        *ec2.RequestLaunchTemplateData `json:"data"`
}

const (
	// maxTemplates is AWS's limit of launch templates per Region.
	maxTemplates = 5000
	// maxTemplateVersions is AWS's limit of versions per launch template.
	maxTemplateVersions = 10000
	// maxVersionDescription is the longest VersionDescription AWS takes.
	maxVersionDescription = 255
)

func versionsPrefix(c kit.Caller, templateID string) string {
	return c.Prefix("ltv") + templateID + "/"
}

// versionKey sorts the versions of a template by number in a listing.
func versionKey(c kit.Caller, templateID string, n int64) string {
	return fmt.Sprintf("%s%010d", versionsPrefix(c, templateID), n)
}

// templateNameKey holds the ID of the template that has a name, as keyNameKey does.
func templateNameKey(c kit.Caller, name string) string { return c.Prefix("ltname") + name }

var templateNamePattern = regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,128}$`)

func errTemplateNotFound(id string) error {
	return ec2.ErrInvalidLaunchTemplateIdNotFound("The specified launch template, with template ID %s, does not exist.", id)
}

func errTemplateNameNotFound(name string) error {
	return ec2.ErrInvalidLaunchTemplateNameNotFoundException("The specified launch template, with template name %s, does not exist.", name)
}

func errVersionNotFound(version, id string) error {
	return ec2.ErrInvalidLaunchTemplateIdVersionNotFound("Could not find the specified version %s for the launch template with ID %s.", version, id)
}

func checkTemplateName(name string) error {
	if !templateNamePattern.MatchString(name) {
		return ec2.ErrInvalidLaunchTemplateNameMalformedException("A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'")
	}
	return nil
}

// getTemplate reads the template that a request names by ID or by name (one of them).
func getTemplate(t *kit.Txn, c kit.Caller, id, name string) (*launchTemplateRecord, error) {
	switch {
	case id != "" && name != "":
		return nil, ec2.ErrInvalidParameterCombination("You must specify either the launch template ID or the launch template name, but not both.")
	case id != "":
		if !kit.ValidID(id, "lt") {
			return nil, ec2.ErrInvalidLaunchTemplateIdMalformed("The specified ID for the launch template (%s) is malformed.", id)
		}
		lt := new(launchTemplateRecord)
		if found, err := t.Get(c.Key(id), lt); err != nil || !found {
			return nil, cmp.Or(err, errTemplateNotFound(id))
		}
		return lt, nil
	case name != "":
		var ltID string
		if found, err := t.Get(templateNameKey(c, name), &ltID); err != nil || !found {
			return nil, cmp.Or(err, errTemplateNameNotFound(name))
		}
		lt := new(launchTemplateRecord)
		if found, err := t.Get(c.Key(ltID), lt); err != nil || !found {
			return nil, cmp.Or(err, errTemplateNameNotFound(name))
		}
		return lt, nil
	}
	return nil, ec2.ErrMissingParameterMessage("The request must contain the parameter LaunchTemplateName or LaunchTemplateId")
}

// versionNumber resolves "$Latest", "$Default" or a number against a template.
func versionNumber(lt *launchTemplateRecord, v string) (int64, error) {
	switch v {
	case "$Latest":
		return lt.LatestVersion, nil
	case "$Default", "":
		return lt.DefaultVersion, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, errVersionNotFound(v, lt.ID)
	}
	return n, nil
}

func getVersion(t *kit.Txn, c kit.Caller, lt *launchTemplateRecord, v string) (*launchTemplateVersion, error) {
	n, err := versionNumber(lt, v)
	if err != nil {
		return nil, err
	}
	ver := new(launchTemplateVersion)
	if found, err := t.Get(versionKey(c, lt.ID, n), ver); err != nil || !found {
		return nil, cmp.Or(err, errVersionNotFound(v, lt.ID))
	}
	return ver, nil
}

// checkTemplateData applies the checks AWS makes when a version is stored: the resource
// types of its TagSpecifications. (AWS checks the rest at launch.)
func checkTemplateData(d *ec2.RequestLaunchTemplateData) error {
	if d == nil {
		return ec2.ErrMissingParameter("LaunchTemplateData")
	}
	for _, spec := range d.TagSpecifications {
		switch rt := kit.Deref(spec.ResourceType); rt {
		case "instance", "volume", "network-interface", "spot-instances-request", "elastic-gpu":
		case "":
			return ec2.ErrMissingParameter("LaunchTemplateData.TagSpecification.ResourceType")
		default:
			return ec2.ErrInvalidParameterValue("'%s' is not a valid taggable resource type for this operation.", rt)
		}
	}
	if d.UserData != nil {
		if err := checkUserData(*d.UserData); err != nil {
			return err
		}
	}
	return nil
}

func checkUserData(b64 string) error {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return ec2.ErrInvalidParameterValue("Invalid BASE64 encoding of user data.")
	}
	if len(raw) > kit.MaxUserData {
		return ec2.ErrInvalidParameterValue("User data is limited to %d bytes", kit.MaxUserData)
	}
	return nil
}

func checkVersionDescription(d *string) error {
	if len(kit.Deref(d)) > maxVersionDescription {
		return ec2.ErrInvalidParameterValue("Value for parameter VersionDescription is invalid. Length exceeds maximum of %d characters.", maxVersionDescription)
	}
	return nil
}

func createdBy(c kit.Caller) string { return "arn:aws:iam::" + c.Account + ":root" }

// shape is the template as AWS shows it.
func (lt *launchTemplateRecord) shape(c kit.Caller) *ec2.LaunchTemplate {
	return &ec2.LaunchTemplate{
		CreateTime: kit.Ptr(lt.CreateTime), CreatedBy: kit.Ptr(createdBy(c)), DefaultVersionNumber: kit.Ptr(lt.DefaultVersion),
		LatestVersionNumber: kit.Ptr(lt.LatestVersion), LaunchTemplateId: kit.Ptr(lt.ID), LaunchTemplateName: kit.Ptr(lt.Name), Tags: lt.Ec2Tags(),
	}
}

// shape is the version as AWS shows it: the parameters in the response's shapes, which
// have the request's members under the same names.
func (v *launchTemplateVersion) shape(c kit.Caller, lt *launchTemplateRecord) ec2.LaunchTemplateVersion {
	data := new(ec2.ResponseLaunchTemplateData)
	convertShape(v.Data, data)
	out := ec2.LaunchTemplateVersion{
		CreateTime: kit.Ptr(v.CreateTime), CreatedBy: kit.Ptr(createdBy(c)), DefaultVersion: kit.Ptr(v.Number == lt.DefaultVersion),
		LaunchTemplateData: data, LaunchTemplateId: kit.Ptr(lt.ID), LaunchTemplateName: kit.Ptr(lt.Name), VersionNumber: kit.Ptr(v.Number),
	}
	if v.Description != "" {
		out.VersionDescription = kit.Ptr(v.Description)
	}
	return out
}

// convertShape copies the members of one EC2 shape into another by name, the nested
// ones too: a request's launch parameters and the answer's (or RunInstances') differ in
// their types' names, rarely in their members'. A member whose type differs is left out.
func convertShape(from, to any) {
	raw, err := json.Marshal(from)
	if err != nil {
		return
	}
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(raw, to); err != nil && !errors.As(err, &typeErr) {
		return
	}
}

// overlay sets every member of dst that is not given (nil) to src's: a request's
// parameters override the ones it is based on, member by member.
func overlay[T any](dst, src *T) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := range d.NumField() {
		if f := d.Field(i); f.IsZero() {
			f.Set(s.Field(i))
		}
	}
}

// CreateLaunchTemplate stores a template with its first version, the default.
func (s *Compute) CreateLaunchTemplate(ctx context.Context, c kit.Caller, in *ec2.CreateLaunchTemplateRequest) (*ec2.CreateLaunchTemplateResult, error) {
	name := kit.Deref(in.LaunchTemplateName)
	if name == "" {
		return nil, ec2.ErrMissingParameter("LaunchTemplateName")
	}
	if err := checkTemplateName(name); err != nil {
		return nil, err
	}
	if err := checkTemplateData(in.LaunchTemplateData); err != nil {
		return nil, err
	}
	if err := checkVersionDescription(in.VersionDescription); err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "launch-template")
	if err != nil {
		return nil, err
	}
	token := kit.Deref(in.ClientToken)
	now := s.Now().UTC().Truncate(time.Second)
	cached, err := kit.LoadKind[launchTemplateRecord](ctx, s.Kit, c.Prefix("lt"), launchTemplateFilters)
	if err != nil {
		return nil, err
	}
	var lt *launchTemplateRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		var holder string
		found, err := t.Get(templateNameKey(c, name), &holder)
		if err != nil {
			return err
		}
		if found {
			// A repeated request with the same client token is answered what it made.
			old := new(launchTemplateRecord)
			if ok, err := t.Get(c.Key(holder), old); err == nil && ok && token != "" && old.ClientToken == token {
				lt = old
				return nil
			}
			return ec2.ErrInvalidLaunchTemplateNameAlreadyExistsException("Launch template name already in use.")
		}
		// Counted from the cache without a guard, as the key pairs' quota is.
		if cached.Len()+kit.CountNew(t, c.Prefix("lt")) >= maxTemplates {
			return ec2.ErrMaxTemplateLimitExceeded("You've reached the maximum number of launch templates (%d) allowed in this Region.", maxTemplates)
		}
		lt = &launchTemplateRecord{Meta: kit.Meta{ID: kit.NewID("lt"), Owner: c.Account, Tags: tags}, Name: name, CreateTime: now,
			DefaultVersion: 1, LatestVersion: 1, ClientToken: token}
		v := &launchTemplateVersion{TemplateID: lt.ID, Number: 1, Description: kit.Deref(in.VersionDescription), CreateTime: now, Data: in.LaunchTemplateData}
		if err := t.Put(templateNameKey(c, name), lt.ID); err != nil {
			return err
		}
		if err := t.Put(versionKey(c, lt.ID, 1), v); err != nil {
			return err
		}
		return t.Put(c.Key(lt.ID), lt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateLaunchTemplateResult{LaunchTemplate: lt.shape(c)}, nil
}

// CreateLaunchTemplateVersion adds a version: the request's parameters, over those of
// SourceVersion when given.
func (s *Compute) CreateLaunchTemplateVersion(ctx context.Context, c kit.Caller, in *ec2.CreateLaunchTemplateVersionRequest) (*ec2.CreateLaunchTemplateVersionResult, error) {
	if err := checkTemplateData(in.LaunchTemplateData); err != nil {
		return nil, err
	}
	if err := checkVersionDescription(in.VersionDescription); err != nil {
		return nil, err
	}
	now := s.Now().UTC().Truncate(time.Second)
	var out ec2.LaunchTemplateVersion
	err := s.Update(ctx, func(t *kit.Txn) error {
		lt, err := getTemplate(t, c, kit.Deref(in.LaunchTemplateId), kit.Deref(in.LaunchTemplateName))
		if err != nil {
			return err
		}
		data := *in.LaunchTemplateData
		if in.SourceVersion != nil {
			src, err := getVersion(t, c, lt, *in.SourceVersion)
			if err != nil {
				return err
			}
			overlay(&data, src.Data)
		}
		if lt.LatestVersion >= maxTemplateVersions {
			return ec2.ErrMaxTemplateVersionLimitExceeded("The maximum number of versions (%d) for launch template %s has been reached.", maxTemplateVersions, lt.ID)
		}
		lt.LatestVersion++
		v := &launchTemplateVersion{TemplateID: lt.ID, Number: lt.LatestVersion, Description: kit.Deref(in.VersionDescription), CreateTime: now, Data: &data}
		if err := t.Put(versionKey(c, lt.ID, v.Number), v); err != nil {
			return err
		}
		out = v.shape(c, lt)
		return t.Put(c.Key(lt.ID), lt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateLaunchTemplateVersionResult{LaunchTemplateVersion: &out}, nil
}

var launchTemplateFilters = map[string]func(*launchTemplateRecord) []string{
	"launch-template-name": func(lt *launchTemplateRecord) []string { return []string{lt.Name} },
	"create-time":          func(lt *launchTemplateRecord) []string { return []string{lt.CreateTime.Format(time.RFC3339)} },
}

// DescribeLaunchTemplates lists templates by ID, name and filters.
func (s *Compute) DescribeLaunchTemplates(ctx context.Context, c kit.Caller, in *ec2.DescribeLaunchTemplatesRequest) (*ec2.DescribeLaunchTemplatesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 1, 200); err != nil {
		return nil, err
	}
	for _, id := range in.LaunchTemplateIds {
		if !kit.ValidID(id, "lt") {
			return nil, ec2.ErrInvalidLaunchTemplateIdMalformed("The specified ID for the launch template (%s) is malformed.", id)
		}
	}
	filters, err := s.withNames(ctx, in.Filters, "launch-template-name", in.LaunchTemplateNames, func(name string) string { return templateNameKey(c, name) },
		func(string) error {
			return ec2.ErrInvalidLaunchTemplateNameNotFoundException("At least one of the launch templates specified in the request does not exist.")
		})
	if err != nil {
		return nil, err
	}
	q := kit.DescribeQuery{Kind: "lt", IDs: in.LaunchTemplateIds, Filters: filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1}
	items, next, err := kit.Describe(ctx, s.Kit, c, q, launchTemplateFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeLaunchTemplatesResult{LaunchTemplates: []ec2.LaunchTemplate{}, NextToken: next}
	for _, lt := range items {
		out.LaunchTemplates = append(out.LaunchTemplates, *lt.shape(c))
	}
	return out, nil
}

// versionFilters are DescribeLaunchTemplateVersions' filters vpcd answers.
var versionFilters = map[string]func(v *launchTemplateVersion, lt *launchTemplateRecord) []string{
	"create-time": func(v *launchTemplateVersion, _ *launchTemplateRecord) []string {
		return []string{v.CreateTime.Format(time.RFC3339)}
	},
	"image-id": func(v *launchTemplateVersion, _ *launchTemplateRecord) []string {
		return []string{kit.Deref(v.Data.ImageId)}
	},
	"instance-type": func(v *launchTemplateVersion, _ *launchTemplateRecord) []string {
		return []string{kit.Deref(v.Data.InstanceType)}
	},
	"is-default-version": func(v *launchTemplateVersion, lt *launchTemplateRecord) []string {
		return []string{strconv.FormatBool(v.Number == lt.DefaultVersion)}
	},
	"ebs-optimized": func(v *launchTemplateVersion, _ *launchTemplateRecord) []string {
		return []string{strconv.FormatBool(kit.Deref(v.Data.EbsOptimized))}
	},
	"kernel-id": func(v *launchTemplateVersion, _ *launchTemplateRecord) []string {
		return []string{kit.Deref(v.Data.KernelId)}
	},
	"ram-disk-id": func(v *launchTemplateVersion, _ *launchTemplateRecord) []string {
		return []string{kit.Deref(v.Data.RamDiskId)}
	},
}

// DescribeLaunchTemplateVersions lists the versions of one template (all, the ones
// named, or a range), or the $Latest and $Default versions of every template.
func (s *Compute) DescribeLaunchTemplateVersions(ctx context.Context, c kit.Caller, in *ec2.DescribeLaunchTemplateVersionsRequest) (*ec2.DescribeLaunchTemplateVersionsResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 1, 200); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return versionFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	var min, max int64
	for _, b := range []struct {
		v   *string
		dst *int64
	}{{in.MinVersion, &min}, {in.MaxVersion, &max}} {
		if b.v != nil {
			if *b.dst, err = strconv.ParseInt(*b.v, 10, 64); err != nil {
				return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter version is invalid. Expected a version number.", *b.v)
			}
		}
	}
	type found struct {
		v  *launchTemplateVersion
		lt *launchTemplateRecord
	}
	var all []found
	err = s.View(ctx, func(t *kit.Txn) error {
		id, name := kit.Deref(in.LaunchTemplateId), kit.Deref(in.LaunchTemplateName)
		if id == "" && name == "" {
			// Every template's $Latest and $Default versions; numbers are not allowed.
			templates, err := kit.ListAll[launchTemplateRecord](t, c.Prefix("lt"))
			if err != nil {
				return err
			}
			for _, lt := range templates {
				for _, v := range in.Versions {
					if v != "$Latest" && v != "$Default" {
						return ec2.ErrInvalidParameterValue("Only $Latest and $Default can be given as versions when no launch template is specified.")
					}
				}
				var numbers []int64
				if len(in.Versions) == 0 || slices.Contains(in.Versions, "$Latest") {
					numbers = append(numbers, lt.LatestVersion)
				}
				if (len(in.Versions) == 0 || slices.Contains(in.Versions, "$Default")) && lt.DefaultVersion != lt.LatestVersion {
					numbers = append(numbers, lt.DefaultVersion)
				}
				for _, n := range numbers {
					ver := new(launchTemplateVersion)
					if ok, err := t.Get(versionKey(c, lt.ID, n), ver); err != nil {
						return err
					} else if ok {
						all = append(all, found{ver, lt})
					}
				}
			}
			return nil
		}
		lt, err := getTemplate(t, c, id, name)
		if err != nil {
			return err
		}
		if len(in.Versions) > 0 {
			seen := map[int64]bool{}
			for _, v := range in.Versions {
				ver, err := getVersion(t, c, lt, v)
				if err != nil {
					return err
				}
				if !seen[ver.Number] {
					seen[ver.Number] = true
					all = append(all, found{ver, lt})
				}
			}
			slices.SortFunc(all, func(a, b found) int { return int(a.v.Number - b.v.Number) })
			return nil
		}
		versions, err := kit.ListAll[launchTemplateVersion](t, versionsPrefix(c, lt.ID))
		if err != nil {
			return err
		}
		for _, v := range versions {
			if (in.MinVersion == nil || v.Number >= min) && (in.MaxVersion == nil || v.Number <= max) {
				all = append(all, found{v, lt})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, f := range all {
		values := func(name string) []string { return versionFilters[name](f.v, f.lt) }
		if match(values, nil) {
			kept = append(kept, f)
		}
	}
	page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(f found) string { return fmt.Sprintf("%s/%010d", f.lt.ID, f.v.Number) })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeLaunchTemplateVersionsResult{LaunchTemplateVersions: []ec2.LaunchTemplateVersion{}, NextToken: next}
	for _, f := range page {
		out.LaunchTemplateVersions = append(out.LaunchTemplateVersions, f.v.shape(c, f.lt))
	}
	return out, nil
}

// ModifyLaunchTemplate sets the default version.
func (s *Compute) ModifyLaunchTemplate(ctx context.Context, c kit.Caller, in *ec2.ModifyLaunchTemplateRequest) (*ec2.ModifyLaunchTemplateResult, error) {
	var lt *launchTemplateRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if lt, err = getTemplate(t, c, kit.Deref(in.LaunchTemplateId), kit.Deref(in.LaunchTemplateName)); err != nil {
			return err
		}
		if in.DefaultVersion == nil {
			return nil
		}
		v, err := getVersion(t, c, lt, *in.DefaultVersion)
		if err != nil {
			return err
		}
		lt.DefaultVersion = v.Number
		return t.Put(c.Key(lt.ID), lt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyLaunchTemplateResult{LaunchTemplate: lt.shape(c)}, nil
}

// DeleteLaunchTemplate deletes a template and all its versions.
func (s *Compute) DeleteLaunchTemplate(ctx context.Context, c kit.Caller, in *ec2.DeleteLaunchTemplateRequest) (*ec2.DeleteLaunchTemplateResult, error) {
	var lt *launchTemplateRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if lt, err = getTemplate(t, c, kit.Deref(in.LaunchTemplateId), kit.Deref(in.LaunchTemplateName)); err != nil {
			return err
		}
		err = t.List(versionsPrefix(c, lt.ID), func(key string, _ []byte) error {
			t.Del(key)
			return nil
		})
		if err != nil {
			return err
		}
		t.Del(templateNameKey(c, lt.Name))
		t.Del(c.Key(lt.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteLaunchTemplateResult{LaunchTemplate: lt.shape(c)}, nil
}

// DeleteLaunchTemplateVersions deletes versions other than the default one; each
// version that cannot go is answered with its error, the others are deleted.
func (s *Compute) DeleteLaunchTemplateVersions(ctx context.Context, c kit.Caller, in *ec2.DeleteLaunchTemplateVersionsRequest) (*ec2.DeleteLaunchTemplateVersionsResult, error) {
	if len(in.Versions) == 0 {
		return nil, ec2.ErrMissingParameter("LaunchTemplateVersion")
	}
	if len(in.Versions) > 200 {
		return nil, ec2.ErrInvalidParameterValue("You can specify up to 200 launch template version numbers.")
	}
	var out *ec2.DeleteLaunchTemplateVersionsResult
	err := s.Update(ctx, func(t *kit.Txn) error {
		out = &ec2.DeleteLaunchTemplateVersionsResult{
			SuccessfullyDeletedLaunchTemplateVersions:   []ec2.DeleteLaunchTemplateVersionsResponseSuccessItem{},
			UnsuccessfullyDeletedLaunchTemplateVersions: []ec2.DeleteLaunchTemplateVersionsResponseErrorItem{},
		}
		lt, err := getTemplate(t, c, kit.Deref(in.LaunchTemplateId), kit.Deref(in.LaunchTemplateName))
		if err != nil {
			return err
		}
		fail := func(n int64, code, msg string) {
			out.UnsuccessfullyDeletedLaunchTemplateVersions = append(out.UnsuccessfullyDeletedLaunchTemplateVersions, ec2.DeleteLaunchTemplateVersionsResponseErrorItem{
				LaunchTemplateId: kit.Ptr(lt.ID), LaunchTemplateName: kit.Ptr(lt.Name), VersionNumber: kit.Ptr(n),
				ResponseError: &ec2.ResponseError{Code: kit.Ptr(code), Message: kit.Ptr(msg)},
			})
		}
		for _, v := range in.Versions {
			n, err := strconv.ParseInt(v, 10, 64)
			switch {
			case err != nil || n < 1:
				fail(0, "launchTemplateVersionDoesNotExist", "The specified launch template version does not exist.")
				continue
			case n == lt.DefaultVersion:
				fail(n, "unexpectedError", "Cannot delete the default version of a launch template.")
				continue
			}
			var ver launchTemplateVersion
			if found, err := t.Get(versionKey(c, lt.ID, n), &ver); err != nil {
				return err
			} else if !found {
				fail(n, "launchTemplateVersionDoesNotExist", "The specified launch template version does not exist.")
				continue
			}
			t.Del(versionKey(c, lt.ID, n))
			out.SuccessfullyDeletedLaunchTemplateVersions = append(out.SuccessfullyDeletedLaunchTemplateVersions, ec2.DeleteLaunchTemplateVersionsResponseSuccessItem{
				LaunchTemplateId: kit.Ptr(lt.ID), LaunchTemplateName: kit.Ptr(lt.Name), VersionNumber: kit.Ptr(n),
			})
		}
		// The template is written so that a version created meanwhile conflicts.
		return t.Put(c.Key(lt.ID), lt)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// launchTemplateRequest is a RunInstances request with the launch template's parameters
// where the request gives none ("any additional parameters that you specify for the new
// instance overwrite the corresponding parameters included in the launch template"),
// and the tags AWS puts on instances launched from a template. Tags of both apply, the
// request's winning for one key. A subnet, groups or address at the top of the request
// go to the template's primary interface, when the template has interfaces.
func (s *Compute) launchTemplateRequest(ctx context.Context, c kit.Caller, in *ec2.RunInstancesRequest) (*ec2.RunInstancesRequest, map[string]string, error) {
	spec := in.LaunchTemplate
	if spec == nil {
		return in, nil, nil
	}
	var lt *launchTemplateRecord
	var ver *launchTemplateVersion
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		if lt, err = getTemplate(t, c, kit.Deref(spec.LaunchTemplateId), kit.Deref(spec.LaunchTemplateName)); err != nil {
			return err
		}
		ver, err = getVersion(t, c, lt, kit.Deref(spec.Version))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	base := new(ec2.RunInstancesRequest)
	convertShape(ver.Data, base)
	out := *in
	if len(out.NetworkInterfaces) == 0 && len(base.NetworkInterfaces) > 0 &&
		(out.SubnetId != nil || len(out.SecurityGroupIds) > 0 || out.PrivateIpAddress != nil) {
		for i := range base.NetworkInterfaces {
			if ni := &base.NetworkInterfaces[i]; kit.Deref(ni.DeviceIndex) == 0 {
				ni.SubnetId = cmpPtr(out.SubnetId, ni.SubnetId)
				ni.PrivateIpAddress = cmpPtr(out.PrivateIpAddress, ni.PrivateIpAddress)
				if len(out.SecurityGroupIds) > 0 {
					ni.Groups = out.SecurityGroupIds
				}
			}
		}
		out.SubnetId, out.PrivateIpAddress, out.SecurityGroupIds = nil, nil, nil
	}
	if len(out.NetworkInterfaces) > 0 {
		base.SecurityGroupIds, base.SecurityGroups = nil, nil
	}
	// The template's tags of resources vpcd does not make (Spot requests, Elastic GPUs)
	// have nothing to go to.
	base.TagSpecifications = slices.DeleteFunc(base.TagSpecifications, func(spec ec2.TagSpecification) bool {
		rt := kit.Deref(spec.ResourceType)
		return rt != "instance" && rt != "network-interface" && rt != "volume"
	})
	out.TagSpecifications = append(slices.Clip(base.TagSpecifications), in.TagSpecifications...)
	overlay(&out, base)
	out.LaunchTemplate = nil
	return &out, map[string]string{"aws:ec2launchtemplate:id": lt.ID, "aws:ec2launchtemplate:version": strconv.FormatInt(ver.Number, 10)}, nil
}

func cmpPtr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// withTags adds tags to a resource's, which may be nil.
func withTags(tags, more map[string]string) map[string]string {
	if len(more) == 0 {
		return tags
	}
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, more)
	return tags
}
