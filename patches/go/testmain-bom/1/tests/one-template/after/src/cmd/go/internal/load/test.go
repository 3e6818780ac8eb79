// Shape of go1.25+: one testmain template.
package load

var testmainTmpl = lazytemplate.New("main", `
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
{{with .TestMain}}
	{{.Package}}.{{.Name}}(m)
	os.Exit(int(reflect.ValueOf(m).Elem().FieldByName("exitCode").Int()))
{{else}}
	os.Exit(m.Run())
{{end}}
}
`)
