package main

import (
	"bufio"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// importRules is DESIGN.md's table "Packages (top level) and who may import
// whom": for each top-level package, the project packages it may import. A
// sub-package (marketdata/natspub) belongs to its top-level package and may
// import its parent and siblings. Two rows are not in the map because they
// are rules of their own: internal/... may be imported by anyone and imports
// only internal/...; nothing imports cmd/mts.
//
// A top-level package missing from this table fails the test: adding one is a
// design decision, so add it to DESIGN.md and here together.
var importRules = map[string][]string{
	"orderbook":  {},
	"risk":       {"orderbook"},
	"matching":   {"orderbook", "risk"},
	"journal":    {},
	"marketdata": {"matching", "orderbook"},
	"gateway":    {"api", "matching", "marketdata"},
	"api":        {},
	"loadtest":   {"api"},
	"cmd/mts":    {"*"},
}

// goFile is one parsed Go file of the module.
type goFile struct {
	rel   string // path from the module root, slash-separated
	unit  string // its top-level package: "matching", "cmd/mts", "internal", ...
	xtest bool   // an external test package (package foo_test)
	test  bool   // a _test.go file
	file  *ast.File
}

// TestImportTable enforces importRules over every Go file of the module,
// whatever its build tags (the files are parsed, not built, so files behind
// `invariants` are checked too). Non-test files and in-package test files
// follow the table; external test packages (package foo_test) are clients
// of the package and may import any project package except cmd/mts.
func TestImportTable(t *testing.T) {
	root, module := moduleRoot(t)
	files := parseModule(t, root, false, func(string, bool) bool { return true })
	if len(files) == 0 {
		t.Fatal("no Go files found")
	}
	for _, f := range files {
		if f.unit != "internal" && importRules[f.unit] == nil {
			t.Errorf("%s: top-level package %q is not in the import table (DESIGN.md and importRules in %s)", f.rel, f.unit, "cmd/mts/imports_test.go")
			continue
		}
		for _, imp := range f.file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if msg := checkImport(f, module, path); msg != "" {
				t.Errorf("%s imports %s: %s", f.rel, path, msg)
			}
		}
	}
}

// checkImport returns why f may not import path, or "".
func checkImport(f goFile, module, path string) string {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return "" // standard library or a third-party module
	}
	target := unitOf(rel)
	switch {
	case target == "cmd/mts" && f.unit != "cmd/mts":
		return "nothing imports cmd/mts"
	case target == f.unit, target == "internal":
		return ""
	case f.unit == "internal":
		return "internal packages import only other internal packages"
	case f.xtest:
		return ""
	case slices.Contains(importRules[f.unit], "*"), slices.Contains(importRules[f.unit], target):
		return ""
	}
	return f.unit + " may import only " + strings.Join(append([]string{"internal"}, importRules[f.unit]...), ", ")
}

// TestGatewayNeverHoldsTheEngine checks DESIGN.md's rule that the gateway
// uses matching only for its message types and codecs: no non-test gateway
// file names the engine, its config or its loop.
func TestGatewayNeverHoldsTheEngine(t *testing.T) {
	root, module := moduleRoot(t)
	forbidden := []string{"Engine", "NewEngine", "Config", "Loop", "NewLoop"}
	gatewayCode := func(rel string, test bool) bool { return unitOf(rel) == "gateway" && !test }
	for _, f := range parseModule(t, root, true, gatewayCode) {
		local := localName(f.file, module+"/matching")
		if local == "" {
			continue
		}
		ast.Inspect(f.file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == local && slices.Contains(forbidden, sel.Sel.Name) {
				t.Errorf("%s: uses matching.%s; the gateway talks to the engine through messages only", f.rel, sel.Sel.Name)
			}
			return true
		})
	}
}

