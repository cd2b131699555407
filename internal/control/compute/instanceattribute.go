package compute

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/store"
)

// instanceAttribute is one attribute that ModifyInstanceAttribute sets.
type instanceAttribute struct {
	name   string
	value  string
	flag   *bool
	groups []string
	// mappings are the block device mappings whose DeleteOnTermination changes.
	mappings []ec2.InstanceBlockDeviceMappingSpecification
}

// modifiedAttribute picks the one attribute a ModifyInstanceAttribute request changes,
// given either as Attribute and Value or as its own parameter.
func modifiedAttribute(in *ec2.ModifyInstanceAttributeRequest) (instanceAttribute, error) {
	var found []instanceAttribute
	boolAttr := func(name string, v *ec2.AttributeBooleanValue) {
		if v != nil {
			found = append(found, instanceAttribute{name: name, flag: v.Value})
		}
	}
	strAttr := func(name string, v *ec2.AttributeValue) {
		if v != nil {
			found = append(found, instanceAttribute{name: name, value: kit.Deref(v.Value)})
		}
	}
	boolAttr("sourceDestCheck", in.SourceDestCheck)
	boolAttr("disableApiTermination", in.DisableApiTermination)
	boolAttr("disableApiStop", in.DisableApiStop)
	boolAttr("ebsOptimized", in.EbsOptimized)
	boolAttr("enaSupport", in.EnaSupport)
	strAttr("instanceType", in.InstanceType)
	strAttr("instanceInitiatedShutdownBehavior", in.InstanceInitiatedShutdownBehavior)
	strAttr("kernel", in.Kernel)
	strAttr("ramdisk", in.Ramdisk)
	strAttr("sriovNetSupport", in.SriovNetSupport)
	if in.UserData != nil {
		found = append(found, instanceAttribute{name: "userData", value: base64.StdEncoding.EncodeToString(in.UserData.Value)})
	}
	if len(in.Groups) > 0 {
		found = append(found, instanceAttribute{name: "groupSet", groups: in.Groups})
	}
	if len(in.BlockDeviceMappings) > 0 {
		found = append(found, instanceAttribute{name: "blockDeviceMapping", mappings: in.BlockDeviceMappings})
	}
	if in.Attribute != nil {
		a := instanceAttribute{name: *in.Attribute, value: kit.Deref(in.Value)}
		switch a.name {
		case "sourceDestCheck", "disableApiTermination", "disableApiStop", "ebsOptimized", "enaSupport":
			b, err := strconv.ParseBool(a.value)
			if err != nil {
				return a, ec2.ErrInvalidParameterValue("Value (%s) for parameter value is invalid. Expected: 'true', 'false'.", a.value)
			}
			a.flag = &b
		case "groupSet":
			return a, ec2.ErrMissingParameter("GroupId")
		case "userData":
			a.value = base64.StdEncoding.EncodeToString([]byte(a.value))
		}
		found = append(found, a)
	}
	if len(found) == 0 {
		return instanceAttribute{}, ec2.ErrMissingParameter("Attribute")
	}
	if len(found) > 1 {
		return instanceAttribute{}, ec2.ErrInvalidParameterCombination("Fields for multiple attribute types specified: %s, %s", found[0].name, found[1].name)
	}
	return found[0], nil
}

