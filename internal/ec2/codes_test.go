package ec2

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// TestConstructorsReturnDocumentedCodes: every named constructor returns a code that AWS
// documents for EC2 (or that real EC2 is seen to return).
func TestConstructorsReturnDocumentedCodes(t *testing.T) {
	fset := token.NewFileSet()
	for _, file := range []string{"codes.go", "error.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		ast.Inspect(f, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "Errorf" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				return true
			}
			code, _ := strconv.Unquote(lit.Value)
			n++
			if !Documented(code) {
				t.Errorf("%s: %s is not an EC2 error code AWS documents", fset.Position(lit.Pos()), code)
			}
			return true
		})
		if file == "codes.go" && n < 50 {
			t.Fatalf("found only %d constructors in codes.go", n)
		}
	}
}

func TestDocumentedList(t *testing.T) {
	for _, code := range []string{"InvalidVpcID.NotFound", "DependencyViolation", "InvalidRouteTableId.Malformed"} {
		if !Documented(code) {
			t.Errorf("%s is missing from the documented list", code)
		}
	}
	for _, code := range []string{"InvalidRouteTableID.Malformed", "Leak", "invalidvpcid.notfound"} {
		if Documented(code) {
			t.Errorf("%s should not be documented (the list is case-sensitive)", code)
		}
	}
	for code := range ObservedCodes {
		if documented()[code] {
			t.Errorf("%s is documented now: take it out of ObservedCodes", code)
		}
	}
}
