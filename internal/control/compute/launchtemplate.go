package compute

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
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
		LatestVersionNumber: kit.Ptr(lt.LatestVersion), LaunchTemplateId: kit.Ptr(lt.ID), LaunchTemplateName: kit.Ptr(lt.Name), Tags: lt.EC2Tags(),
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
