// Prints the CPU architecture the binary was compiled for.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Println("compiled for", runtime.GOARCH)
}
