package test

func runTest(ctx context.Context, cmd *base.Command, args []string) {
	pkgArgs, testArgs = testFlags(args)
	modload.InitWorkfile()
}

// Not runTest: must not be touched.
func other(args []string) {
	pkgArgs, testArgs = testFlags(args)
}
