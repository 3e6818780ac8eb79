// Shape of go1.21-go1.24: two testmain templates, each with a main.
package load

var testmainTmpl = lazytemplate.New("main", `
package main

import (
	"os"
	"testing"
)

func main() {
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

func main() {
	m := testing.MainStart(testdeps.TestDeps{}, tests, benchmarks, fuzzTargets, examples)
	os.Exit(m.Run())
}
`)

// A template without main is left alone.
var otherTmpl = lazytemplate.New("other", `package x`)
