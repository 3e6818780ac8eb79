// Shape of go1.24+: a second `var stdout` in another function ([setup failed]).
package test

func setupFailed(p *load.Package) {
	var stdout io.Writer = os.Stdout
	fmt.Fprintf(stdout, "FAIL\t%s [setup failed]\n", p.ImportPath)
}

func (r *runTestActor) Act(b *work.Builder, ctx context.Context, a *work.Action) error {
	streamAndCacheOutput := testShowPass() && (len(pkgs) == 1 || cfg.BuildP == 1) || testJSON

	var stdout io.Writer = os.Stdout
	defer patcherUTF8Flush() // patcher: go/test-output-utf8@1
	var err error
	var buf bytes.Buffer
	if streamOutput {
		// No change to stdout.
	} else if streamAndCacheOutput {
		stdout = io.MultiWriter(patcherUTF8Stdout(stdout), &buf)
	} else {
		stdout = &buf
	}
	return err
}
