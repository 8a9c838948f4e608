// Package greeting holds the text the program prints.
package greeting

// Hello is the greeting.
func Hello() string { return "hello from a package in a subdirectory" }
