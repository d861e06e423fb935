package ec2

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsInOneFile: EC2's errors are made in errors.go only, by
// named constructors; handlers never write a code and a sentence inline.
func TestErrorsInOneFile(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "errors.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				if fn.Name == "errf" {
					t.Errorf("%s: errf outside errors.go", fset.Position(call.Pos()))
				}
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "awsproto" && (fn.Sel.Name == "New" || fn.Sel.Name == "Newf") {
					t.Errorf("%s: awsproto.%s outside errors.go", fset.Position(call.Pos()), fn.Sel.Name)
				}
			}
			return true
		})
	}
}
