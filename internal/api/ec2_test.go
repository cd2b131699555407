package api_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/vpcdtest"
)

// TestEveryActionRegistered: the EC2 actions are registered by hand (ec2.go); every
// method of control.Service named for an EC2 action must be among them, with an action's
// signature, so that adding a method to the control plane and forgetting the list fails
// here rather than answering UnsupportedOperation.
func TestEveryActionRegistered(t *testing.T) {
	served := api.New(vpcdtest.Start(t).Service, api.Config{}).Actions()
	var (
		ctxType    = reflect.TypeFor[context.Context]()
		callerType = reflect.TypeFor[control.Caller]()
		errorType  = reflect.TypeFor[error]()
	)
	methods := reflect.TypeFor[*control.Service]()
	n := 0
	for i := range methods.NumMethod() {
		m := methods.Method(i)
		if !ec2.Operations[m.Name] {
			continue
		}
		n++
		ft := m.Type // the receiver first
		in := ft.NumIn() == 4 && ft.In(1) == ctxType && ft.In(2) == callerType && ft.In(3).Kind() == reflect.Pointer
		out := ft.NumOut() == 1 && ft.Out(0) == errorType ||
			ft.NumOut() == 2 && ft.Out(0).Kind() == reflect.Pointer && ft.Out(1) == errorType
		if !in || !out {
			t.Errorf("%s is named for an EC2 action but does not have an action's signature: %s", m.Name, ft)
			continue
		}
		if !slices.Contains(served, m.Name) {
			t.Errorf("control.Service.%s is not registered in internal/api/ec2.go", m.Name)
		}
	}
	if n != len(served) {
		t.Errorf("%d actions served, %d control-plane methods named for actions", len(served), n)
	}
}