// ModifyInstanceAttribute changes one attribute of an instance. Its groups and its
// source/destination check are those of its only interface; its type and user data
// change only while it is stopped.
func (s *Compute) ModifyInstanceAttribute(ctx context.Context, c kit.Caller, in *ec2.ModifyInstanceAttributeRequest) error {
	id := kit.Deref(in.InstanceId)
	if id == "" {
		return ec2.ErrMissingParameter("InstanceId")
	}
	a, err := modifiedAttribute(in)
	if err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		insts, err := s.listInstances(ctx, t, c, []string{id})
		if err != nil {
			return err
		}
		inst := insts[0]
		needFlag := func() (bool, error) {
			if a.flag == nil {
				return false, ec2.ErrMissingParameter(a.name + ".Value")
			}
			return *a.flag, nil
		}
		switch a.name {
		case "instanceType", "userData":
			if inst.State != "stopped" {
				return ec2.ErrIncorrectInstanceState("The instance '%s' is not in the 'stopped' state.", inst.ID)
			}
			if a.name == "userData" {
				inst.UserData = a.value
				break
			}
			typ, err := lookupInstanceType(a.value)
			if err != nil {
				return err
			}
			if err := s.checkTypeForInterfaces(t, c, inst, typ); err != nil {
				return err
			}
			inst.InstanceType = typ.Name
		case "disableApiTermination":
			v, err := needFlag()
			inst.DisableAPITermination = v
			if err != nil {
				return err
			}
		case "disableApiStop":
			v, err := needFlag()
			inst.DisableAPIStop = v
			if err != nil {
				return err
			}
		case "ebsOptimized":
			v, err := needFlag()
			inst.EbsOptimized = v
			if err != nil {
				return err
			}
		case "enaSupport":
			if _, err := needFlag(); err != nil {
				return err
			}
		case "instanceInitiatedShutdownBehavior":
			if a.value != "stop" && a.value != "terminate" {
				return ec2.ErrInvalidParameterValue("Value (%s) for parameter value is invalid. Expected: 'stop', 'terminate'.", a.value)
			}
			inst.ShutdownBehavior = a.value
		case "sourceDestCheck", "groupSet":
			return s.modifyPrimaryInterface(t, c, inst, a)
		case "blockDeviceMapping":
			return setDeleteOnTermination(t, c, inst, a.mappings)
		case "kernel", "ramdisk", "sriovNetSupport":
			return ec2.ErrUnsupportedOperation("The attribute '%s' is not supported by vpcd.", a.name)
		default:
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", a.name)
		}
		return t.Put(c.Key(inst.ID), inst)
	})
}

// modifyPrimaryInterface sets the groups or the source/destination check of the
// instance's interface; an instance with several interfaces must be changed per interface.
func (s *Compute) modifyPrimaryInterface(t *kit.Txn, c kit.Caller, inst *kit.InstanceRecord, a instanceAttribute) error {
	if inst.State == "terminated" || len(inst.ENIs) == 0 {
		return errIncorrectState(inst.ID, "modified")
	}
	if len(inst.ENIs) > 1 {
		return ec2.ErrInvalidInstanceID("There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", inst.ID)
	}
	e, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", inst.ENIs[0])
	if err != nil {
		return err
	}
	if a.name == "sourceDestCheck" {
		if a.flag == nil {
			return ec2.ErrMissingParameter("SourceDestCheck.Value")
		}
		e.SourceDestCheck = *a.flag
	} else {
		vpc, err := kit.GetVpc(t, c, e.VpcID)
		if err != nil {
			return err
		}
		if e.Groups, err = s.resolveGroups(t, c, vpc, e.SubnetID, a.groups, nil); err != nil {
			return err
		}
	}
	return t.Put(c.Key(e.ID), e)
}

