package ec2_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vpcd/internal/aws/directconnect"
	"vpcd/internal/aws/dynamodb"
	"vpcd/internal/aws/elbv2"
	"vpcd/internal/aws/logs"
	"vpcd/internal/aws/route53"
	"vpcd/internal/aws/route53resolver"
	"vpcd/internal/aws/servicequotas"
	"vpcd/internal/aws/ssm"
	"vpcd/internal/aws/sts"
	"vpcd/internal/ec2"
)

// protocolCodes are the codes of AWS's wire protocols that no service model lists.
var protocolCodes = map[string]bool{"UnknownOperationException": true, "SerializationException": true, "ValidationException": true}

// TestErrorCodesAtCallSites reads vpcd's sources: an error code written as a literal must
// sit in a named constructor (a function or variable whose name starts with err/Err), so
// that call sites name the error they mean, and it must be a code AWS documents for one
// of the services vpcd answers.
func TestErrorCodesAtCallSites(t *testing.T) {
	modelled := map[string]bool{}
	for code := range route53.API.Errors {
		modelled[code] = true
	}
	for code := range servicequotas.API.Errors {
		modelled[code] = true
	}
	for code := range sts.API.Errors {
		modelled[code] = true
	}
	for code := range ssm.API.Errors {
		modelled[code] = true
	}
	for code := range logs.API.Errors {
		modelled[code] = true
	}
	for code := range route53resolver.API.Errors {
		modelled[code] = true
	}
	for code := range elbv2.API.Errors {
		modelled[code] = true
	}
	for code := range directconnect.API.Errors {
		modelled[code] = true
	}
	for code := range dynamodb.API.Errors {
		modelled[code] = true
	}
	fset := token.NewFileSet()
	found := 0
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				name := declName(decl)
				ast.Inspect(decl, func(n ast.Node) bool {
					code, pos, ok := literalCode(n)
					if !ok {
						return true
					}
					found++
					where := fset.Position(pos)
					if !strings.HasPrefix(strings.ToLower(name), "err") && filepath.Base(filepath.Dir(path)) != "ec2" {
						t.Errorf("%s: code %s written at a call site in %s: use a named constructor", where, code, name)
					}
					if !ec2.Documented(code) && !modelled[code] && !protocolCodes[code] {
						t.Errorf("%s: %s is not a code AWS documents for EC2, STS, Service Quotas, Route 53, Route 53 Resolver, SSM, CloudWatch Logs, ELBv2, Direct Connect or DynamoDB", where, code)
					}
					return true
				})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 50 {
		t.Fatalf("found only %d error codes in the sources", found)
	}
}

func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		return d.Name.Name
	case *ast.GenDecl:
		for _, s := range d.Specs {
			if v, ok := s.(*ast.ValueSpec); ok && len(v.Names) > 0 {
				return v.Names[0].Name
			}
		}
	}
	return ""
}

// literalCode finds ec2.Errorf("Code", ...), Errorf("Code", ...) and Error{Code: "Code"}.
func literalCode(n ast.Node) (string, token.Pos, bool) {
	var lit ast.Expr
	switch n := n.(type) {
	case *ast.CallExpr:
		var fn string
		switch f := n.Fun.(type) {
		case *ast.SelectorExpr:
			if x, ok := f.X.(*ast.Ident); ok && x.Name == "ec2" {
				fn = f.Sel.Name
			}
		case *ast.Ident:
			fn = f.Name
		}
		if fn != "Errorf" || len(n.Args) == 0 {
			return "", 0, false
		}
		lit = n.Args[0]
	case *ast.CompositeLit:
		if !isErrorType(n.Type) {
			return "", 0, false
		}
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
					lit = kv.Value
				}
			}
		}
	}
	b, ok := lit.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", 0, false
	}
	code, _ := strconv.Unquote(b.Value)
	return code, b.Pos(), true
}

func isErrorType(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		return ok && x.Name == "ec2" && e.Sel.Name == "Error"
	case *ast.Ident:
		return e.Name == "Error"
	}
	return false
}
