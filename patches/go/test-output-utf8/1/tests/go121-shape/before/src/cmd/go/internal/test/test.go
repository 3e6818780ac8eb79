// Shape of go1.21-go1.23: the MultiWriter sits in a nested else branch.
package test

func (r *runTestActor) Act(b *work.Builder, ctx context.Context, a *work.Action) error {
	var stdout io.Writer = os.Stdout
	var err error
	if testJSON {
		stdout = json
	}
	var buf bytes.Buffer
	if len(pkgArgs) == 0 || testBench != "" {
		// No change to stdout.
	} else {
		if testShowPass() && (len(pkgs) == 1 || cfg.BuildP == 1) || testJSON {
			stdout = io.MultiWriter(stdout, &buf)
		} else {
			stdout = &buf
		}
	}
	cmd.Stdout = stdout
	return err
}

// Another MultiWriter outside Act must not be touched.
func elsewhere() io.Writer { return io.MultiWriter(os.Stdout, os.Stderr) }
