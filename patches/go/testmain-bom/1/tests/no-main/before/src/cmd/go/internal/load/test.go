// A template that lost its main: nothing to anchor to, refused.
package load

var testmainTmpl = lazytemplate.New("main", `package main`)
