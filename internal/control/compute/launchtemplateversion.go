package compute

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

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
