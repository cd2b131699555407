package ec2

import (
	"fmt"
	"net/http"
)

// Error is an AWS error: the code and message a client sees and the HTTP status it comes
// with. Every failure that a client may see is one; anything else becomes InternalError at
// the protocol edge.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a client error (HTTP 400) with AWS's code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// The errors the protocol layer itself produces, with AWS's wording.

func ErrMissingParameter(name string) *Error {
	return Errorf("MissingParameter", "The request must contain the parameter %s", name)
}

func ErrUnknownParameter(name string) *Error {
	return Errorf("UnknownParameter", "The parameter %s is not recognized", name)
}

func ErrInvalidParameterValue(format string, args ...any) *Error {
	return Errorf("InvalidParameterValue", format, args...)
}

func ErrInvalidAction(action string) *Error {
	return Errorf("InvalidAction", "The action %s is not valid for this web service.", action)
}

func ErrDryRun() *Error {
	return &Error{Code: "DryRunOperation", Message: "Request would have succeeded, but DryRun flag is set.", Status: http.StatusPreconditionFailed}
}

func ErrInternal() *Error {
	return &Error{Code: "InternalError", Message: "An internal error has occurred", Status: http.StatusInternalServerError}
}
