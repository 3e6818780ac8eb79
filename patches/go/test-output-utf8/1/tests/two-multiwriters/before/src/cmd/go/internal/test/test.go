// An Act with two MultiWriter calls is ambiguous: refused, not guessed.
package test

func (r *runTestActor) Act() error {
	var stdout io.Writer = os.Stdout
	stdout = io.MultiWriter(stdout, &buf)
	stdout = io.MultiWriter(stdout, &other)
	return nil
}
