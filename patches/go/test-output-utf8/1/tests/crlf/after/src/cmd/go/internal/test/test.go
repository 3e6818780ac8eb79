// A CRLF file stays CRLF.
package test

func (r *runTestActor) Act() error {
	var stdout io.Writer = os.Stdout
	defer patcherUTF8Flush() // patcher: go/test-output-utf8@1
	stdout = io.MultiWriter(patcherUTF8Stdout(stdout), &buf)
	return nil
}
