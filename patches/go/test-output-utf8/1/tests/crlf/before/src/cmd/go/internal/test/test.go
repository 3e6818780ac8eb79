// A CRLF file stays CRLF.
package test

func (r *runTestActor) Act() error {
	var stdout io.Writer = os.Stdout
	stdout = io.MultiWriter(stdout, &buf)
	return nil
}
