// This file is not part of the Go distribution: patcher adds it to cmd/go
// through a build overlay (patch go/testmain-bom@1).

package test

import (
	"os"

	"cmd/go/internal/cfg"
)

const patcherBOMEnv = "GOTEST_BOM"

// patcherTestBOM runs once go test has parsed its flags.  With GOTEST_BOM=1
// the go command writes the one BOM of its output itself, first, and starts
// its test binaries with GOTEST_BOM=0 so that none of them adds another.
// The child's environment is the only channel used: no flag is added, so
// test caching and a TestMain's own flags are unaffected.
func patcherTestBOM() {
	if os.Getenv(patcherBOMEnv) != "1" {
		return
	}
	cfg.OrigEnv = append(cfg.OrigEnv, patcherBOMEnv+"=0")
	if testJSON {
		return // a BOM would corrupt the first JSON event
	}
	os.Stdout.Write([]byte("\uFEFF"))
}
