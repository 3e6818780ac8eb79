// Shape of go1.21-go1.24: two testmain templates, each with a main.
package load

var testmainTmpl = lazytemplate.New("main", `
package main

import (
	"os"
	"testing"
)

// patcherTestmainBOM writes a UTF-8 BOM first when GOTEST_BOM=1, unless this
// binary reports to test2json (go test -json), whose parser it would break.
// patcher: go/testmain-bom@1
func patcherTestmainBOM() {
	if os.Getenv("GOTEST_BOM") != "1" {
		return
	}
	for _, arg := range os.Args[1:] {
		if arg == "-test.v=test2json" || arg == "--test.v=test2json" {
			return
		}
	}
	os.Stdout.WriteString("\uFEFF")
}

func main() {
	patcherTestmainBOM()
{{if .Cover}}
	testing.RegisterCover(cover)
{{end}}
	m := testing.MainStart(testdeps.TestDeps{}, tests, benchmarks, fuzzTargets, examples)
	os.Exit(m.Run())
}
`)

var testmainTmplNewCoverage = lazytemplate.New("main", `
package main

import "os"

// patcherTestmainBOM writes a UTF-8 BOM first when GOTEST_BOM=1, unless this
// binary reports to test2json (go test -json), whose parser it would break.
// patcher: go/testmain-bom@1
func patcherTestmainBOM() {
	if os.Getenv("GOTEST_BOM") != "1" {
		return
	}
	for _, arg := range os.Args[1:] {
		if arg == "-test.v=test2json" || arg == "--test.v=test2json" {
			return
		}
	}
	os.Stdout.WriteString("\uFEFF")
}

func main() {
	patcherTestmainBOM()
	m := testing.MainStart(testdeps.TestDeps{}, tests, benchmarks, fuzzTargets, examples)
	os.Exit(m.Run())
}
`)

// A template without main is left alone.
var otherTmpl = lazytemplate.New("other", `package x`)