// DescribeInstanceAttribute answers one attribute of an instance.
func (s *Compute) DescribeInstanceAttribute(ctx context.Context, c kit.Caller, in *ec2.DescribeInstanceAttributeRequest) (*ec2.InstanceAttribute, error) {
	id, name := kit.Deref(in.InstanceId), kit.Deref(in.Attribute)
	if id == "" {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	if name == "" {
		return nil, ec2.ErrMissingParameter("Attribute")
	}
	out := &ec2.InstanceAttribute{InstanceId: kit.Ptr(id)}
	err := s.View(ctx, func(t *kit.Txn) error {
		insts, err := s.listInstances(ctx, t, c, []string{id})
		if err != nil {
			return err
		}
		inst, rd := insts[0], newRenderer(t, c)
		var primary *kit.NetworkInterfaceRecord
		if enis := rd.Interfaces(inst); len(enis) > 0 {
			primary = enis[0]
		}
		flag := func(v bool) *ec2.AttributeBooleanValue { return &ec2.AttributeBooleanValue{Value: kit.Ptr(v)} }
		str := func(v string) *ec2.AttributeValue { return &ec2.AttributeValue{Value: kit.Ptr(v)} }
		switch name {
		case "instanceType":
			out.InstanceType = str(inst.InstanceType)
		case "userData":
			out.UserData = &ec2.AttributeValue{}
			if inst.UserData != "" {
				out.UserData.Value = kit.Ptr(inst.UserData)
			}
		case "disableApiTermination":
			out.DisableApiTermination = flag(inst.DisableAPITermination)
		case "disableApiStop":
			out.DisableApiStop = flag(inst.DisableAPIStop)
		case "instanceInitiatedShutdownBehavior":
			out.InstanceInitiatedShutdownBehavior = str(inst.ShutdownBehavior)
		case "rootDeviceName":
			out.RootDeviceName = str(inst.RootDevice())
		case "blockDeviceMapping":
			out.BlockDeviceMappings = rd.BlockDevices(inst)
		case "productCodes":
			out.ProductCodes = []ec2.ProductCode{}
		case "ebsOptimized":
			out.EbsOptimized = flag(inst.EbsOptimized)
		case "enaSupport":
			out.EnaSupport = flag(true)
		case "sriovNetSupport":
			out.SriovNetSupport = &ec2.AttributeValue{}
		case "kernel":
			out.KernelId = &ec2.AttributeValue{}
		case "ramdisk":
			out.RamdiskId = &ec2.AttributeValue{}
		case "enclaveOptions":
			out.EnclaveOptions = &ec2.EnclaveOptions{Enabled: kit.Ptr(false)}
		case "sourceDestCheck":
			out.SourceDestCheck = flag(primary == nil || primary.SourceDestCheck)
		case "groupSet":
			out.Groups = []ec2.GroupIdentifier{}
			if primary != nil {
				out.Groups = rd.GroupIdentifiers(primary.Groups)
			}
		default:
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// consoleKey is where the data plane writes an instance's console output, raw.
func consoleKey(c kit.Caller, instanceID string) string {
	return c.Account + "/" + c.Region + "/console/" + instanceID
}

// GetConsoleOutput answers the console output the data plane recorded, base64 encoded.
func (s *Compute) GetConsoleOutput(ctx context.Context, c kit.Caller, in *ec2.GetConsoleOutputRequest) (*ec2.GetConsoleOutputResult, error) {
	id := kit.Deref(in.InstanceId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("InstanceId")
	}
	err := s.View(ctx, func(t *kit.Txn) error {
		_, err := s.listInstances(ctx, t, c, []string{id})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.GetConsoleOutputResult{InstanceId: kit.Ptr(id), Timestamp: kit.Ptr(s.Now().UTC().Truncate(time.Second))}
	kv, found, err := s.Store.Get(ctx, consoleKey(c, id))
	if err != nil {
		return nil, fmt.Errorf("console output of %s: %w", id, err)
	}
	if found && len(kv.Value) > 0 {
		out.Output = kit.Ptr(base64.StdEncoding.EncodeToString(kv.Value))
	}
	return out, nil
}

// SetConsoleOutput records what an instance printed, as the data plane sees it; AWS keeps
// the last 64 KiB.
func (s *Compute) SetConsoleOutput(ctx context.Context, c kit.Caller, instanceID string, out []byte) error {
	const keep = 64 << 10
	if len(out) > keep {
		out = out[len(out)-keep:]
	}
	_, err := s.Store.Commit(ctx, nil, []store.Op{{Key: consoleKey(c, instanceID), Value: out}})
	return err
}

// checkTypeForInterfaces refuses a new type that the instance's interfaces do not allow:
// one not built on the Nitro System while one is in an IPv6-only subnet.
func (s *Compute) checkTypeForInterfaces(t *kit.Txn, c kit.Caller, inst *kit.InstanceRecord, typ kit.InstanceType) error {
	for _, id := range inst.ENIs {
		e, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", id)
		if err != nil {
			return err
		}
		if err := checkIPv6OnlyType(typ, inIPv6OnlySubnet(e)); err != nil {
			return err
		}
	}
	return nil
}
