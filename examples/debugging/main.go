// A program that prints a greeting from a package of its own module (internal/greeting): the
// build of docs/en/debugging.md, which fails because the Dockerfile copies only the top-level
// .go files.
package main

import (
	"fmt"

	"debugging/internal/greeting"
)

func main() {
	fmt.Println(greeting.Hello())
}
