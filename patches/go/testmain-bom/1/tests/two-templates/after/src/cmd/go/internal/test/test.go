package test

func runTest(ctx context.Context, cmd *base.Command, args []string) {
	pkgArgs, testArgs = testFlags(args)
	patcherTestBOM() // patcher: go/testmain-bom@1
	modload.InitWorkfile()
}

// Not runTest: must not be touched.
func other(args []string) {
	pkgArgs, testArgs = testFlags(args)
}