// TestOnlyCmdReadsFlagsAndEnvironment checks STYLE.md's "only cmd/mts reads
// flags, files, environment" for flags and the environment (reading files is
// some packages' job, e.g. the journal's). Tests may do both.
func TestOnlyCmdReadsFlagsAndEnvironment(t *testing.T) {
	root, _ := moduleRoot(t)
	nonCmdCode := func(rel string, test bool) bool { return unitOf(rel) != "cmd/mts" && !test }
	for _, f := range parseModule(t, root, true, nonCmdCode) {
		if localName(f.file, "flag") != "" {
			t.Errorf("%s imports flag; only cmd/mts parses flags", f.rel)
		}
		local := localName(f.file, "os")
		ast.Inspect(f.file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && local != "" && id.Name == local &&
				slices.Contains([]string{"Getenv", "LookupEnv", "Environ"}, sel.Sel.Name) {
				t.Errorf("%s: os.%s; only cmd/mts reads the environment", f.rel, sel.Sel.Name)
			}
			return true
		})
	}
}

func TestUnitOf(t *testing.T) {
	for rel, want := range map[string]string{
		"matching": "matching", "marketdata/natspub": "marketdata", "cmd/mts": "cmd/mts",
		"cmd/mts/internal/x": "cmd/mts", "cmd/other": "cmd", "internal/invariants": "internal", "": "",
	} {
		if got := unitOf(rel); got != want {
			t.Errorf("unitOf(%q) = %q, want %q", rel, got, want)
		}
	}
	f := goFile{unit: "gateway"}
	for path, ok := range map[string]bool{
		"github.com/mts-krx/mts/api": true, "github.com/mts-krx/mts/matching": true,
		"github.com/mts-krx/mts/marketdata/natspub": true, "github.com/mts-krx/mts/internal/invariants": true,
		"github.com/mts-krx/mts/journal": false, "github.com/mts-krx/mts/cmd/mts": false, "encoding/json": true,
	} {
		if got := checkImport(f, "github.com/mts-krx/mts", path) == ""; got != ok {
			t.Errorf("gateway importing %s allowed = %v, want %v", path, got, ok)
		}
	}
}

// unitOf maps a package path relative to the module root to its row of the
// import table.
func unitOf(rel string) string {
	if rel == "cmd/mts" || strings.HasPrefix(rel, "cmd/mts/") {
		return "cmd/mts"
	}
	first, _, _ := strings.Cut(rel, "/")
	return first
}

// localName returns the name under which f imports path, or "".
func localName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return path[strings.LastIndex(path, "/")+1:]
		}
	}
	return ""
}

// parseModule parses the Go files under root that the go tool would consider
// (skipping testdata, vendor, directories starting with . or _, and nested
// modules) and that keep accepts, given the package directory relative to
// root and whether the file is a test. With full it parses whole files, else
// imports only.
func parseModule(t *testing.T, root string, full bool, keep func(dir string, test bool) bool) []goFile {
	t.Helper()
	mode := parser.ImportsOnly
	if full {
		mode = parser.SkipObjectResolution
	}
	fset := token.NewFileSet()
	var files []goFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return skipDir(root, path, d)
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		test := strings.HasSuffix(path, "_test.go")
		if !keep(filepath.ToSlash(filepath.Dir(rel)), test) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, mode)
		if err != nil {
			return err
		}
		files = append(files, goFile{
			rel: rel, unit: unitOf(filepath.ToSlash(filepath.Dir(rel))), file: f,
			test: test, xtest: test && strings.HasSuffix(f.Name.Name, "_test"),
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func skipDir(root, path string, d fs.DirEntry) error {
	if path == root {
		return nil
	}
	name := d.Name()
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" {
		return filepath.SkipDir
	}
	if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
		return filepath.SkipDir
	}
	return nil
}

// moduleRoot finds the directory holding go.mod above the working directory
// and reads the module path from it.
func moduleRoot(t *testing.T) (root, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		module, err = modulePath(filepath.Join(dir, "go.mod"))
		if err == nil {
			return dir, module
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New(gomod + ": no module line")
}
